// scenarios/selection.hpp: the flags that select cache_lookup and cache_lookup_mt
// benchmarks (--impl, --hit, --payload, --db), their parser and their help. The other
// scenarios take none of them: select those with --benchmark_filter.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vtb::scenarios {

// What to run. An empty list selects everything the scenario offers.
struct selection {
    std::vector<std::string> implementations;  // --impl, names from the registry
    std::vector<int> hit_percents;             // --hit: percents 0..100, or a sweep's (sweeps.hpp)
    std::vector<std::string> payloads;         // --payload: int, string
    std::vector<std::string> db_modes;         // --db: async, sync

    bool selects_implementation(std::string_view name) const;
    bool selects_payload(std::string_view payload) const;
    bool selects_db(std::string_view db_mode) const;
    // The --hit percents, or the scenario's own sweep when --hit was not given.
    std::vector<int> hit_percents_or(std::span<const int> sweep) const;
};

// Takes the selection flags out of argv (lowering argc), leaving every other argument in
// order. Throws vtb::harness::usage_error naming a bad value: an unknown name, a percent
// outside 0..100 that is no sweep's name, an item given twice.
selection take_selection_flags(int& argc, char** argv);

// The --help text of the selection flags.
std::string selection_usage();

}  // namespace vtb::scenarios
