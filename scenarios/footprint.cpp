// scenarios/footprint.cpp: claim C1, what one operation holds while it is suspended.
// `footprint/form:F` holds 100,000 operations of form F (forms.hpp) suspended at once
// (suspended_operations.hpp), counts with the counting allocator the bytes and
// allocations that made them, then completes and frees them all and checks their results.
//
// Counters, plain (not averaged over iterations): the figures of one iteration, which are
// the same in every iteration; time is not the point here.
//   bytes_per_op, allocs_per_op  requested from operator new per suspended operation
//   ops                          operations held at once
//   total_bytes                  bytes for all of them
//   handle_sizeof                sizeof of what the caller holds per operation
// These scenarios take none of cache_lookup's flags (--impl, --hit, ...): select them with
// --benchmark_filter=^footprint/.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "alloc_counter.hpp"
#include "run_options.hpp"
#include "scenario_registry.hpp"
#include "suspended_operations.hpp"
#include "type_list.hpp"

namespace vtb::scenarios {
namespace {

constexpr std::size_t operations_held = 100'000;

using all_holders = type_list<suspended_tasks, inline_value_tasks, task_wrapping_value_tasks, source_value_tasks,
                              pooled_value_tasks, pending_futures, parked_asio_awaitables, suspended_fibers>;

template <class Holder>
void footprint(benchmark::State& state) {
    measured_allocations held;
    for (auto _ : state) {
        Holder holder(operations_held);
        held = holder.suspend_all();
        if (holder.complete_all() != operations_held * static_cast<std::uint64_t>(held_result)) {
            state.SkipWithError("wrong results: not every held operation completed with its value");
            return;
        }
        if constexpr (requires { holder.stack_usage(); }) {
            if (holder.stack_usage().guard_breaches != 0) {
                state.SkipWithError("a fiber used its whole stack (reached the guard band): the stack is too small");
                return;
            }
        }
    }
    const double ops = static_cast<double>(operations_held);
    state.counters["bytes_per_op"] = static_cast<double>(held.bytes) / ops;
    state.counters["allocs_per_op"] = static_cast<double>(held.allocs) / ops;
    state.counters["ops"] = ops;
    state.counters["total_bytes"] = static_cast<double>(held.bytes);
    state.counters["handle_sizeof"] = static_cast<double>(sizeof(typename Holder::handle));
}

}  // namespace

// Footprint is an allocation figure only: it exists in the counting pass
// (vtbench_counting), not in the timing pass. One iteration holds operations_held
// operations at once and gives the whole figure, so it runs one iteration whatever
// --iterations says.
void register_footprint(const vtb::harness::run_options& options, const selection&) {
    if (!vtb::harness::counting_enabled()) return;
    vtb::harness::run_options once = options;
    once.iterations = 1;
    all_holders::for_each([&]<class Holder>() {
        vtb::harness::register_benchmark(once, "footprint/form:" + std::string(Holder::name), footprint<Holder>)
            ->Unit(benchmark::kMillisecond);
    });
}

}  // namespace vtb::scenarios
