// scenarios/sweeps.hpp: the named cache hit-percent sweeps, the one place they are
// written. vtbench's --hit takes a sweep's name as well as a list of percents, the
// vocabulary publishes them (vtbench --list), and run_all.sh and the scripts select
// them by name.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace vtb::scenarios {

struct hit_sweep {
    std::string_view name;
    std::span<const int> hit_percents;
};

namespace sweep_points {
inline constexpr std::array<int, 13> full{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 100};
inline constexpr std::array<int, 3> concurrent{0, 90, 100};
inline constexpr std::array<int, 4> comparison{0, 50, 90, 100};
inline constexpr std::array<int, 3> crosscheck{0, 90, 100};
inline constexpr std::array<int, 2> ends{0, 100};
}  // namespace sweep_points

inline constexpr std::array<hit_sweep, 5> hit_sweeps{{
    {"full", sweep_points::full},              // cache_lookup's default
    {"concurrent", sweep_points::concurrent},  // cache_lookup_mt's default
    {"comparison", sweep_points::comparison},  // the other allocators and --quick (run_all.sh)
    {"crosscheck", sweep_points::crosscheck},  // callgrind_check.py's default
    {"ends", sweep_points::ends},              // heaptrack_check.py and the unchecked pass
}};

inline constexpr const hit_sweep& default_hit_sweep = hit_sweeps[0];
inline constexpr const hit_sweep& concurrent_hit_sweep = hit_sweeps[1];

}  // namespace vtb::scenarios
