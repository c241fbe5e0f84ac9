// The machine-state probe reports the calibration loop's time around a benchmark loop.
#include "machine_state.hpp"
#include "benchmark_capture.hpp"

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

namespace {

TEST(MachineState, TheCalibrationTakesAPositiveTime) { EXPECT_GT(vtb::harness::calibration_ns(), 0.0); }

TEST(MachineState, TheProbeReportsCalibrationNsAroundALoop) {
    const auto run = vtb::harness::testing::run_benchmark(
        "calibrated_loop",
        [](benchmark::State& state) {
            const vtb::harness::machine_state_probe machine;
            for (auto _ : state) benchmark::DoNotOptimize(state.iterations());
            machine.report(state);
        },
        100);
    ASSERT_TRUE(run.counters.count("calibration_ns"));
    EXPECT_GT(run.counters.at("calibration_ns").value, 0.0);
}

}  // namespace
