// scenarios/cache_lookup.cpp: the article's scenario. Every implementation answers
// GetMessageAsync(id) for a key sequence with an exact cache hit ratio, for each payload
// and database mode: `cache_lookup/impl:X/payload:P/db:D/hit:H`. The same on two threads
// at once (each with its own cache and loop; allocator and pools shared as in a real
// process): `cache_lookup_mt/.../threads:2`.
#include <array>
#include <string>

#include "benchmark_probe.hpp"
#include "implementations.hpp"
#include "scenario_registry.hpp"

namespace vtb::scenarios {
namespace {

constexpr std::array<int, 13> hit_sweep = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 100};
constexpr std::array<int, 3> concurrent_hit_sweep = {0, 90, 100};
constexpr int concurrent_threads = 2;

template <class Impl, class Payload>
void cache_lookup(benchmark::State& state, const cache_params& params) {
    cache_service<Payload> service(params);
    benchmark_probe probe(state);
    const std::uint64_t checksum = Impl::execution::template run<Impl>(service, state, probe);
    if (checksum != service.expected_checksum(static_cast<std::uint64_t>(state.iterations())))
        state.SkipWithError("wrong results: the values received do not match the cache and database");
}

std::string benchmark_name(std::string_view scenario, std::string_view impl, std::string_view payload,
                           db_mode db, int hit_percent) {
    std::string name(scenario);
    name.append("/impl:").append(impl);
    name.append("/payload:").append(payload);
    name.append("/db:").append(to_string(db));
    name.append("/hit:").append(std::to_string(hit_percent));
    return name;
}

template <class Payload>
void register_payload(const vtb::harness::run_options& options) {
    using traits = payload_traits<Payload>;
    if (!options.selects_payload(traits::name)) return;
    all_implementations::for_each([&]<class Impl>() {
        if (!options.selects_implementation(Impl::name)) return;
        for (db_mode db : {db_mode::async, db_mode::sync}) {
            if (!options.selects_db(to_string(db))) continue;
            for (int hit : options.hit_ratios_or(hit_sweep)) {
                const cache_params params{.hit_percent = hit, .db = db};
                vtb::harness::register_benchmark(
                    options, benchmark_name("cache_lookup", Impl::name, traits::name, db, hit),
                    [params](benchmark::State& state) { cache_lookup<Impl, Payload>(state, params); });
            }
            if constexpr (std::is_same_v<Payload, int>) {
                if (db != db_mode::async) continue;
                for (int hit : options.hit_ratios_or(concurrent_hit_sweep)) {
                    const cache_params params{.hit_percent = hit, .db = db};
                    vtb::harness::register_benchmark(
                        options, benchmark_name("cache_lookup_mt", Impl::name, traits::name, db, hit),
                        [params](benchmark::State& state) { cache_lookup<Impl, Payload>(state, params); })
                        ->Threads(concurrent_threads)
                        ->UseRealTime();
                }
            }
        }
    });
}

}  // namespace

void register_cache_lookup(const vtb::harness::run_options& options) {
    register_payload<int>(options);
    register_payload<std::string>(options);
}

}  // namespace vtb::scenarios
