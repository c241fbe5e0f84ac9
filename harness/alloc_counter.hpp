// The counting allocator's interface for the scenarios: allocations and bytes per
// operation around a Google Benchmark timed loop, and process-wide totals.
//
// vtbench_counting (the counting pass) and the tests link the counting build: every
// global operator new/delete is replaced and counted, see alloc_counter.cpp for its
// cost. vtbench (the timing pass) links the same code with counting compiled out, so
// no timed iteration ever runs through the counter.
//
// Usage around a timed loop (single- or multi-threaded benchmark), on every thread:
//
//   ... per-thread setup ...
//   vtb::harness::op_counters counters;  // right before the loop
//   for (auto _ : state) { ... }
//   counters.report(state);              // right after the loop
//   ... per-thread teardown ...
//
// The counted window is shared by all threads of the process and of the run: it opens
// at the latest op_counters construction and closes at the first report after it.
// Google Benchmark lets no thread into the loop before all have reached it and no
// thread out before all have finished it, so when every benchmark thread constructs
// op_counters right before its loop and reports right after it, the window holds every
// thread's loop (and any helper thread's work meanwhile) and no thread's setup or
// teardown. Only thread 0 sets the counters, to the window's totals over all threads.
// One measurement at a time: the window is process-wide.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

namespace vtb::harness {

struct alloc_totals {
    std::uint64_t allocs = 0;  // operator new calls (every form)
    std::uint64_t bytes = 0;   // bytes requested from operator new
};

// Totals over all threads since the process started, including threads that have
// exited. Always zero when counting is compiled out.
alloc_totals alloc_totals_now();

// True in the counting build (vtbench_counting, tests), false in vtbench.
bool counting_enabled();

// Allocation counters for one timed loop.
class op_counters {
public:
    // (Re)opens the window: a snapshot of all threads' totals, and the peak of live
    // bytes restarted from the current level.
    op_counters();

    // Closes the window if no thread has yet. On thread 0 only, sets the user counters
    //   allocs_per_op, bytes_per_op  all threads' allocations in the window, averaged
    //                                over all threads' iterations
    //   peak_live_bytes              highest live bytes above the level at the
    //                                opening: the per-thread peaks summed over
    //                                threads (exact for one thread; an upper bound
    //                                of the simultaneous peak for several)
    // Live bytes are requested bytes (what operator new was asked for), so they do not
    // depend on the allocator or the heap's layout. Sets nothing when counting is
    // compiled out.
    void report(benchmark::State& state) const;
};

}  // namespace vtb::harness
