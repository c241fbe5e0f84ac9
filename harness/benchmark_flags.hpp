// The values of Google Benchmark's flags, checked before benchmark::Initialize sees them.
// Google Benchmark 1.7.1 answers some bad values by printing its usage and exiting 0
// (--benchmark_format=xml, --benchmark_out_format=xml, --benchmark_time_unit=min) and
// runs with others (--benchmark_repetitions=-3, --benchmark_min_time=-1,
// --benchmark_enable_random_interleaving=maybe). Flags not listed in benchmark_flags.cpp
// are left to Google Benchmark, which rejects a malformed number itself (exit 2).
#pragma once

namespace vtb::harness {

// Throws usage_error (flag_parsing.hpp) naming the first flag whose value is not allowed.
void check_benchmark_flags(int argc, char** argv);

}  // namespace vtb::harness
