// Google Benchmark's flag values that 1.7.1 would answer with its usage and exit 0, or
// run with, are rejected before it sees them; well-formed values and other flags pass.
#include "benchmark_flags.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "command_line_arguments.hpp"

namespace {

std::string error_for(const std::string& argument) {
    return usage_error_for(argument, [](command_line_arguments& arguments) {
        vtb::harness::check_benchmark_flags(arguments.argc, arguments.argv());
    });
}

TEST(BenchmarkFlags, RejectsValuesGoogleBenchmarkWouldTakeForHelp) {
    EXPECT_EQ(error_for("--benchmark_format=xml"), "--benchmark_format=xml: 'xml' is not one of console, json, csv");
    EXPECT_EQ(error_for("--benchmark_out_format=xml"),
              "--benchmark_out_format=xml: 'xml' is not one of console, json, csv");
    EXPECT_EQ(error_for("--benchmark_time_unit=min"), "--benchmark_time_unit=min: 'min' is not one of ns, us, ms, s");
}

TEST(BenchmarkFlags, RejectsValuesGoogleBenchmarkWouldRunWith) {
    EXPECT_NE(error_for("--benchmark_repetitions=-3"), "");
    EXPECT_NE(error_for("--benchmark_repetitions=0"), "");
    EXPECT_NE(error_for("--benchmark_repetitions=3000000000"), "");
    EXPECT_NE(error_for("--benchmark_min_time=-1"), "");
    EXPECT_NE(error_for("--benchmark_min_time=0"), "");
    EXPECT_NE(error_for("--benchmark_min_time=nan"), "");
    EXPECT_NE(error_for("--benchmark_min_warmup_time=-0.5"), "");
    EXPECT_EQ(
        error_for("--benchmark_enable_random_interleaving=maybe"),
        "--benchmark_enable_random_interleaving=maybe: 'maybe' is not one of true, false, yes, no, on, off, 1, 0");
}

TEST(BenchmarkFlags, AcceptsGoodValuesAndLeavesOtherFlagsAlone) {
    for (const char* good : {"--benchmark_format=json", "--benchmark_out_format=csv", "--benchmark_time_unit=us",
                             "--benchmark_repetitions=11", "--benchmark_min_time=0.02", "--benchmark_min_warmup_time=0",
                             "--benchmark_enable_random_interleaving=true", "--benchmark_list_tests",
                             "--benchmark_filter=^x", "--benchmark_out=/tmp/x.json"}) {
        EXPECT_EQ(error_for(good), "") << good;
    }
}

}  // namespace
