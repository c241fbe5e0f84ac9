// scenarios/multi_await.cpp: claim C9, awaiting one operation many times.
// `multi_await/via:V/state:S/awaiters:N`: one operation = one task made by producer V
// (task: a Task<int>; as_task: a pooled-source ValueTask<int> converted with as_task()
// once), completed (S = completed) or completed later by the run loop (S = pending), and
// awaited by N coroutines until all N have the value (multi_await_rounds.hpp). ns/op.
//
// allocs_per_op counts the making of the task (1 for both producers: the Task's state or
// frame, or the adapter Task as_task() creates) and the N awaits (0). It does not include
// the awaiters' frames: they are long-lived coroutines, made before the counted loop, that
// await one task per round. Select with --benchmark_filter=^multi_await/.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "alloc_counter.hpp"
#include "machine_state.hpp"
#include "multi_await_rounds.hpp"
#include "run_options.hpp"
#include "scenario_registry.hpp"

namespace vtb::scenarios {
namespace {

constexpr std::array<std::size_t, 7> awaiter_counts = {1, 2, 4, 8, 16, 32, 64};

template <class Producer>
void multi_await(benchmark::State& state, completion_state completion, std::size_t awaiters) {
    run_loop loop;
    awaiter_group group(awaiters);
    Producer producer;
    group.await_round(producer.make(completion, loop), loop);  // warm-up: the pool's source, cached statics
    const vtb::harness::machine_state_probe machine;
    const vtb::harness::op_counters counters;
    for (auto _ : state) group.await_round(producer.make(completion, loop), loop);
    counters.report(state);
    machine.report(state);
    const std::uint64_t expected = (static_cast<std::uint64_t>(state.iterations()) + 1) * awaiters;
    if (group.values_received() != expected || group.value_sum() != expected * awaited_value)
        state.SkipWithError("wrong results: not every awaiter received the value in every round");
}

template <class Producer>
void register_producer(const vtb::harness::run_options& options) {
    for (completion_state completion : all_completion_states) {
        for (std::size_t awaiters : awaiter_counts) {
            const std::string name = "multi_await/via:" + std::string(Producer::name) +
                                     "/state:" + std::string(to_string(completion)) +
                                     "/awaiters:" + std::to_string(awaiters);
            vtb::harness::register_benchmark(options, name, [completion, awaiters](benchmark::State& state) {
                multi_await<Producer>(state, completion, awaiters);
            });
        }
    }
}

}  // namespace

void register_multi_await(const vtb::harness::run_options& options, const selection&) {
    all_producers::for_each([&]<class Producer>() { register_producer<Producer>(options); });
}

}  // namespace vtb::scenarios
