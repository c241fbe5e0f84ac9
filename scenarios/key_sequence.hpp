// scenarios/key_sequence.hpp: the cache scenario's keys, defined so that any language
// can generate literally the same ones (scenarios/dotnet/ does, and both test the same
// reference values). std::shuffle and std::uniform_int_distribution are not used: their
// algorithms are the standard library's own.
//
// - splitmix64 (Steele, Lea, Flood 2014) from the seed;
// - bounded(n) = ((next() >> 32) * n) >> 32, a value in [0, n);
// - shuffle: Fisher-Yates from the last element down, j = bounded(i + 1);
// - keys 0..key_count-1 are shuffled once: the first key_count * hit_percent / 100 of
//   them are the cached keys (which must be a whole number: 99.9 % of 1000 keys is 999); shuffled again (the generator
//   goes on), they are the sequence a benchmark walks cyclically.
//
// Allocates two vectors of key_count ints at construction, nothing afterwards.
#pragma once

#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

namespace vtb::scenarios {

class splitmix64 {
public:
    explicit splitmix64(std::uint64_t seed) noexcept : state_(seed) {}

    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    // A value in [0, bound).
    std::uint32_t bounded(std::uint32_t bound) noexcept {
        return static_cast<std::uint32_t>(((next() >> 32) * bound) >> 32);
    }

private:
    std::uint64_t state_;
};

inline void shuffle(std::vector<int>& values, splitmix64& random) noexcept {
    for (std::size_t i = values.size(); i > 1; --i) {
        std::swap(values[i - 1], values[random.bounded(static_cast<std::uint32_t>(i))]);
    }
}

struct key_sequence {
    std::vector<int> cached_keys;  // exactly key_count * hit_percent / 100 of them
    std::vector<int> sequence;     // every key once, in the order a benchmark asks for them

    key_sequence(int key_count, double hit_percent, std::uint64_t seed) {
        if (key_count <= 0) throw std::invalid_argument("key_sequence: key_count must be positive");
        if (!(hit_percent >= 0 && hit_percent <= 100))
            throw std::invalid_argument("key_sequence: hit_percent must be within 0..100");
        const double cached_count = std::round(key_count * hit_percent / 100);
        if (std::abs(cached_count - key_count * hit_percent / 100) > 1e-6)
            throw std::invalid_argument("key_sequence: hit_percent of key_count keys is not a whole number of keys");
        splitmix64 random(seed);
        std::vector<int> keys(static_cast<std::size_t>(key_count));
        std::iota(keys.begin(), keys.end(), 0);
        shuffle(keys, random);
        cached_keys.assign(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(cached_count));
        shuffle(keys, random);
        sequence = std::move(keys);
    }
};

}  // namespace vtb::scenarios
