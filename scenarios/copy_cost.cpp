// scenarios/copy_cost.cpp: claim C7, what passing the bigger handle costs.
// `copy_cost/type:T/depth:D` passes a completed handle by value into a chain of D
// non-inlined functions and returns it by value out of them again, once per iteration
// (ns/op). The handles allocate nothing: a ValueTask<int> holding its value (16 bytes)
// and a Task<int> from from_result of a cached value (8 bytes). Both are move-only in
// this use and, having destructors, are passed in memory by the ABI; what differs is the
// size and each move's work (ValueTask<int>'s move copies two 8-byte words and marks the
// source moved-from with one plain 4-byte store; Task's copies a pointer and nulls the
// source's). Select with --benchmark_filter=^copy_cost/.
#include <benchmark/benchmark.h>

#include <string>
#include <utility>

#include "alloc_counter.hpp"
#include "machine_state.hpp"
#include "run_options.hpp"
#include "scenario_registry.hpp"
#include "vtb/task.hpp"
#include "vtb/value_task.hpp"

namespace vtb::scenarios {
namespace {

// One call of the chain. DoNotOptimize makes the handle's bytes escape, so the compiler
// can neither drop the moves nor see through the chain.
template <class Handle, int Depth>
[[gnu::noinline]] Handle relay(Handle handle) {
    benchmark::DoNotOptimize(handle);
    if constexpr (Depth == 1)
        return handle;
    else
        return relay<Handle, Depth - 1>(std::move(handle));
}

struct value_task_handle {
    static constexpr std::string_view name = "value_task";
    static constexpr int value = 1000;
    static ValueTask<int> make() { return ValueTask<int>(value); }
};

struct task_handle {
    static constexpr std::string_view name = "task";
    static constexpr int value = 3;  // cached by from_result: no allocation
    static Task<int> make() { return Task<int>::from_result(value); }
};

template <class Kind, int Depth>
void copy_cost(benchmark::State& state) {
    auto handle = Kind::make();
    const vtb::harness::machine_state_probe machine;
    const vtb::harness::op_counters counters;
    for (auto _ : state) handle = relay<decltype(handle), Depth>(std::move(handle));
    counters.report(state);
    machine.report(state);
    if (handle.result() != Kind::value) state.SkipWithError("wrong result: the relayed handle lost its value");
}

template <class Kind, int Depth>
void register_one(const vtb::harness::run_options& options) {
    vtb::harness::register_benchmark(options,
                                     "copy_cost/type:" + std::string(Kind::name) + "/depth:" + std::to_string(Depth),
                                     copy_cost<Kind, Depth>);
}

}  // namespace

void register_copy_cost(const vtb::harness::run_options& options, const selection&) {
    register_one<value_task_handle, 1>(options);
    register_one<value_task_handle, 8>(options);
    register_one<task_handle, 1>(options);
    register_one<task_handle, 8>(options);
}

}  // namespace vtb::scenarios
