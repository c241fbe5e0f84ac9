// scenarios/scenario_registry.hpp: every scenario, by the name its benchmarks start with,
// and its registration function. Adding a scenario: write its .cpp with a register
// function, declare it here and add it to all_scenarios.
#pragma once

#include <array>
#include <string_view>

#include "run_options.hpp"
#include "selection.hpp"

namespace vtb::scenarios {

using register_function = void (*)(const vtb::harness::run_options& options, const selection& selected);

void register_cache_lookup(const vtb::harness::run_options& options, const selection& selected);
void register_cache_lookup_mt(const vtb::harness::run_options& options, const selection& selected);
void register_factory(const vtb::harness::run_options& options, const selection& selected);
void register_footprint(const vtb::harness::run_options& options, const selection& selected);
void register_copy_cost(const vtb::harness::run_options& options, const selection& selected);
void register_multi_await(const vtb::harness::run_options& options, const selection& selected);

struct scenario {
    std::string_view name;
    register_function register_benchmarks;
};

inline constexpr std::array<scenario, 6> all_scenarios{{
    {"cache_lookup", register_cache_lookup},
    {"cache_lookup_mt", register_cache_lookup_mt},
    {"factory", register_factory},
    {"footprint", register_footprint},
    {"copy_cost", register_copy_cost},
    {"multi_await", register_multi_await},
}};

}  // namespace vtb::scenarios
