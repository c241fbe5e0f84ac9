// Exact figures from the counting allocator: every operator new form, threads that
// exit, and op_counters around Google Benchmark loops on one and two threads. Every
// byte figure is in requested bytes, so none depends on the allocator's size classes
// or on what the process allocated before (the checkout's path length, for one).
// ctest runs this under each installed allocator (LD_PRELOAD), as vtbench is run.
#include "alloc_counter.hpp"
#include "benchmark_capture.hpp"

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>
#include <vector>

namespace {

using vtb::harness::alloc_totals;
using vtb::harness::alloc_totals_now;
using vtb::harness::op_counters;
using vtb::harness::testing::run_benchmark;

struct alignas(64) over_aligned {
    char bytes[64];
};

// The counted difference made by `step`, which must allocate and free what it allocates.
template <class Step>
alloc_totals counted_by(Step step) {
    const alloc_totals before = alloc_totals_now();
    step();
    const alloc_totals after = alloc_totals_now();
    return {after.allocs - before.allocs, after.bytes - before.bytes};
}

// Leaves the heap fragmented: blocks of odd sizes, every other one freed, so that the
// next small blocks come from split remainders and recycled chunks. Peak live bytes
// must not depend on that (they count requested bytes, not the allocator's chunks).
class fragmented_heap {
public:
    fragmented_heap() {
        for (std::size_t index = 0; index < 4000; ++index) {
            kept_.push_back(std::make_unique<char[]>(1 + (index * 37) % 203));
            if (index % 2 == 1) kept_[index - 1].reset();
        }
    }

private:
    std::vector<std::unique_ptr<char[]>> kept_;
};

double counter(const benchmark::BenchmarkReporter::Run& run, const char* name) { return run.counters.at(name).value; }

TEST(AllocCounter, CountingIsEnabled) { EXPECT_TRUE(vtb::harness::counting_enabled()); }

TEST(AllocCounter, CountsEveryOperatorNewFormWithTheRequestedBytes) {
    const auto expect_one_allocation_of = [](std::size_t bytes, auto step) {
        const alloc_totals counted = counted_by(step);
        EXPECT_EQ(counted.allocs, 1u);
        EXPECT_EQ(counted.bytes, bytes);
    };
    expect_one_allocation_of(sizeof(int), [] {
        int* value = new int(1);
        benchmark::DoNotOptimize(value);
        delete value;
    });
    expect_one_allocation_of(10, [] {
        char* text = new char[10];
        benchmark::DoNotOptimize(text);
        delete[] text;
    });
    expect_one_allocation_of(sizeof(int), [] {
        int* value = new (std::nothrow) int(1);
        benchmark::DoNotOptimize(value);
        delete value;
    });
    expect_one_allocation_of(10, [] {
        char* text = new (std::nothrow) char[10];
        benchmark::DoNotOptimize(text);
        delete[] text;
    });
    expect_one_allocation_of(sizeof(over_aligned), [] {
        over_aligned* block = new over_aligned;
        benchmark::DoNotOptimize(block);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block) % alignof(over_aligned), 0u);
        delete block;
    });
    expect_one_allocation_of(2 * sizeof(over_aligned), [] {
        over_aligned* blocks = new over_aligned[2];
        benchmark::DoNotOptimize(blocks);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(blocks) % alignof(over_aligned), 0u);
        delete[] blocks;
    });
    expect_one_allocation_of(sizeof(over_aligned), [] {
        over_aligned* block = new (std::nothrow) over_aligned;
        benchmark::DoNotOptimize(block);
        delete block;
    });
    expect_one_allocation_of(2 * sizeof(over_aligned), [] {
        over_aligned* blocks = new (std::nothrow) over_aligned[2];
        benchmark::DoNotOptimize(blocks);
        delete[] blocks;
    });
    expect_one_allocation_of(0, [] {
        void* block = ::operator new(0);
        EXPECT_NE(block, nullptr);
        benchmark::DoNotOptimize(block);
        ::operator delete(block);
    });
    expect_one_allocation_of(24, [] {
        void* block = ::operator new (24, std::align_val_t{4});
        benchmark::DoNotOptimize(block);
        ::operator delete (block, std::align_val_t{4});
    });
}

TEST(AllocCounter, NothrowNewReturnsNullInsteadOfThrowing) {
    const std::size_t impossible = std::numeric_limits<std::size_t>::max() / 2;
    void* block = ::operator new(impossible, std::nothrow);
    EXPECT_EQ(block, nullptr);
    EXPECT_THROW(static_cast<void>(::operator new(impossible)), std::bad_alloc);
}

void allocate_ints(int count) {
    for (int index = 0; index < count; ++index) {
        int* value = new int(index);
        benchmark::DoNotOptimize(value);
        delete value;
    }
}

TEST(AllocCounter, KeepsTheCountsOfThreadsThatHaveExited) {
    // Starting a thread allocates too; the difference between two otherwise identical
    // threads is what the second one allocated before it exited.
    const alloc_totals idle_thread = counted_by([] { std::thread(allocate_ints, 0).join(); });
    const alloc_totals busy_thread = counted_by([] { std::thread(allocate_ints, 3).join(); });
    EXPECT_EQ(busy_thread.allocs - idle_thread.allocs, 3u);
    EXPECT_EQ(busy_thread.bytes - idle_thread.bytes, 3 * sizeof(int));
}

