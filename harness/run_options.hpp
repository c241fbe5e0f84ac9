// vtbench's own harness flags (run_options: --iterations, --allocator, --help, --list),
// their parser, how a scenario registers a benchmark, and the functions the scenarios
// provide to the harness's main (their own flags are theirs: the harness passes argv on).
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <utility>

#include "flag_parsing.hpp"

namespace vtb::harness {

// How every selected benchmark runs.
struct run_options {
    benchmark::IterationCount iterations = 0;  // --iterations: 0 lets Google Benchmark decide
    std::string expected_allocator;            // --allocator: empty means no check
};

// Registers a benchmark with Google Benchmark and, under --iterations=N, fixes its
// iteration count to N. Scenarios register every benchmark through this and must not
// call Iterations() or MinTime() on the result themselves (Google Benchmark aborts
// when both are set).
template <class Function>
benchmark::internal::Benchmark* register_benchmark(const run_options& options, const std::string& name,
                                                   Function&& function) {
    benchmark::internal::Benchmark* benchmark =
        benchmark::RegisterBenchmark(name.c_str(), std::forward<Function>(function));
    if (options.iterations > 0) benchmark->Iterations(options.iterations);
    return benchmark;
}

struct command_line {
    run_options options;
    bool help = false;
    bool list = false;
};

// Takes the harness's flags out of argv (lowering argc) and leaves every other argument,
// in order, for the scenarios and Google Benchmark. Throws usage_error on a bad value.
command_line parse_command_line(int& argc, char** argv);

// The --help text for the harness's flags.
std::string usage(std::string_view program_name);

}  // namespace vtb::harness

// Provided by the scenarios (scenarios/), called by the harness's main.
namespace vtb::scenarios {

// Takes the scenarios' own flags out of argv (lowering argc; usage_error on a bad value)
// and registers every benchmark they select (through vtb::harness::register_benchmark).
void register_benchmarks(int& argc, char** argv, const vtb::harness::run_options& options);

// The --help text for the scenarios' flags.
std::string selection_usage();

// The vocabulary (docs/results-format.md): implementations in registry order with their
// properties, forms, scenarios, named hit sweeps, payloads, db modes, factory kinds,
// multi_await's vias and states, allocators. JSON, on one line or indented by two.
std::string vocabulary_json(bool indented);

// Whether the scenarios were compiled with ValueTask's misuse tracking (VTB_MISUSE_CHECKS).
bool misuse_checks_enabled();

}  // namespace vtb::scenarios
