// scenarios/cache_service.hpp: the world of the article's GetMessageAsync(id): a cache in
// front of a database, and the sequence of keys a benchmark asks for.
//
// - Key space: key_count keys (key_sequence.hpp, the same in every language). A seeded
//   shuffle picks exactly hit_percent % of them to be cached for good; the others are
//   never fresh in the cache (a store on a miss writes the entry but it expires at once),
//   so the hit ratio stays exact however long a run is.
// - Key sequence: a seeded permutation of the whole key space, walked cyclically, so every
//   key_count operations contain exactly hit_percent % hits in an order with no stripes.
// - Database: a policy, Database<cache_service, Payload>, constructed with the service
//   (and whatever else the service's constructor is given), with
//     begin_load(key, complete, context): the request, whose answer calls
//       complete(context, service, key, value) from the service's loop;
//     load(key): the answer at once, for synchronous callers.
//   simulated_database (below, the microbenchmarks') makes the value (for std::string, a
//   fresh 48-character string, longer than the small-string buffer) and in db_mode::async
//   delivers it through the run loop (a work item posted to it, standing for I/O
//   completion), one request at a time. The service scenario's pg_database
//   (service/pg_database.hpp) asks a real PostgreSQL server. In db_mode::sync the service
//   calls load() and completes before begin_load returns.
// - The cache is a hash table holding an entry for every key (as the article's
//   dictionary), so a lookup costs what a real one does: open addressing with linear
//   probing over one contiguous array, so that its layout is the same under every
//   allocator (an allocator comparison then compares allocation, not where a node-based
//   map's nodes happened to land). Entries are never inserted or erased while a benchmark
//   runs. The cache and simulated_database's pending request allocate nothing per
//   operation: what a benchmark counts is the task machinery and the payload's copies. (A
//   string payload's cached buffers are the allocator's, made in key order at construction.)
// - One thread: a service, its loop and its database are used from one thread only.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <coroutine>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "key_sequence.hpp"
#include "type_list.hpp"
#include "vtb/run_loop.hpp"

namespace vtb::scenarios {

enum class db_mode { async, sync };
inline constexpr std::array<db_mode, 2> all_db_modes{db_mode::async, db_mode::sync};

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

// The payloads a cache_lookup benchmark can carry, each with its payload_traits.
using all_payloads = type_list<int, std::string>;

struct cache_params {
    double hit_percent = 100;  // a whole number of key_count's keys (key_sequence.hpp)
    db_mode db = db_mode::async;
    int key_count = 1000;
    std::uint32_t seed = 20261126;
};

// The microbenchmarks' database: the value computed, delivered through the service's run
// loop; one request in flight at a time (the scenarios await each operation).
template <class Service, class Payload>
class simulated_database {
public:
    using completion_fn = void (*)(void* context, Service& service, int key, Payload&& value);

    explicit simulated_database(Service& service) : request_{{}, &service} {}

    static Payload load(int key) { return payload_traits<Payload>::make(key); }

    void begin_load(int key, completion_fn complete, void* context) {
        if (request_.complete != nullptr)
            throw std::logic_error("cache_service: a database request is already in flight");
        request_.key = key;
        request_.complete = complete;
        request_.context = context;
        request_.execute = [](run_loop::work_item* item) {
            auto& request = static_cast<pending_request&>(*item);
            completion_fn complete = std::exchange(request.complete, nullptr);
            complete(request.context, *request.service, request.key, load(request.key));
        };
        request_.service->loop().post(request_);
    }

private:
    struct pending_request : run_loop::work_item {
        Service* service = nullptr;
        int key = 0;
        completion_fn complete = nullptr;
        void* context = nullptr;
    };
    pending_request request_;
};

template <class Payload, template <class Service, class> class Database = simulated_database>
class cache_service {
public:
    using payload_type = Payload;
    using traits = payload_traits<Payload>;
    using database_type = Database<cache_service, Payload>;
    using completion_fn = void (*)(void* context, cache_service& service, int key, Payload&& value);

    // database_arguments follow the service itself into Database's constructor.
    template <class... DatabaseArguments>
    explicit cache_service(const cache_params& params, DatabaseArguments&&... database_arguments)
        : params_(params),
          slots_(std::bit_ceil(2 * static_cast<std::size_t>(std::max(params.key_count, 1)))),
          hash_shift_(64 - std::countr_zero(slots_.size())),
          database_(*this, std::forward<DatabaseArguments>(database_arguments)...) {
        key_sequence keys(params.key_count, params.hit_percent, params.seed);
        for (int key = 0; key < params.key_count; ++key) {
            entry& slot = insert_slot(key);
            slot.value = traits::make(key);
            slot.expires_at_once = true;
        }
        for (int key : keys.cached_keys) {
            entry& slot = slot_of(key);
            slot.fresh = true;
            slot.expires_at_once = false;
        }
        sequence_ = std::move(keys.sequence);
        for (int key : sequence_) cycle_checksum_ += traits::checksum(traits::make(key));
    }
    cache_service(const cache_service&) = delete;
    cache_service& operator=(const cache_service&) = delete;

