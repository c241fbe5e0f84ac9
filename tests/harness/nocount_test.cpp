// The harness built without counting (vtbench, the timing pass): operator new is the standard
// library's, totals stay zero and op_counters reports no counters.
#include "alloc_counter.hpp"
#include "benchmark_capture.hpp"

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

namespace {

TEST(Nocount, CountingIsDisabledAndTotalsStayZero) {
    EXPECT_FALSE(vtb::harness::counting_enabled());
    int* value = new int(1);
    benchmark::DoNotOptimize(value);
    delete value;
    const vtb::harness::alloc_totals totals = vtb::harness::alloc_totals_now();
    EXPECT_EQ(totals.allocs, 0u);
    EXPECT_EQ(totals.bytes, 0u);
}

TEST(Nocount, OpCountersReportNoCounters) {
    const auto run = vtb::harness::testing::run_benchmark(
        "nocount_new_int",
        [](benchmark::State& state) {
            vtb::harness::op_counters counters;
            for (auto _ : state) {
                int* value = new int(1);
                benchmark::DoNotOptimize(value);
                delete value;
            }
            counters.report(state);
        },
        100);
    EXPECT_EQ(run.iterations, 100);
    EXPECT_TRUE(run.counters.empty());
}

}  // namespace
