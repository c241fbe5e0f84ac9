// scenarios/benchmark_probe.hpp: the probe a driver starts and stops around its timed
// loop in a benchmark: the counting allocator's per-operation counters and the machine's
// speed state (machine_state.hpp).
#pragma once

#include <benchmark/benchmark.h>

#include <optional>

#include "alloc_counter.hpp"
#include "machine_state.hpp"

namespace vtb::scenarios {

class benchmark_probe {
public:
    explicit benchmark_probe(benchmark::State& state) noexcept : state_(state) {}
    void start() {
        machine_.emplace();
        counters_.emplace();
    }
    void stop() {
        counters_->report(state_);
        machine_->report(state_);
    }

private:
    benchmark::State& state_;
    std::optional<vtb::harness::machine_state_probe> machine_;
    std::optional<vtb::harness::op_counters> counters_;
};

}  // namespace vtb::scenarios
