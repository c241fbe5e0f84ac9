// scenarios/cache_lookup.cpp: the article's scenario. Every implementation answers
// GetMessageAsync(id) for a key sequence with an exact cache hit percent, for each payload
// and database mode: `cache_lookup/impl:X/payload:P/db:D/hit:H`. The same on two threads
// at once (each with its own cache and loop; allocator and pools shared as in a real
// process): `cache_lookup_mt/.../threads:2`, int payload, async db. Both are selected by
// selection.hpp's flags; their default sweeps are in sweeps.hpp.
#include <string>

#include "benchmark_probe.hpp"
#include "implementations.hpp"
#include "scenario_registry.hpp"
#include "sweeps.hpp"

namespace vtb::scenarios {
namespace {

constexpr int concurrent_threads = 2;

template <class Impl, class Payload>
void cache_lookup(benchmark::State& state, const cache_params& params) {
    cache_service<Payload> service(params);
    benchmark_probe probe(state);
    const std::uint64_t checksum = Impl::execution::template run<Impl>(service, state, probe);
    if (checksum != service.expected_checksum(static_cast<std::uint64_t>(state.iterations())))
        state.SkipWithError("wrong results: the values received do not match the cache and database");
}

std::string benchmark_name(std::string_view scenario, std::string_view impl, std::string_view payload, db_mode db,
                           int hit_percent) {
    std::string name(scenario);
    name.append("/impl:").append(impl);
    name.append("/payload:").append(payload);
    name.append("/db:").append(to_string(db));
    name.append("/hit:").append(std::to_string(hit_percent));
    return name;
}

// Calls register_one.template operator()<Impl, Payload>(db) for every selected
// implementation, payload and db mode.
template <class F>
void for_each_selected(const selection& selected, F&& register_one) {
    all_payloads::for_each([&]<class Payload>() {
        if (!selected.selects_payload(payload_traits<Payload>::name)) return;
        all_implementations::for_each([&]<class Impl>() {
            if (!selected.selects_implementation(Impl::name)) return;
            for (db_mode db : all_db_modes) {
                if (selected.selects_db(to_string(db))) register_one.template operator()<Impl, Payload>(db);
            }
        });
    });
}

}  // namespace

void register_cache_lookup(const vtb::harness::run_options& options, const selection& selected) {
    for_each_selected(selected, [&]<class Impl, class Payload>(db_mode db) {
        for (int hit : selected.hit_percents_or(sweeps::full.hit_percents)) {
            const cache_params params{.hit_percent = static_cast<double>(hit), .db = db};
            vtb::harness::register_benchmark(
                options, benchmark_name("cache_lookup", Impl::name, payload_traits<Payload>::name, db, hit),
                [params](benchmark::State& state) { cache_lookup<Impl, Payload>(state, params); });
        }
    });
}

void register_cache_lookup_mt(const vtb::harness::run_options& options, const selection& selected) {
    for_each_selected(selected, [&]<class Impl, class Payload>(db_mode db) {
        if (!std::is_same_v<Payload, int> || db != db_mode::async) return;
        for (int hit : selected.hit_percents_or(sweeps::concurrent.hit_percents)) {
            const cache_params params{.hit_percent = static_cast<double>(hit), .db = db};
            vtb::harness::register_benchmark(
                options, benchmark_name("cache_lookup_mt", Impl::name, payload_traits<Payload>::name, db, hit),
                [params](benchmark::State& state) { cache_lookup<Impl, Payload>(state, params); })
                ->Threads(concurrent_threads)
                ->UseRealTime();
        }
    });
}

}  // namespace vtb::scenarios
