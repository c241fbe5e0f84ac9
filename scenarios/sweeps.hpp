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

namespace sweeps {
namespace points {
inline constexpr std::array<int, 13> full{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 100};
inline constexpr std::array<int, 3> concurrent{0, 90, 100};
inline constexpr std::array<int, 4> comparison{0, 50, 90, 100};
inline constexpr std::array<int, 3> crosscheck{0, 90, 100};
inline constexpr std::array<int, 2> ends{0, 100};
}  // namespace points

inline constexpr hit_sweep full{"full", points::full};                    // cache_lookup's default
inline constexpr hit_sweep concurrent{"concurrent", points::concurrent};  // cache_lookup_mt's default
inline constexpr hit_sweep comparison{"comparison", points::comparison};  // the other allocators, --quick
inline constexpr hit_sweep crosscheck{"crosscheck", points::crosscheck};  // callgrind_check.py's default
inline constexpr hit_sweep ends{"ends", points::ends};                    // heaptrack_check.py and the unchecked pass

// The registry, in the order the vocabulary lists them.
inline constexpr std::array<hit_sweep, 5> all{full, concurrent, comparison, crosscheck, ends};
}  // namespace sweeps

}  // namespace vtb::scenarios