    run_loop& loop() noexcept { return loop_; }
    database_type& database() noexcept { return database_; }
    const database_type& database() const noexcept { return database_; }
    db_mode db() const noexcept { return params_.db; }
    const cache_params& params() const noexcept { return params_; }

    // The next key of the benchmark's sequence.
    int next_key() noexcept {
        int key = sequence_[position_];
        if (++position_ == sequence_.size()) position_ = 0;
        return key;
    }

    // One cached key and one uncached key (where the hit ratio has them), for a driver
    // that must warm up per-run caches on both paths before its measured loop. Asking
    // for them does not move the sequence.
    template <class Function>
    void for_each_warm_up_key(Function function) const {
        const auto first_with = [&](bool cached) {
            return std::find_if(sequence_.begin(), sequence_.end(),
                                [&](int key) { return (find(key) != nullptr) == cached; });
        };
        for (bool cached : {true, false}) {
            if (auto key = first_with(cached); key != sequence_.end()) function(*key);
        }
    }

    // The checksum a correct run over the first `operations` keys produces.
    std::uint64_t expected_checksum(std::uint64_t operations) const {
        std::uint64_t sum = (operations / sequence_.size()) * cycle_checksum_;
        for (std::uint64_t i = 0; i < operations % sequence_.size(); ++i)
            sum += traits::checksum(traits::make(sequence_[i]));
        return sum;
    }

    // The cached value, or nullptr on a miss. Always inlined, as the lookup is into the
    // plain function `sync`: every implementation's hit path then pays the same lookup,
    // whatever the compiler's inlining budget left in a large coroutine body.
    [[gnu::always_inline]] const Payload* find(int key) const {
        const entry& slot = slot_of(key);
        return slot.fresh ? &slot.value : nullptr;
    }

    void store(int key, const Payload& value) {
        entry& slot = slot_of(key);
        slot.value = value;
        slot.fresh = !slot.expires_at_once;
    }

    // The database's answer, at once (for synchronous callers).
    Payload load(int key) { return database_.load(key); }

    // Asks the database; calls complete(context, *this, key, value) through the run loop
    // (async) or before returning (sync).
    void begin_load(int key, completion_fn complete, void* context) {
        if (params_.db == db_mode::sync) return complete(context, *this, key, load(key));
        database_.begin_load(key, complete, context);
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
                self.begin_load(
                    key,
                    [](void* context, cache_service&, int, Payload&& loaded) {
                        auto* me = static_cast<awaiter*>(context);
                        me->value = std::move(loaded);
                        me->awaiting.resume();
                    },
                    this);
            }
            Payload await_resume() { return std::move(value); }
        };
        return awaiter{*this, key};
    }

private:
    struct entry {
        int key = -1;  // -1: an empty slot
        bool fresh = false;
        bool expires_at_once = false;
        Payload value{};
    };

    // Fibonacci hashing into the power-of-two table, then linear probing. The shift is a
    // member, so a lookup inside a coroutine body (where the compiler cannot keep it in a
    // register across the suspension points) reloads it instead of recomputing it.
    std::size_t home_of(int key) const noexcept {
        const auto hash = static_cast<std::uint64_t>(static_cast<std::uint32_t>(key)) * 0x9E3779B97F4A7C15ULL;
        return static_cast<std::size_t>(hash >> hash_shift_);
    }

    entry& insert_slot(int key) {
        for (std::size_t index = home_of(key);; index = (index + 1) & (slots_.size() - 1)) {
            if (slots_[index].key == key) throw std::logic_error("cache_service: a key is inserted twice");
            if (slots_[index].key < 0) {
                slots_[index].key = key;
                return slots_[index];
            }
        }
    }

    // The key's entry; every key 0..key_count-1 has one.
    entry& slot_of(int key) noexcept { return const_cast<entry&>(std::as_const(*this).slot_of(key)); }
    [[gnu::always_inline]] const entry& slot_of(int key) const noexcept {
        std::size_t index = home_of(key);
        while (slots_[index].key != key) index = (index + 1) & (slots_.size() - 1);
        return slots_[index];
    }
    cache_params params_;
    std::vector<int> sequence_;
    std::vector<entry> slots_;
    int hash_shift_;  // 64 - log2(slots_.size()): home_of's shift
    std::size_t position_ = 0;
    std::uint64_t cycle_checksum_ = 0;
    run_loop loop_;
    database_type database_;
};

// The payload of a cache_service (of any database).
template <class Service>
using payload_of = typename Service::payload_type;

}  // namespace vtb::scenarios
