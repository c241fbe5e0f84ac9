// scenarios/scenario_registry.hpp: each scenario's registration function; scenario_registry.cpp
// calls every one of them for vtbench's main. Adding a scenario: declare it here and
// call it there.
#pragma once

#include "run_options.hpp"

namespace vtb::scenarios {

void register_cache_lookup(const vtb::harness::run_options& options);
void register_factory(const vtb::harness::run_options& options);
void register_footprint(const vtb::harness::run_options& options);
void register_copy_cost(const vtb::harness::run_options& options);
void register_multi_await(const vtb::harness::run_options& options);

}  // namespace vtb::scenarios
