#include "selection.hpp"

#include <algorithm>
#include <array>

#include "flag_parsing.hpp"
#include "sweeps.hpp"
#include "vocabulary.hpp"

namespace vtb::scenarios {
namespace {

using vtb::harness::contains;
using vtb::harness::flag;
using vtb::harness::usage_error;

std::string sweep_names() {
    std::vector<std::string_view> names;
    for (const hit_sweep& sweep : sweeps::all) names.push_back(sweep.name);
    return vtb::harness::joined(names);
}

std::vector<int> hit_percents_from(const flag& given) {
    const auto sweep = std::find_if(sweeps::all.begin(), sweeps::all.end(),
                                    [&](const hit_sweep& named) { return named.name == given.value; });
    if (sweep != sweeps::all.end()) return {sweep->hit_percents.begin(), sweep->hit_percents.end()};
    std::vector<int> hit_percents;
    for (std::string_view item : vtb::harness::distinct_items(given)) {
        int hit_percent = -1;
        if (!vtb::harness::parse_integer(item, hit_percent) || hit_percent < 0 || hit_percent > 100) {
            throw usage_error(std::string(given.text) + ": '" + std::string(item) +
                              "' is not a hit percent (an integer from 0 to 100) or a sweep (" + sweep_names() + ")");
        }
        hit_percents.push_back(hit_percent);
    }
    return hit_percents;
}

}  // namespace

bool selection::selects_implementation(std::string_view name) const {
    return implementations.empty() || contains(implementations, name);
}

bool selection::selects_payload(std::string_view payload) const {
    return payloads.empty() || contains(payloads, payload);
}

bool selection::selects_db(std::string_view db_mode) const { return db_modes.empty() || contains(db_modes, db_mode); }

std::vector<int> selection::hit_percents_or(std::span<const int> sweep) const {
    if (!hit_percents.empty()) return hit_percents;
    return {sweep.begin(), sweep.end()};
}

selection take_selection_flags(int& argc, char** argv) {
    constexpr std::array<std::string_view, 4> valued{"--impl", "--hit", "--payload", "--db"};
    selection selected;
    vtb::harness::take_flags(argc, argv, {}, valued, [&](const flag& given) {
        if (given.name == "--impl") {
            selected.implementations = vtb::harness::names_from(given, implementation_names(), "implementation");
        } else if (given.name == "--hit") {
            selected.hit_percents = hit_percents_from(given);
        } else if (given.name == "--payload") {
            selected.payloads = vtb::harness::names_from(given, payload_names(), "payload");
        } else {
            selected.db_modes = vtb::harness::names_from(given, db_mode_names(), "db mode");
        }
    });
    return selected;
}

std::string selection_usage() {
    return "cache_lookup and cache_lookup_mt (lists are comma-separated; a flag left out selects everything):\n"
           "  --impl=A,B          implementations to run (vtbench --list names them)\n"
           "  --hit=0,50,100      cache hit percents, integers 0..100, or a sweep by name:\n"
           "                      " +
           sweep_names() +
           "\n"
           "  --payload=int,string  payload types\n"
           "  --db=async,sync     database modes\n"
           "The other scenarios (factory, footprint, copy_cost, multi_await) take none of these:\n"
           "select them with --benchmark_filter (e.g. --benchmark_filter=^footprint/).\n";
}

}  // namespace vtb::scenarios
