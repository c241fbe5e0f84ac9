// scenarios/scenario_registry.cpp: what the harness's main asks of the scenarios: their
// flags, the registration of every selected benchmark, and the build's misuse checks.
#include "scenario_registry.hpp"

#include "vtb/errors.hpp"

namespace vtb::scenarios {

bool misuse_checks_enabled() { return vtb::misuse_checks; }

void register_benchmarks(int& argc, char** argv, const vtb::harness::run_options& options) {
    const selection selected = take_selection_flags(argc, argv);
    for (const scenario& each : all_scenarios) each.register_benchmarks(options, selected);
}

}  // namespace vtb::scenarios
