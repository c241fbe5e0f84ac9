// tests/unit/pooling_test.cpp: the allocation-free asynchronous paths (vtb/pooling.hpp):
// value_task_source_pool<T> (reuse, the capacity bound, exceptions returning the source to
// the pool, threads renting at once), pooled_value_task<T> (a ValueTask with pooled frames), frame_pool's bounds, and
// the *Cost suites: zero allocations per operation or call in steady state, on both paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "alloc_probe.hpp"
#include "test_support.hpp"
#include "vtb/vtb.hpp"

namespace vtb::test {
namespace {

// Rents a source, has the loop complete it with `value`, and awaits it; `operations` times.
// The first await suspends, so the caller can start counting before the loop runs.
Task<long> pooled_source_operations(run_loop& loop, value_task_source_pool<int>& pool, int operations) {
    long sum = 0;
    for (int i = 0; i < operations; ++i) {
        value_task_source_pool<int>::source* source = pool.rent();
        if (source == nullptr) throw std::logic_error("the pool ran out of sources");
        posted_action completion([source, i] { source->set_result(i); });
        loop.post(completion);
        sum += co_await source->task();
    }
    co_return sum;
}

long sum_below(int count) { return static_cast<long>(count) * (count - 1) / 2; }

TEST(ValueTaskSourcePool, OneOperationAtATimeReusesOneSource) {
    run_loop loop;
    value_task_source_pool<int> pool(4);
    Task<long> operations = pooled_source_operations(loop, pool, 100);
    EXPECT_FALSE(operations.is_completed());
    loop.run();
    EXPECT_EQ(operations.result(), sum_below(100));
    EXPECT_EQ(pool.created(), 1u);
    EXPECT_EQ(pool.available(), 1u);
}

TEST(ValueTaskSourcePool, RentReturnsNullWhenEverySourceIsInUse) {
    value_task_source_pool<int> pool(3);
    EXPECT_EQ(pool.capacity(), 3u);
    std::array<value_task_source_pool<int>::source*, 3> rented{};
    for (auto*& source : rented) {
        source = pool.rent();
        ASSERT_NE(source, nullptr);
    }
    EXPECT_NE(rented[0], rented[1]);
    EXPECT_NE(rented[1], rented[2]);
    EXPECT_EQ(pool.rent(), nullptr);
    EXPECT_EQ(pool.created(), 3u);
    EXPECT_EQ(pool.available(), 0u);

    // Consuming one operation returns its source, which the next rent() hands out again.
    ValueTask<int> first = rented[0]->task();
    rented[0]->set_result(1);
    EXPECT_EQ(first.result(), 1);
    EXPECT_EQ(pool.available(), 1u);
    EXPECT_EQ(pool.rent(), rented[0]);
    EXPECT_EQ(pool.rent(), nullptr);
    EXPECT_EQ(pool.created(), 3u);

    for (auto* source : rented) {
        ValueTask<int> operation = source->task();
        source->set_result(2);
        EXPECT_EQ(operation.result(), 2);
    }
    EXPECT_EQ(pool.available(), 3u);
}

TEST(ValueTaskSourcePool, ExceptionPropagatesAndTheSourceStillReturnsToThePool) {
    value_task_source_pool<int> pool(1);
    value_task_source_pool<int>::source* source = pool.rent();
    ASSERT_NE(source, nullptr);
    ValueTask<int> failing = source->task();
    source->set_exception(make_failure("pooled failure"));
    EXPECT_TRUE(failing.is_faulted());
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { (void)failing.result(); }, "pooled failure"));
    EXPECT_EQ(pool.available(), 1u);
    EXPECT_EQ(pool.rent(), source);

    ValueTask<int> awaited_failure = source->task();
    Task<int> awaiting = await_ref<int>(awaited_failure);
    source->set_exception(make_cancellation());
    EXPECT_TRUE(awaiting.is_canceled());
    EXPECT_TRUE(throws_with<operation_canceled>([&] { (void)awaiting.result(); }, "canceled"));
    EXPECT_EQ(pool.available(), 1u);
}

