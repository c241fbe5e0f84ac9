// scenarios/cache_service.hpp: the world of the article's GetMessageAsync(id): a cache in
// front of a database, and the sequence of keys a benchmark asks for.
//
// - Key space: key_count keys. A seeded shuffle picks exactly hit_percent % of them to be
//   cached for good; the others are never fresh in the cache (a store on a miss writes the
//   entry but it expires at once), so the hit ratio stays exact however long a run is.
// - Key sequence: a seeded permutation of the whole key space, walked cyclically, so every
//   key_count operations contain exactly hit_percent % hits in an order with no stripes.
// - Database: load(key) makes the value (for std::string, a fresh 48-character string,
//   longer than the small-string buffer). In db_mode::async the answer arrives through
//   the run loop (a work item posted to it, standing for I/O completion); in
//   db_mode::sync it is there at once.
// - The cache is a hash map holding an entry for every key (as the article's dictionary),
//   so a lookup costs what a real one does; entries are never inserted or erased while a
//   benchmark runs. The cache and the pending database request allocate nothing per
//   operation: what a benchmark counts is the task machinery and the payload's copies.
#pragma once

#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vtb/run_loop.hpp"

namespace vtb::scenarios {

enum class db_mode { async, sync };

inline constexpr std::string_view to_string(db_mode mode) { return mode == db_mode::async ? "async" : "sync"; }

template <class Payload>
struct payload_traits;

template <>
struct payload_traits<int> {
    static constexpr std::string_view name = "int";
    // Outside -1..8, so Task<int>::from_result never hits its cache.
    static int make(int key) { return 1000 + 7 * key; }
    static std::uint64_t checksum(int value) { return static_cast<std::uint64_t>(value); }
};

template <>
struct payload_traits<std::string> {
    static constexpr std::string_view name = "string";
    static constexpr std::size_t length = 48;
    static std::string make(int key) {
        std::string value(length, 'a');
        std::string digits = std::to_string(key);
        std::copy(digits.begin(), digits.end(), value.begin());
        return value;
    }
    static std::uint64_t checksum(const std::string& value) {
        return value.size() + static_cast<unsigned char>(value[0]) + static_cast<unsigned char>(value[1]);
    }
};

struct cache_params {
    int hit_percent = 100;
    db_mode db = db_mode::async;
    int key_count = 1000;
    std::uint32_t seed = 20261126;
};

template <class Payload>
class cache_service {
public:
    using traits = payload_traits<Payload>;
    using completion_fn = void (*)(void* context, cache_service& service, int key, Payload&& value);

    explicit cache_service(const cache_params& params) : params_(params) {
        if (params.hit_percent < 0 || params.hit_percent > 100)
            throw std::invalid_argument("cache_service: hit_percent must be within 0..100");
        std::mt19937 random(params.seed);
        std::vector<int> keys(params.key_count);
        std::iota(keys.begin(), keys.end(), 0);
        std::shuffle(keys.begin(), keys.end(), random);
        const int cached = params.key_count * params.hit_percent / 100;
        entries_.reserve(params.key_count);
        for (int i = 0; i < params.key_count; ++i) {
            entry& slot = entries_[keys[i]];
            slot.value = traits::make(keys[i]);
            slot.fresh = i < cached;
            slot.expires_at_once = !slot.fresh;
        }
        std::shuffle(keys.begin(), keys.end(), random);
        sequence_ = std::move(keys);
        for (int key : sequence_) cycle_checksum_ += traits::checksum(traits::make(key));
    }
    cache_service(const cache_service&) = delete;
    cache_service& operator=(const cache_service&) = delete;

    run_loop& loop() noexcept { return loop_; }
    db_mode db() const noexcept { return params_.db; }
    const cache_params& params() const noexcept { return params_; }

    // The next key of the benchmark's sequence.
    int next_key() noexcept {
        int key = sequence_[position_];
        if (++position_ == sequence_.size()) position_ = 0;
        return key;
    }

    // The checksum a correct run over the first `operations` keys produces.
    std::uint64_t expected_checksum(std::uint64_t operations) const {
        std::uint64_t sum = (operations / sequence_.size()) * cycle_checksum_;
        for (std::uint64_t i = 0; i < operations % sequence_.size(); ++i)
            sum += traits::checksum(traits::make(sequence_[i]));
        return sum;
    }

    // The cached value, or nullptr on a miss.
    const Payload* find(int key) const {
        const entry& slot = entries_.at(key);
        return slot.fresh ? &slot.value : nullptr;
    }

    void store(int key, const Payload& value) {
        entry& slot = entries_.at(key);
        slot.value = value;
        slot.fresh = !slot.expires_at_once;
    }

    // The database's answer, at once (for synchronous callers).
    Payload load(int key) const { return traits::make(key); }

    // Asks the database; calls complete(context, *this, key, value) through the run loop
    // (async) or before returning (sync). One request at a time: the scenarios await each operation.
    void begin_load(int key, completion_fn complete, void* context) {
        if (params_.db == db_mode::sync) return complete(context, *this, key, load(key));
        if (request_.complete != nullptr)
            throw std::logic_error("cache_service: a database request is already in flight");
        request_.key = key;
        request_.complete = complete;
        request_.context = context;
        request_.execute = [](run_loop::work_item* item) {
            auto& request = static_cast<pending_request&>(*item);
            auto& self = *request.service;
            completion_fn complete = std::exchange(request.complete, nullptr);
            complete(request.context, self, request.key, self.load(request.key));
        };
        loop_.post(request_);
    }

    // co_await service.load_async(key): the database request for coroutine callers.
    auto load_async(int key) {
        struct awaiter {
            cache_service& self;
            int key;
            Payload value{};
            std::coroutine_handle<> awaiting{};
            bool await_ready() {
                if (self.db() == db_mode::async) return false;
                value = self.load(key);
                return true;
            }
            void await_suspend(std::coroutine_handle<> handle) {
                awaiting = handle;
                self.begin_load(key, [](void* context, cache_service&, int, Payload&& loaded) {
                    auto* me = static_cast<awaiter*>(context);
                    me->value = std::move(loaded);
                    me->awaiting.resume();
                }, this);
            }
            Payload await_resume() { return std::move(value); }
        };
        return awaiter{*this, key};
    }

private:
    struct entry {
        Payload value{};
        bool fresh = false;
        bool expires_at_once = false;
    };
    struct pending_request : run_loop::work_item {
        cache_service* service = nullptr;
        int key = 0;
        completion_fn complete = nullptr;
        void* context = nullptr;
    };

    cache_params params_;
    std::unordered_map<int, entry> entries_;
    std::vector<int> sequence_;
    std::size_t position_ = 0;
    std::uint64_t cycle_checksum_ = 0;
    run_loop loop_;
    pending_request request_{{}, this};
};

}  // namespace vtb::scenarios
