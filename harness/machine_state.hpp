// The machine's speed state around a Google Benchmark timed loop.
//
// On this project's shared 2-core VMs the CPU's speed toggles between two states about
// 2x apart, for seconds at a time, whatever runs on it (a fixed spin loop takes 13.8 ms or
// 6.9 ms). A repetition's time then says as much about the state as about the code. The
// probe times a fixed, allocation-free calibration loop (a dependent multiply-add chain,
// best of three, about 15 microseconds) right before and right after the timed loop, and
// reports the slower of the two as the counter calibration_ns, so the scripts can tell
// repetitions run in the fast state from the others (scripts/vtb_results.py).
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
