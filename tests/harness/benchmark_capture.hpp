// Test helper: registers one Google Benchmark benchmark, runs it with a reporter
// that keeps the finished runs (counters already divided by iterations), and
// unregisters it again.
#pragma once

#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace vtb::harness::testing {

class capturing_reporter : public benchmark::BenchmarkReporter {
public:
    bool ReportContext(const Context&) override { return true; }
    void ReportRuns(const std::vector<Run>& runs) override { runs_.insert(runs_.end(), runs.begin(), runs.end()); }
    const std::vector<Run>& runs() const { return runs_; }

private:
    std::vector<Run> runs_;
};

// Runs `body` as a benchmark named `name` for exactly `iterations` iterations on each
// of `threads` threads, and returns the single run Google Benchmark reports.
template <class Body>
benchmark::BenchmarkReporter::Run run_benchmark(const std::string& name, Body&& body,
                                                benchmark::IterationCount iterations, int threads = 1) {
    benchmark::RegisterBenchmark(name.c_str(), std::forward<Body>(body))->Iterations(iterations)->Threads(threads);
    capturing_reporter reporter;
    // Google Benchmark appends /iterations:N and /threads:N to the name.
    benchmark::RunSpecifiedBenchmarks(&reporter, "^" + name + "(/|$)");
    benchmark::ClearRegisteredBenchmarks();
    if (reporter.runs().size() != 1) throw std::runtime_error(name + ": expected one run");
    return reporter.runs().front();
}

}  // namespace vtb::harness::testing