// More threads than sources, each renting, completing and consuming in a loop: the spin
// lock around the free list must never hand one source to two threads, lose one, or make
// one twice (ThreadSanitizer checks its ordering in the tsan preset).
TEST(ValueTaskSourcePool, ThreadsRentingAtOnceNeverShareASource) {
    using source_type = value_task_source_pool<int>::source;
    constexpr std::size_t capacity = 2;
    constexpr int threads = 4, rounds = 20000;
    value_task_source_pool<int> pool(capacity);
    std::vector<source_type*> sources;
    for (std::size_t i = 0; i < capacity; ++i) sources.push_back(pool.rent());
    for (source_type* source : sources) {
        ValueTask<int> operation = source->task();
        source->set_result(0);
        (void)operation.result();  // gives the source back
    }
    ASSERT_EQ(pool.available(), capacity);

    std::array<std::atomic<bool>, capacity> in_use{};
    std::atomic<int> shared{0}, unknown{0}, wrong{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            for (int round = 0; round < rounds; ++round) {
                source_type* source = nullptr;
                while ((source = pool.rent()) == nullptr) std::this_thread::yield();
                const auto found = std::find(sources.begin(), sources.end(), source);
                if (found == sources.end()) {
                    ++unknown;
                    continue;
                }
                std::atomic<bool>& flag = in_use[static_cast<std::size_t>(found - sources.begin())];
                if (flag.exchange(true)) ++shared;
                ValueTask<int> operation = source->task();
                source->set_result(t * rounds + round);
                flag.store(false);  // before the result is read: that gives the source back
                if (operation.result() != t * rounds + round) ++wrong;
            }
        });
    for (std::thread& worker : workers) worker.join();
    EXPECT_EQ(shared.load(), 0);
    EXPECT_EQ(unknown.load(), 0);
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(pool.available(), capacity);
    EXPECT_EQ(pool.created(), capacity);
}

TEST(ValueTaskSourcePool, ConsumingTheOperationMakesItsTokenStale) {
    value_task_source_pool<int> pool(1);
    value_task_source_pool<int>::source* source = pool.rent();
    ASSERT_NE(source, nullptr);
    ValueTask<int> operation = source->task();
    ValueTask<int> second_handle = source->task();  // a misuse: two ValueTasks of one operation
    source->set_result(3);
    EXPECT_EQ(operation.result(), 3);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)second_handle.result(); }, "stale token"));
}

pooled_value_task<int> pooled_hit(int key) { co_return key; }

pooled_value_task<int> pooled_miss(run_loop& loop, int key) {
    co_await loop.schedule();
    co_return key;
}

pooled_value_task<int> pooled_throw(run_loop& loop, std::exception_ptr error) {
    co_await loop.schedule();
    std::rethrow_exception(error);
    co_return 0;
}

// Awaits `calls` pooled calls; suspends first, so the caller can count from the loop's run.
Task<long> pooled_calls(run_loop& loop, int calls, bool suspending) {
    co_await loop.schedule();
    long sum = 0;
    for (int i = 0; i < calls; ++i) {
        if (suspending)
            sum += co_await pooled_miss(loop, i);
        else
            sum += co_await pooled_hit(i);
    }
    co_return sum;
}

TEST(PooledValueTask, BehavesLikeAValueTask) {
    run_loop loop;
    pooled_value_task<int> hit = pooled_hit(1);
    EXPECT_TRUE(hit.is_completed_successfully());
    EXPECT_EQ(hit.result(), 1);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)hit.result(); }, "consumed twice"));

    pooled_value_task<int> miss = pooled_miss(loop, 2);
    EXPECT_FALSE(miss.is_completed());
    Task<int> converted = miss.as_task();
    loop.run();
    EXPECT_EQ(converted.result(), 2);
}

