// The service's latency percentiles: the nearest-rank rule (docs/service-format.md), exact at
// the ranks where a binary rounding of p would move it.
#include "service/latency_percentiles.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <stdexcept>
#include <vector>

namespace vtb::scenarios::service {
namespace {

TEST(LatencyPercentiles, NearestRankIsTheCeilingOfPTimesN) {
    EXPECT_EQ(nearest_rank(50, 4), 2u);
    EXPECT_EQ(nearest_rank(50, 5), 3u);
    EXPECT_EQ(nearest_rank(99.9, 1000), 999u);  // 99.9 / 100 * 1000 rounds to 999.0000000000001
    EXPECT_EQ(nearest_rank(99.9, 1001), 1000u);
    EXPECT_EQ(nearest_rank(0, 10), 1u);
    EXPECT_EQ(nearest_rank(100, 10), 10u);
    EXPECT_THROW(nearest_rank(50, 0), std::invalid_argument);
    EXPECT_THROW(nearest_rank(100.5, 10), std::invalid_argument);
}

TEST(LatencyPercentiles, EachPointIsTheValueAtItsRankOfTheSortedValues) {
    std::vector<std::int64_t> values(1000);
    std::iota(values.rbegin(), values.rend(), 1);  // 1000 down to 1
    const std::vector<double> points{0, 50, 90, 99, 99.9, 100};
    const auto found = percentiles(values, points);
    const std::vector<std::pair<double, std::int64_t>> expected{{0, 1},    {50, 500},   {90, 900},
                                                                {99, 990}, {99.9, 999}, {100, 1000}};
    EXPECT_EQ(found, expected);
}

TEST(LatencyPercentiles, PointsMustBeAscending) {
    std::vector<std::int64_t> values{3, 1, 2};
    const std::vector<double> points{90, 50};
    EXPECT_THROW(percentiles(values, points), std::invalid_argument);
}

}  // namespace
}  // namespace vtb::scenarios::service