TEST(AllocCounter, OneNewIntPerIterationGivesOneAllocAndFourBytesPerOp) {
    const auto run = run_benchmark(
        "new_int_per_iteration",
        [](benchmark::State& state) {
            op_counters counters;
            for (auto _ : state) {
                int* value = new int(1);
                benchmark::DoNotOptimize(value);
                delete value;
            }
            counters.report(state);
        },
        1000);
    EXPECT_EQ(run.iterations, 1000);
    EXPECT_DOUBLE_EQ(counter(run, "allocs_per_op"), 1.0);
    EXPECT_DOUBLE_EQ(counter(run, "bytes_per_op"), 4.0);
    // Each block is freed before the next: the peak is one block, deletes are counted.
    EXPECT_DOUBLE_EQ(counter(run, "peak_live_bytes"), static_cast<double>(sizeof(int)));
}

TEST(AllocCounter, PeakLiveBytesCountsFromTheLevelAtTheSnapshot) {
    constexpr int iterations = 500;
    const auto run = run_benchmark(
        "peak_above_start",
        [](benchmark::State& state) {
            const auto held_before = std::make_unique<std::array<char, 1 << 20>>();
            std::vector<std::unique_ptr<int>> kept;
            kept.reserve(iterations);
            op_counters counters;
            for (auto _ : state) kept.push_back(std::make_unique<int>(1));
            counters.report(state);
        },
        iterations);
    EXPECT_DOUBLE_EQ(counter(run, "allocs_per_op"), 1.0);
    EXPECT_DOUBLE_EQ(counter(run, "peak_live_bytes"), static_cast<double>(iterations * sizeof(int)));
}

TEST(AllocCounter, PeakLiveBytesDoNotDependOnAFragmentedHeap) {
    constexpr int iterations = 500;
    const fragmented_heap fragments;
    const auto run = run_benchmark(
        "peak_after_fragmentation",
        [](benchmark::State& state) {
            const fragmented_heap more_fragments;
            std::vector<std::unique_ptr<int>> kept;
            kept.reserve(iterations);
            std::vector<std::unique_ptr<char[]>> odd_sizes;
            odd_sizes.reserve(iterations);
            op_counters counters;
            for (auto _ : state) {
                kept.push_back(std::make_unique<int>(1));
                odd_sizes.push_back(std::make_unique<char[]>(13));
            }
            counters.report(state);
        },
        iterations);
    EXPECT_DOUBLE_EQ(counter(run, "allocs_per_op"), 2.0);
    EXPECT_DOUBLE_EQ(counter(run, "bytes_per_op"), static_cast<double>(sizeof(int) + 13));
    EXPECT_DOUBLE_EQ(counter(run, "peak_live_bytes"), static_cast<double>(iterations * (sizeof(int) + 13)));
}

TEST(AllocCounter, PeakLiveBytesCountOverAlignedBlocksByTheirRequestedSize) {
    constexpr int iterations = 100;
    const auto run = run_benchmark(
        "peak_of_over_aligned_blocks",
        [](benchmark::State& state) {
            std::vector<std::unique_ptr<over_aligned>> kept;
            kept.reserve(iterations);
            op_counters counters;
            for (auto _ : state) kept.push_back(std::make_unique<over_aligned>());
            counters.report(state);
            for (const auto& block : kept) EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block.get()) % 64, 0u);
        },
        iterations);
    EXPECT_DOUBLE_EQ(counter(run, "peak_live_bytes"), static_cast<double>(iterations * sizeof(over_aligned)));
}

TEST(AllocCounter, ThreadZeroReportsTheSumOverAllBenchmarkThreads) {
    constexpr int threads = 2;
    constexpr int iterations_per_thread = 500;
    const auto run = run_benchmark(
        "new_int_on_two_threads",
        [](benchmark::State& state) {
            std::vector<std::unique_ptr<int>> kept;
            kept.reserve(iterations_per_thread);
            op_counters counters;
            for (auto _ : state) kept.push_back(std::make_unique<int>(1));
            counters.report(state);
        },
        iterations_per_thread, threads);
    EXPECT_EQ(run.iterations, threads * iterations_per_thread);
    // Had thread 0 counted only itself, this would be 0.5.
    EXPECT_DOUBLE_EQ(counter(run, "allocs_per_op"), 1.0);
    EXPECT_DOUBLE_EQ(counter(run, "bytes_per_op"), 4.0);
    EXPECT_DOUBLE_EQ(counter(run, "peak_live_bytes"),
                     static_cast<double>(threads * iterations_per_thread * sizeof(int)));
}

TEST(AllocCounter, SetupAndTeardownOfLateOrEarlyThreadsAreNotCounted) {
    // Thread 1 sets up (allocates) after thread 0 has opened the window, and tears down
    // (allocates) before thread 0 reports: neither falls inside the window.
    constexpr int threads = 2;
    constexpr int iterations_per_thread = 200;
    constexpr auto delay = std::chrono::milliseconds(20);
    const auto run = run_benchmark(
        "late_setup_early_teardown",
        [delay](benchmark::State& state) {
            const bool thread_zero = state.thread_index() == 0;
            if (!thread_zero) std::this_thread::sleep_for(delay);
            std::vector<std::unique_ptr<int>> setup;
            for (int index = 0; index < 100; ++index) setup.push_back(std::make_unique<int>(index));
            op_counters counters;
            for (auto _ : state) {
                int* value = new int(1);
                benchmark::DoNotOptimize(value);
                delete value;
            }
            if (thread_zero) std::this_thread::sleep_for(delay);
            counters.report(state);
            std::vector<std::unique_ptr<int>> teardown;
            for (int index = 0; index < 100; ++index) teardown.push_back(std::make_unique<int>(index));
        },
        iterations_per_thread, threads);
    EXPECT_DOUBLE_EQ(counter(run, "allocs_per_op"), 1.0);
    EXPECT_DOUBLE_EQ(counter(run, "bytes_per_op"), 4.0);
}

}  // namespace
