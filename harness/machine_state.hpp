// The machine's speed state around a Google Benchmark timed loop.
//
// On this project's shared 2-core VMs memory-bound work toggles between two speeds about
// 2x apart, for seconds at a time, whatever the process does (a loop that stores and
// reloads one word takes 13.8 ms or 6.9 ms; a chain of multiplies in registers keeps its
// speed). A repetition's time then says as much about the state as about the code. The
// probe times a fixed, allocation-free calibration loop (4000 store-reload-add steps, in
// assembly on x86-64 so that every compiler runs the same instructions; best of three,
// a few microseconds) right before and right after the timed loop, and reports the
// slower of the two as the counter calibration_ns, so the scripts can tell repetitions
// run in the fast state from the others (scripts/benchmark_file.py). A switch of state in
// the middle of a timed loop, with the same state at both ends, is not seen.
//
//   vtb::harness::machine_state_probe machine;  // right before the loop
//   for (auto _ : state) { ... }
//   machine.report(state);                       // right after the loop
//
// Cost: two calibrations per repetition, outside the timed loop; no allocation.
#pragma once

#include <benchmark/benchmark.h>

namespace vtb::harness {

class machine_state_probe {
public:
    machine_state_probe();
    // Sets calibration_ns (averaged over the benchmark's threads) on this thread's state.
    void report(benchmark::State& state) const;

private:
    double before_ns_;
};

// Nanoseconds the calibration loop takes now (best of three).
double calibration_ns();

}  // namespace vtb::harness
