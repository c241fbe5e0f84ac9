// scenarios/factory.cpp: claim C2, what the completed-task factories cost.
// `factory/kind:K` calls one factory (factory_kinds.hpp) per iteration and drops the
// result; allocs_per_op and bytes_per_op come from the counting allocator around the
// loop. Select with --benchmark_filter=^factory/ (vtbench's --impl/--hit/... do not apply).
#include <benchmark/benchmark.h>

#include <string>

#include "alloc_counter.hpp"
#include "factory_kinds.hpp"
#include "machine_state.hpp"
#include "run_options.hpp"
#include "scenario_registry.hpp"

namespace vtb::scenarios {
namespace {

template <class Kind>
void factory(benchmark::State& state) {
    const Kind make;
    const vtb::harness::machine_state_probe machine;
    const vtb::harness::op_counters counters;
    for (auto _ : state) {
        auto made = make();
        benchmark::DoNotOptimize(made);
    }
    counters.report(state);
    machine.report(state);
}

}  // namespace

void register_factory(const vtb::harness::run_options& options, const selection&) {
    factory_kinds::all_kinds::for_each([&]<class Kind>() {
        vtb::harness::register_benchmark(options, "factory/kind:" + std::string(Kind::name), factory<Kind>);
    });
}

}  // namespace vtb::scenarios
