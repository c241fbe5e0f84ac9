// scenarios/benchmark_probe.hpp: the probe a driver starts and stops around its timed
// loop in a benchmark: the counting allocator's per-operation counters.
#pragma once

#include <benchmark/benchmark.h>

#include <optional>

#include "alloc_counter.hpp"

namespace vtb::scenarios {

class benchmark_probe {
public:
    explicit benchmark_probe(benchmark::State& state) noexcept : state_(state) {}
    void start() { counters_.emplace(); }
    void stop() { counters_->report(state_); }

private:
    benchmark::State& state_;
    std::optional<vtb::harness::op_counters> counters_;
};

}  // namespace vtb::scenarios
