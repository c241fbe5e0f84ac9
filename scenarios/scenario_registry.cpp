// scenarios/scenario_registry.cpp: what the harness's main asks of the scenarios: the
// implementation names (for --impl) and the registration of every selected benchmark.
#include <string_view>
#include <vector>

#include "implementations.hpp"
#include "scenario_registry.hpp"
#include "vtb/errors.hpp"

namespace vtb::scenarios {

std::span<const std::string_view> implementation_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> collected;
        all_implementations::for_each([&]<class Impl>() { collected.push_back(Impl::name); });
        return collected;
    }();
    return names;
}

bool misuse_checks_enabled() { return vtb::misuse_checks; }

void register_benchmarks(const vtb::harness::run_options& options) {
    register_cache_lookup(options);
    register_factory(options);
    register_footprint(options);
    register_copy_cost(options);
    register_multi_await(options);
}

}  // namespace vtb::scenarios
