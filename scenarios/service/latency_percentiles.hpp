// scenarios/service/latency_percentiles.hpp: exact latency percentiles by the nearest-rank
// rule, the one the .NET side uses too (docs/service-format.md): the percentile p of n
// values is the value at 1-based rank ceil(p / 100 * n) of the sorted values (rank 1 for
// p = 0), and p = 100 is the largest.
//
// Cost: partial selection in place (std::nth_element per point, each on what is left above
// the previous one): O(n) per point, no allocation.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

namespace vtb::scenarios::service {

// The 1-based nearest rank of percentile p among n values.
inline std::size_t nearest_rank(double p, std::size_t n) {
    if (n == 0) throw std::invalid_argument("nearest_rank: no values");
    if (!(p >= 0 && p <= 100)) throw std::invalid_argument("nearest_rank: p must be within 0..100");
    // The product is computed in long double and nudged down by a relative 1e-12, so that
    // 99.9 % of 1000 is rank 999, not 1000 through 99.9's binary rounding.
    const long double exact = static_cast<long double>(p) / 100 * static_cast<long double>(n);
    const auto rank = static_cast<std::size_t>(std::ceil(exact * (1 - 1e-12L)));
    return std::clamp<std::size_t>(rank, 1, n);
}

// The values at each of `points` (percentiles in ascending order); reorders `values`.
inline std::vector<std::pair<double, std::int64_t>> percentiles(std::span<std::int64_t> values,
                                                                std::span<const double> points) {
    if (!std::is_sorted(points.begin(), points.end()))
        throw std::invalid_argument("percentiles: points must be ascending");
    std::vector<std::pair<double, std::int64_t>> found;
    found.reserve(points.size());
    auto lower = values.begin();
    for (double p : points) {
        const auto nth = values.begin() + static_cast<std::ptrdiff_t>(nearest_rank(p, values.size()) - 1);
        std::nth_element(lower, nth, values.end());
        found.emplace_back(p, *nth);
        lower = nth;
    }
    return found;
}

}  // namespace vtb::scenarios::service
