// tests/scenarios/key_sequence_test.cpp: the cache scenario's keys are the portable
// definition of key_sequence.hpp. The reference values are the ones the C# side's tests
// (scenarios/dotnet/) assert too, so both languages run literally the same keys.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <vector>

#include "cache_service.hpp"

namespace vtb::scenarios {
namespace {

constexpr int key_count = 1000;
constexpr std::uint64_t seed = 20261126;

TEST(KeySequence, MatchesTheReferenceValuesSharedWithDotnet) {
    const key_sequence keys(key_count, 90, seed);
    const std::vector<int> first_cached(keys.cached_keys.begin(), keys.cached_keys.begin() + 10);
    EXPECT_EQ(first_cached, (std::vector<int>{934, 321, 15, 628, 575, 203, 772, 306, 73, 720}));
    const std::vector<int> first_asked(keys.sequence.begin(), keys.sequence.begin() + 10);
    EXPECT_EQ(first_asked, (std::vector<int>{949, 508, 387, 302, 180, 103, 656, 322, 562, 627}));
    const std::set<int> cached(keys.cached_keys.begin(), keys.cached_keys.end());
    std::vector<int> misses_among_first_20;
    std::copy_if(keys.sequence.begin(), keys.sequence.begin() + 20, std::back_inserter(misses_among_first_20),
                 [&](int key) { return !cached.contains(key); });
    EXPECT_EQ(misses_among_first_20, std::vector<int>{302});
}

TEST(KeySequence, EveryCycleHoldsEveryKeyOnceAndTheExactHitRatio) {
    for (int hit_percent : {0, 1, 50, 90, 99, 100}) {
        const key_sequence keys(key_count, hit_percent, seed);
        std::vector<int> sorted = keys.sequence;
        std::sort(sorted.begin(), sorted.end());
        std::vector<int> every_key(key_count);
        std::iota(every_key.begin(), every_key.end(), 0);
        EXPECT_EQ(sorted, every_key) << hit_percent;
        EXPECT_EQ(keys.cached_keys.size(), static_cast<std::size_t>(key_count * hit_percent / 100)) << hit_percent;
    }
}

TEST(KeySequence, AFractionalPercentTakesItsWholeNumberOfKeys) {
    EXPECT_EQ(key_sequence(key_count, 99.9, seed).cached_keys.size(), 999u);
    EXPECT_EQ(key_sequence(key_count, 0.1, seed).cached_keys.size(), 1u);
}

TEST(KeySequence, TheCacheServiceHitsExactlyTheCachedKeys) {
    cache_service<int> service(cache_params{.hit_percent = 90});
    int hits = 0;
    std::uint64_t sum = 0;
    for (int operation = 0; operation < key_count; ++operation) {
        const int key = service.next_key();
        if (const int* value = service.find(key)) {
            ++hits;
            EXPECT_EQ(*value, 1000 + 7 * key);
        }
        sum += static_cast<std::uint64_t>(service.load(key));
    }
    EXPECT_EQ(hits, 900);
    EXPECT_EQ(sum, 4496500u);
    EXPECT_EQ(service.expected_checksum(key_count), 4496500u);
}

TEST(KeySequence, BadParametersAreRejected) {
    EXPECT_THROW(key_sequence(0, 50, seed), std::invalid_argument);
    EXPECT_THROW(key_sequence(key_count, 101, seed), std::invalid_argument);
    EXPECT_THROW(key_sequence(key_count, -1, seed), std::invalid_argument);
    EXPECT_THROW(key_sequence(key_count, 99.95, seed), std::invalid_argument);  // 999.5 keys
}

}  // namespace
}  // namespace vtb::scenarios
