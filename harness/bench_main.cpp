// The main of vtbench, vtbench_counting and vtbench_unchecked: parses vtbench's own flags, checks the
// allocator the caller expects against the one detected, records the build and the
// allocator in Google Benchmark's context (keys in docs/results-format.md), registers
// the selected scenarios and runs them.
//
// VTB_COMPILER, VTB_COMPILER_VERSION, VTB_CXX_FLAGS, VTB_BUILD_TYPE and
// VTB_GIT_REVISION are string literals defined by harness/CMakeLists.txt at configure time.
#include "alloc_counter.hpp"
#include "allocator_detect.hpp"
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
  benchmark::AddCustomContext("vtb_compiler", VTB_COMPILER);
  benchmark::AddCustomContext("vtb_compiler_version", VTB_COMPILER_VERSION);
  benchmark::AddCustomContext("vtb_cxx_flags", VTB_CXX_FLAGS);
  benchmark::AddCustomContext("vtb_build_type", VTB_BUILD_TYPE);
  benchmark::AddCustomContext("vtb_counting", vtb::harness::counting_enabled() ? "on" : "off");
  benchmark::AddCustomContext("vtb_misuse_checks", vtb::scenarios::misuse_checks_enabled() ? "on" : "off");
  benchmark::AddCustomContext("vtb_git_revision", VTB_GIT_REVISION);
  benchmark::AddCustomContext("vtb_benchmark_library_build",
                              benchmark_library_is_debug_build() ? "debug" : "release");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string program = program_name(argv[0]);
  vtb::harness::command_line command_line;
  try {
    command_line = vtb::harness::parse_command_line(argc, argv, vtb::scenarios::implementation_names());
  } catch (const vtb::harness::usage_error& error) {
    std::cerr << program << ": " << error.what() << '\n';
    return 2;
  }
  if (command_line.help) {
    std::cout << vtb::harness::usage(program) << "\nGoogle Benchmark's flags, passed through unchanged:\n";
    benchmark::PrintDefaultHelp();
    return 0;
  }
  if (command_line.list_implementations) {
    for (std::string_view name : vtb::scenarios::implementation_names()) std::cout << name << '\n';
    return 0;
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
  vtb::scenarios::register_benchmarks(command_line.options);
  const std::size_t benchmarks_run = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (benchmarks_run == 0) {
    std::cerr << program << ": no benchmark matched the selection and --benchmark_filter\n";
    return 1;
  }
  return 0;
}
