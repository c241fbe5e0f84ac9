// tests/scenarios/cache_lookup_test.cpp: the cache_lookup scenario outside Google
// Benchmark. Every implementation in all_implementations runs through its own driver
// (Impl::execution::run) over one whole key cycle, at hit ratios 0, 50 and 100, int payload,
// asynchronous database, after a warm-up run; the test checks the checksum and the
// exact number of allocations the driver's probe counted around the loop.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "allocation_meter.hpp"
#include "implementations.hpp"

namespace vtb::scenarios {
namespace {

constexpr std::uint64_t operations = 1000;  // the service's key_count: one whole key cycle

// A range of `count` iterations, standing in for benchmark::State.
struct counted_iterations {
    std::uint64_t count;

    struct iterator {
        std::uint64_t index;
        int operator*() const noexcept { return 0; }
        iterator& operator++() noexcept {
            ++index;
            return *this;
        }
        bool operator!=(const iterator& other) const noexcept { return index != other.index; }
    };
    iterator begin() const noexcept { return {0}; }
    iterator end() const noexcept { return {count}; }
};

// Counts allocations between the driver's start() and stop().
class allocation_probe {
public:
    void start() { meter_.emplace(); }
    void stop() { counted_ = meter_->elapsed(); }
    const measured_allocations& counted() const noexcept { return counted_; }

private:
    std::optional<allocation_meter> meter_;
    measured_allocations counted_;
};

#if defined(__clang__) && defined(__has_feature)
constexpr bool compiler_elides_lazy_task_frames = !__has_feature(address_sanitizer);
#else
constexpr bool compiler_elides_lazy_task_frames = false;
#endif

// Allocations over `operations` operations, as each implementation really makes them.
std::uint64_t expected_allocations(std::string_view implementation, int hit_percent) {
    const std::uint64_t misses = operations * static_cast<std::uint64_t>(100 - hit_percent) / 100;
    // Clang 14 elides (HALO) the frame of a lazy_task the lazy driver awaits at once, on
    // both paths (not under AddressSanitizer); it keeps the frames of the eager Task and
    // ValueTask coroutines. GCC 12 never elides a coroutine frame.
    const std::uint64_t lazy_task_frames = compiler_elides_lazy_task_frames ? 0 : operations;
    if (implementation == "sync" || implementation == "value_task_source" || implementation == "pooled_value_task")
        return 0;
    if (implementation == "task" || implementation == "value_task_coroutine") return operations;  // the frame
    if (implementation == "lazy_task") return lazy_task_frames;
    if (implementation == "task_from_result") return operations;  // values >= 1000: never cached
    if (implementation == "value_task") return misses;            // the wrapped Task's frame on a miss
    if (implementation == "std_future") return 2 * operations;    // the shared state and its result
    // asio recycles frames and operations through the caches of the thread running the
    // io_context; the driver warms them with one hit and one miss before the probe starts.
    if (implementation == "asio_awaitable") return 0;
    ADD_FAILURE() << "no expected allocation count for " << implementation;
    return 0;
}

template <class Impl>
void check_implementation(int hit_percent) {
    SCOPED_TRACE(std::string(Impl::name) + " at hit " + std::to_string(hit_percent));
    cache_service<int> service(cache_params{.hit_percent = static_cast<double>(hit_percent), .db = db_mode::async});
    allocation_probe probe;
    counted_iterations iterations{operations};
    const std::uint64_t warm_up = Impl::execution::template run<Impl>(service, iterations, probe);
    ASSERT_EQ(warm_up, service.expected_checksum(operations));
    const std::uint64_t checksum = Impl::execution::template run<Impl>(service, iterations, probe);
    EXPECT_EQ(checksum, service.expected_checksum(operations));
    EXPECT_EQ(probe.counted().allocs, expected_allocations(Impl::name, hit_percent));
}

TEST(CacheLookup, EveryImplementationReturnsTheRightValuesWithExactAllocations) {
    all_implementations::for_each([]<class Impl>() {
        check_implementation<Impl>(0);
        check_implementation<Impl>(50);
        check_implementation<Impl>(100);
    });
}

}  // namespace
}  // namespace vtb::scenarios