TEST(PooledValueTask, AwaitedConcurrentlyOrTwiceIsCaught) {
    run_loop loop;
    pooled_value_task<int> miss = pooled_miss(loop, 4);
    Task<int> first = await_ref<int>(miss);
    Task<int> concurrent = await_ref<int>(miss);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)concurrent.result(); }, "awaited concurrently"));
    loop.run();
    EXPECT_EQ(first.result(), 4);
    Task<int> second = await_ref<int>(miss);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)second.result(); }, "consumed twice"));
    Task<int> after_move = await_owned<int>(std::move(miss));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)after_move.result(); }, "consumed twice"));
}

// A pooled_value_task holds an inline value or its own frame; one given another kind of
// ValueTask through a reference to its base is still awaited correctly.
TEST(PooledValueTask, AssignedAnotherKindThroughItsBaseIsStillAwaited) {
    pooled_value_task<int> inline_value = pooled_hit(1);
    static_cast<ValueTask<int>&>(inline_value) = ValueTask<int>(7);
    EXPECT_EQ(await_ref<int>(inline_value).result(), 7);

    manual_source<int> source;
    pooled_value_task<int> source_backed = pooled_hit(2);
    static_cast<ValueTask<int>&>(source_backed) = source.task();
    Task<int> awaiting = await_owned<int>(std::move(source_backed));
    EXPECT_FALSE(awaiting.is_completed());
    source.set_result(9);
    EXPECT_EQ(awaiting.result(), 9);
}

TEST(PooledValueTask, ExceptionsAndCancellationPropagate) {
    run_loop loop;
    pooled_value_task<int> failing = pooled_throw(loop, make_failure("pooled frame failure"));
    pooled_value_task<int> canceled = pooled_throw(loop, make_cancellation());
    Task<int> awaiting_failure = await_ref<int>(failing);
    Task<int> awaiting_cancellation = await_ref<int>(canceled);
    loop.run();
    EXPECT_TRUE(awaiting_failure.is_faulted());
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { (void)awaiting_failure.result(); }, "pooled frame failure"));
    EXPECT_TRUE(awaiting_cancellation.is_canceled());
    EXPECT_TRUE(throws_with<operation_canceled>([&] { (void)awaiting_cancellation.result(); }, "canceled"));
}

// Keeps `count` pooled frames alive at once (all suspended on the loop), then frees them.
// `pending` must have room for them, so that the calls are the only allocations.
void run_simultaneous_pooled_calls(run_loop& loop, std::vector<pooled_value_task<int>>& pending, int count) {
    for (int i = 0; i < count; ++i) pending.push_back(pooled_miss(loop, i));
    loop.run();
    for (pooled_value_task<int>& call : pending) (void)call.result();
    pending.clear();
}

// Out of line, so that the whole buffer they are given must exist.
[[gnu::noinline]] void fill_buffer(char* data, std::size_t size, char value) { std::memset(data, value, size); }
[[gnu::noinline]] int sum_of_ends(const char* data, std::size_t size) { return data[0] + data[size - 1]; }

// A frame bigger than frame_pool::max_pooled_size: the buffer lives across the suspension.
pooled_value_task<int> pooled_big_frame(run_loop& loop, int key) {
    std::array<char, 2 * frame_pool::max_pooled_size> buffer;
    fill_buffer(buffer.data(), buffer.size(), static_cast<char>(key));
    co_await loop.schedule();
    co_return sum_of_ends(buffer.data(), buffer.size());
}

// Starts from an empty frame cache on this thread and restores the default capacity after.
// FramePool checks what the cache keeps; FramePoolCost, what that saves in allocations.
template <class Base>
class frame_pool_test : public Base {
protected:
    void SetUp() override {
        Base::SetUp();
        empty_frame_cache();
        pending.reserve(10);
    }
    void TearDown() override { frame_pool::set_capacity(frame_pool::default_capacity); }
    static void empty_frame_cache() {
        frame_pool::set_capacity(0);
        frame_pool::set_capacity(frame_pool::default_capacity);
    }

    run_loop loop;
    std::vector<pooled_value_task<int>> pending;
};

using FramePool = frame_pool_test<::testing::Test>;
using FramePoolCost = frame_pool_test<counted_allocations>;

