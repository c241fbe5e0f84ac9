// The main of vtbench, vtbench_counting and vtbench_unchecked: parses the harness's flags,
// lets the scenarios take theirs and register what they select, checks Google Benchmark's
// flag values, checks the allocator the caller expects against the one detected, records
// the build, the allocator and the vocabulary in Google Benchmark's context (keys in
// docs/results-format.md) and runs the benchmarks.
//
// VTB_COMPILER, VTB_COMPILER_VERSION, VTB_CXX_FLAGS, VTB_BUILD_TYPE and
// VTB_GIT_REVISION are string literals defined by harness/CMakeLists.txt at configure time.
#include "alloc_counter.hpp"
#include "allocator_detect.hpp"
#include "benchmark_flags.hpp"
#include "run_options.hpp"

#include <benchmark/benchmark.h>

#include <iostream>
#include <sstream>
#include <string>

namespace {

std::string program_name(const char* argv0) {
    const std::string path = argv0 != nullptr ? argv0 : "vtbench";
    return path.substr(path.find_last_of('/') + 1);
}

// Google Benchmark decides at its own compile time (#ifndef NDEBUG in
// BenchmarkReporter::PrintBasicContext) whether to warn "Library was built as
// DEBUG": ask the library itself to print that context and look for the warning.
bool benchmark_library_is_debug_build() {
    std::ostringstream context_text;
    benchmark::BenchmarkReporter::PrintBasicContext(&context_text, benchmark::BenchmarkReporter::Context());
    return context_text.str().find("Library was built as DEBUG") != std::string::npos;
}

void add_vtbench_context(const vtb::harness::allocator_info& allocator) {
    benchmark::AddCustomContext("vtb_allocator", allocator.name);
    benchmark::AddCustomContext("vtb_allocator_version", allocator.version);
    benchmark::AddCustomContext("vtb_allocator_library", allocator.library);
    benchmark::AddCustomContext("vtb_compiler", VTB_COMPILER);
    benchmark::AddCustomContext("vtb_compiler_version", VTB_COMPILER_VERSION);
    benchmark::AddCustomContext("vtb_cxx_flags", VTB_CXX_FLAGS);
    benchmark::AddCustomContext("vtb_build_type", VTB_BUILD_TYPE);
    benchmark::AddCustomContext("vtb_counting", vtb::harness::counting_enabled() ? "on" : "off");
    benchmark::AddCustomContext("vtb_misuse_checks", vtb::scenarios::misuse_checks_enabled() ? "on" : "off");
    benchmark::AddCustomContext("vtb_git_revision", VTB_GIT_REVISION);
    benchmark::AddCustomContext("vtb_benchmark_library_build",
                                benchmark_library_is_debug_build() ? "debug" : "release");
    benchmark::AddCustomContext("vtb_vocabulary", vtb::scenarios::vocabulary_json(false));
}

}  // namespace

int main(int argc, char** argv) {
    const std::string program = program_name(argv[0]);
    vtb::harness::command_line command_line;
    try {
        command_line = vtb::harness::parse_command_line(argc, argv);
        if (command_line.help) {
            std::cout << vtb::harness::usage(program) << '\n'
                      << vtb::scenarios::selection_usage() << "\nGoogle Benchmark's flags, passed through unchanged:\n";
            benchmark::PrintDefaultHelp();
            return 0;
        }
        if (command_line.list) {
            std::cout << vtb::scenarios::vocabulary_json(true) << '\n';
            return 0;
        }
        vtb::scenarios::register_benchmarks(argc, argv, command_line.options);
        vtb::harness::check_benchmark_flags(argc, argv);
    } catch (const vtb::harness::usage_error& error) {
        std::cerr << program << ": " << error.what() << '\n';
        return 2;
    }

    const vtb::harness::allocator_info allocator = vtb::harness::detect_allocator();
    const std::string& expected_allocator = command_line.options.expected_allocator;
    if (!expected_allocator.empty() && expected_allocator != allocator.name) {
        std::cerr << program << ": --allocator=" << expected_allocator << " but the active allocator is "
                  << allocator.name << " (is LD_PRELOAD set?)\n";
        return 2;
    }

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    add_vtbench_context(allocator);
    const std::size_t benchmarks_run = benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (benchmarks_run == 0) {
        std::cerr << program << ": no benchmark matched the selection and --benchmark_filter\n";
        return 1;
    }
    return 0;
}
