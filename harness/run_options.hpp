// vtbench's own command-line flags: the benchmark selection they make (run_options),
// their parser, and the two functions the scenarios provide to the harness.
#pragma once

#include <benchmark/benchmark.h>

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vtb::harness {

// What to run. An empty list selects everything the scenario offers.
struct run_options {
  std::vector<std::string> implementations;  // --impl, names from implementation_names()
  std::vector<int> hit_ratios;               // --hit, cache hit ratios in percent (0..100)
  std::vector<std::string> payloads;         // --payload: int, string
  std::vector<std::string> db_modes;         // --db: async, sync
  benchmark::IterationCount iterations = 0;  // --iterations: 0 lets Google Benchmark decide
  std::string expected_allocator;            // --allocator: empty means no check

  bool selects_implementation(std::string_view name) const;
  bool selects_payload(std::string_view payload) const;
  bool selects_db(std::string_view db_mode) const;
  // The --hit ratios, or the scenario's own sweep when --hit was not given.
  std::vector<int> hit_ratios_or(std::span<const int> sweep) const;
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

// A bad command-line argument; the message names the flag and the bad value.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct command_line {
  run_options options;
  bool help = false;
  bool list_implementations = false;
};

// Takes vtbench's own flags out of argv (lowering argc) and leaves every other
// argument, in order, for Google Benchmark. Throws usage_error on a bad value.
command_line parse_command_line(int& argc, char** argv, std::span<const std::string_view> implementation_names);

// The --help text for vtbench's own flags.
std::string usage(std::string_view program_name);

}  // namespace vtb::harness

// Provided by the scenarios (scenarios/), called by the harness's main.
namespace vtb::scenarios {

// Every implementation a benchmark may be selected by with --impl (e.g. "sync", "task").
std::span<const std::string_view> implementation_names();

// Registers the benchmarks the options select (through vtb::harness::register_benchmark).
void register_benchmarks(const vtb::harness::run_options& options);

// Whether the scenarios were compiled with ValueTask's misuse tracking (VTB_MISUSE_CHECKS).
bool misuse_checks_enabled();

}  // namespace vtb::scenarios