TEST_F(FramePool, KeepsAtMostCapacityFramesPerSizeClass) {
    EXPECT_EQ(frame_pool::cached_frames(), 0u);
    frame_pool::set_capacity(4);
    EXPECT_EQ(frame_pool::capacity(), 4u);
    run_simultaneous_pooled_calls(loop, pending, 10);
    EXPECT_EQ(frame_pool::cached_frames(), 4u);
    run_simultaneous_pooled_calls(loop, pending, 2);  // takes 2 cached frames and gives them back
    EXPECT_EQ(frame_pool::cached_frames(), 4u);
}

TEST_F(FramePool, LoweringTheCapacityFreesTheExcess) {
    frame_pool::set_capacity(8);
    run_simultaneous_pooled_calls(loop, pending, 8);
    EXPECT_EQ(frame_pool::cached_frames(), 8u);
    frame_pool::set_capacity(3);
    EXPECT_EQ(frame_pool::cached_frames(), 3u);
    frame_pool::set_capacity(0);
    EXPECT_EQ(frame_pool::cached_frames(), 0u);
    run_simultaneous_pooled_calls(loop, pending, 5);
    EXPECT_EQ(frame_pool::cached_frames(), 0u);  // capacity 0: nothing kept
}

pooled_value_task<int> pooled_throw_now(std::exception_ptr error) {
    std::rethrow_exception(error);
    co_return 0;
}

// Awaitables whose awaits complete without suspending, reached the three ways a co_await
// finds its awaiter: a member operator co_await (Task), a non-member one, the awaiter itself.
struct ready_value {
    int value;
};
auto operator co_await(ready_value ready) noexcept {
    struct awaiter {
        int value;
        bool await_ready() const noexcept { return true; }
        void await_suspend(std::coroutine_handle<>) const noexcept {}
        int await_resume() const noexcept { return value; }
    };
    return awaiter{ready.value};
}
// Not ready, but declines to suspend: await_suspend returns false.
struct declining_awaiter {
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<>) const noexcept { return false; }
    int await_resume() const noexcept { return 4; }
};

pooled_value_task<int> pooled_ready_awaits() {
    const int from_task = co_await Task<int>::from_result(1);
    const int from_operator = co_await ready_value{2};
    co_await std::suspend_never{};
    co_return from_task + from_operator;
}

pooled_value_task<int> pooled_declined_suspension() { co_return co_await declining_awaiter{}; }

// Like .NET's pooling builder, which returns a ValueTask over the result without renting a
// box: a body that completes before it suspends gives its frame back during the call, so
// the instances it returns hold none. (Clang may go further and elide the frame, leaving
// the pool untouched: the counts below hold either way.)
TEST_F(FramePool, AValueBeforeAnySuspensionGivesTheFrameBackDuringTheCall) {
    std::size_t cached_after_calls = 0;
    {
        pooled_value_task<int> hit = pooled_hit(3);
        cached_after_calls = frame_pool::cached_frames();
        EXPECT_LE(cached_after_calls, 1u);
        pooled_value_task<int> second_hit = pooled_hit(4);  // reuses the frame given back
        pooled_value_task<int> ready = pooled_ready_awaits();
        cached_after_calls = frame_pool::cached_frames();
        EXPECT_LE(cached_after_calls, 2u);
        EXPECT_TRUE(hit.is_completed_successfully());
        EXPECT_EQ(ready.result(), 3);
        EXPECT_EQ(second_hit.result(), 4);
        EXPECT_EQ(hit.result(), 3);
        EXPECT_TRUE(throws_invalid_operation([&] { (void)hit.result(); }, "consumed twice"));
    }
    EXPECT_EQ(frame_pool::cached_frames(), cached_after_calls);  // the instances held no frame
}

// After a suspension (even one the awaiter declined), or with an exception, the result
// stays in the frame, which goes back to the pool when the instance that consumed it is
// destroyed.
TEST_F(FramePool, AResultAfterASuspensionOrAnExceptionKeepsTheFrameUntilConsumed) {
    pooled_value_task<int> miss = pooled_miss(loop, 5);
    loop.run();
    EXPECT_TRUE(miss.is_completed_successfully());
    EXPECT_EQ(frame_pool::cached_frames(), 0u);
    EXPECT_EQ(await_owned<int>(std::move(miss)).result(), 5);
    EXPECT_EQ(frame_pool::cached_frames(), 1u);

    empty_frame_cache();  // each body below has a frame of its own size class
    {
        pooled_value_task<int> declined = pooled_declined_suspension();
        EXPECT_EQ(frame_pool::cached_frames(), 0u);
        EXPECT_EQ(declined.result(), 4);
    }
    EXPECT_EQ(frame_pool::cached_frames(), 1u);

    empty_frame_cache();
    {
        pooled_value_task<int> failing = pooled_throw_now(make_failure("synchronous failure"));
        EXPECT_EQ(frame_pool::cached_frames(), 0u);
        EXPECT_TRUE(failing.is_faulted());
        EXPECT_TRUE(throws_with<std::runtime_error>([&] { (void)failing.result(); }, "synchronous failure"));
    }
    EXPECT_EQ(frame_pool::cached_frames(), 1u);
}

TEST_F(FramePool, FramesLargerThanMaxPooledSizeAreNotKept) {
    pooled_value_task<int> call = pooled_big_frame(loop, 1);
    loop.run();
    EXPECT_EQ(call.result(), 2);
    EXPECT_EQ(frame_pool::cached_frames(), 0u);
}

TEST_F(FramePoolCost, CachedFramesAreReusedWithoutAllocating) {
    frame_pool::set_capacity(4);
    run_simultaneous_pooled_calls(loop, pending, 4);
    alloc_probe probe;
    run_simultaneous_pooled_calls(loop, pending, 4);
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 0u);
}

TEST_F(FramePoolCost, BeyondTheCapacityEveryCallAllocates) {
    frame_pool::set_capacity(2);
    run_simultaneous_pooled_calls(loop, pending, 2);
    alloc_probe probe;
    run_simultaneous_pooled_calls(loop, pending, 5);  // 2 frames from the cache, 3 new
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 3u);
}

TEST_F(FramePoolCost, FramesLargerThanMaxPooledSizeAllocateOnEveryCall) {
    alloc_probe probe;
    for (int i = 0; i < 3; ++i) {
        pooled_value_task<int> call = pooled_big_frame(loop, i);
        loop.run();
        (void)call.result();
    }
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 3u);
}

using PooledValueTaskCost = counted_allocations;

TEST_F(PooledValueTaskCost, SynchronousPathAllocatesNothingInSteadyState) {
    constexpr int calls = 1000;
    run_loop loop;
    Task<long> warm_up = pooled_calls(loop, 3, false);
    loop.run();
    ASSERT_EQ(warm_up.result(), sum_below(3));

    Task<long> measured = pooled_calls(loop, calls, false);
    alloc_probe probe;
    loop.run();
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 0u);
    EXPECT_EQ(measured.result(), sum_below(calls));
}

TEST_F(PooledValueTaskCost, SuspendingPathAllocatesNothingInSteadyState) {
    constexpr int calls = 1000;
    run_loop loop;
    Task<long> warm_up = pooled_calls(loop, 3, true);
    loop.run();
    ASSERT_EQ(warm_up.result(), sum_below(3));

    Task<long> measured = pooled_calls(loop, calls, true);
    alloc_probe probe;
    loop.run();
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 0u);
    EXPECT_EQ(measured.result(), sum_below(calls));
}

using ValueTaskSourcePoolCost = counted_allocations;

TEST_F(ValueTaskSourcePoolCost, OperationsAllocateNothingOnceWarm) {
    constexpr int operations = 1000;
    run_loop loop;
    value_task_source_pool<int> pool(4);
    Task<long> warm_up = pooled_source_operations(loop, pool, 10);
    loop.run();
    ASSERT_EQ(warm_up.result(), sum_below(10));

    Task<long> measured = pooled_source_operations(loop, pool, operations);  // its frame: before the probe
    alloc_probe probe;
    loop.run();
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 0u);
    EXPECT_EQ(measured.result(), sum_below(operations));
}

}  // namespace
}  // namespace vtb::test
