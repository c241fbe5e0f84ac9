// tests/unit/value_task_test.cpp: ValueTask<T> and ValueTask<void> (vtb/value_task.hpp) used
// as intended: size, the three kinds (inline value, Task, source and token), the naive
// coroutine return type, the state queries, as_task() and preserve(); and ValueTaskCost,
// the allocations of each. Misuse is in value_task_misuse_test.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "alloc_probe.hpp"
#include "test_support.hpp"
#include "vtb/vtb.hpp"

namespace vtb::test {
namespace {

TEST(ValueTask, IsNoBiggerThanDotNetsSixteenBytes) { EXPECT_LE(sizeof(ValueTask<int>), 16u); }

TEST(ValueTask, FromAValueIsCompletedWithThatValue) {
    ValueTask<int> number(42);
    ValueTask<std::string> text(std::string(64, 'v'));
    ValueTask<void> nothing;
    EXPECT_TRUE(number.is_completed());
    EXPECT_TRUE(number.is_completed_successfully());
    EXPECT_FALSE(number.is_faulted());
    EXPECT_FALSE(number.is_canceled());
    EXPECT_TRUE(text.is_completed_successfully());
    EXPECT_TRUE(nothing.is_completed_successfully());
    EXPECT_EQ(number.result(), 42);
    EXPECT_EQ(text.result(), std::string(64, 'v'));
    nothing.result();
}

TEST(ValueTask, FromAValueAwaitedInACoroutine) {
    ValueTask<int> number(8);
    Task<int> awaiting = await_ref<int>(number);
    EXPECT_EQ(awaiting.result(), 8);
}

TEST(ValueTask, FromATaskIsPendingThenCompleted) {
    run_loop loop;
    ValueTask<int> wrapped(value_from_loop(loop, 3));
    EXPECT_FALSE(wrapped.is_completed());
    EXPECT_FALSE(wrapped.is_completed_successfully());
    loop.run();
    EXPECT_TRUE(wrapped.is_completed());
    EXPECT_TRUE(wrapped.is_completed_successfully());
    EXPECT_EQ(wrapped.result(), 3);
}

TEST(ValueTask, FromATaskAwaitedWhilePending) {
    run_loop loop;
    ValueTask<int> wrapped(value_from_loop(loop, 11));
    Task<int> awaiting = await_ref<int>(wrapped);
    EXPECT_FALSE(awaiting.is_completed());
    loop.run();
    EXPECT_EQ(awaiting.result(), 11);
}

TEST(ValueTask, FromAnEmptyTaskThrows) {
    EXPECT_TRUE(throws_invalid_operation([] { ValueTask<int> wrapped{Task<int>()}; }, "empty Task"));
}

TEST(ValueTask, FromASourceAndTokenIsPendingUntilTheSourceCompletes) {
    manual_source<int> source;
    ValueTask<int> from_source(source, source.version());
    EXPECT_FALSE(from_source.is_completed());
    source.set_result(17);
    EXPECT_TRUE(from_source.is_completed_successfully());
    EXPECT_EQ(from_source.result(), 17);
}

TEST(ValueTask, FromASourceAwaitedWhilePending) {
    manual_source<std::string> source;
    ValueTask<std::string> from_source = source.task();
    Task<std::string> awaiting = await_ref<std::string>(from_source);
    EXPECT_FALSE(awaiting.is_completed());
    source.set_result("from the source");
    EXPECT_EQ(awaiting.result(), "from the source");
}

TEST(ValueTask, VoidFromATaskAndFromASource) {
    ValueTask<void> from_task(Task<void>::completed_task());
    EXPECT_TRUE(from_task.is_completed_successfully());
    from_task.result();

    manual_source<void> source;
    ValueTask<void> from_source = source.task();
    Task<void> awaiting = await_ref<void>(from_source);
    EXPECT_FALSE(awaiting.is_completed());
    source.set_result();
    EXPECT_TRUE(awaiting.is_completed_successfully());
}

ValueTask<int> naive_cache_hit(int key) { co_return key + 1; }

ValueTask<int> naive_cache_miss(run_loop& loop, int key) {
    co_await loop.schedule();
    co_return key + 2;
}

ValueTask<void> naive_void(run_loop& loop) { co_await loop.schedule(); }

// The allocations of calling naive_cache_hit and awaiting it at once.
Task<std::uint64_t> allocs_of_awaited_naive_hit(int key, int& value) {
    alloc_probe probe;
    value = co_await naive_cache_hit(key);
    co_return probe.allocs();
}

TEST(ValueTaskCoroutine, HitPathIsCompletedAtOnce) {
    ValueTask<int> hit = naive_cache_hit(4);
    EXPECT_TRUE(hit.is_completed_successfully());
    EXPECT_EQ(hit.result(), 5);
}

TEST(ValueTaskCoroutine, MissPathIsPendingUntilTheLoopRuns) {
    run_loop loop;
    ValueTask<int> miss = naive_cache_miss(loop, 4);
    ValueTask<void> void_miss = naive_void(loop);
    EXPECT_FALSE(miss.is_completed());
    EXPECT_FALSE(void_miss.is_completed());
    loop.run();
    EXPECT_EQ(miss.result(), 6);
    EXPECT_TRUE(void_miss.is_completed_successfully());
}

TEST(ValueTaskAsTask, ReturnsTheWrappedTaskItself) {
    run_loop loop;
    Task<int> original = value_from_loop(loop, 9);
    ValueTask<int> wrapped(original);
    Task<int> converted = wrapped.as_task();
    EXPECT_TRUE(converted == original);
    loop.run();
    EXPECT_EQ(converted.result(), 9);
}

TEST(ValueTaskAsTask, InlineValueGivesACompletedTask) {
    ValueTask<int> cached_value(5);
    ValueTask<int> uncached_value(500);
    ValueTask<void> void_value;
    Task<int> cached = cached_value.as_task();
    Task<int> uncached = uncached_value.as_task();
    EXPECT_TRUE(cached == Task<int>::from_result(5));  // from_result's cached instance
    EXPECT_TRUE(cached.is_completed_successfully());
    EXPECT_TRUE(uncached.is_completed_successfully());
    EXPECT_EQ(cached.result(), 5);
    EXPECT_EQ(uncached.result(), 500);
    EXPECT_TRUE(void_value.as_task() == Task<void>::completed_task());
}

TEST(ValueTaskAsTask, SourceGivesAnAdapterTaskThatCompletesWithTheSource) {
    manual_source<int> source;
    ValueTask<int> from_source = source.task();
    Task<int> adapter = from_source.as_task();
    EXPECT_FALSE(adapter.is_completed());
    Task<int> first_awaiter = await_ref<int>(adapter);
    Task<int> second_awaiter = await_ref<int>(adapter);
    source.set_result(23);
    EXPECT_TRUE(adapter.is_completed_successfully());
    EXPECT_EQ(adapter.result(), 23);
    EXPECT_EQ(first_awaiter.result(), 23);
    EXPECT_EQ(second_awaiter.result(), 23);
}

TEST(ValueTaskAsTask, SourceAlreadyCompletedGivesACompletedTask) {
    manual_source<int> source;
    ValueTask<int> from_source = source.task();
    source.set_result(29);
    Task<int> adapter = from_source.as_task();
    EXPECT_TRUE(adapter.is_completed_successfully());
    EXPECT_EQ(adapter.result(), 29);
}

TEST(ValueTaskPreserve, InlineValueMovesIntoTheNewInstance) {
    ValueTask<std::string> original(std::string(40, 'p'));
    ValueTask<std::string> preserved = original.preserve();
    EXPECT_TRUE(preserved.is_completed_successfully());
    EXPECT_EQ(preserved.result(), std::string(40, 'p'));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)original.result(); }, "used after as_task()/preserve()"));
}

TEST(ValueTaskPreserve, TaskBackedKeepsTheSameTask) {
    run_loop loop;
    Task<int> original_task = value_from_loop(loop, 12);
    ValueTask<int> original(original_task);
    ValueTask<int> preserved = original.preserve();
    loop.run();
    EXPECT_TRUE(preserved.as_task() == original_task);
}

TEST(ValueTaskPreserve, SourceBackedNoLongerDependsOnTheSource) {
    manual_source<int> source;
    ValueTask<int> original = source.task();
    ValueTask<int> preserved = original.preserve();
    EXPECT_FALSE(preserved.is_completed());
    source.set_result(37);
    // The source moves on to a new operation; the preserved instance keeps the old result.
    source.reset();
    source.set_result(99);
    EXPECT_TRUE(preserved.is_completed_successfully());
    EXPECT_EQ(preserved.result(), 37);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)original.is_completed(); }, "used after as_task()/preserve()"));
}

using ValueTaskCost = counted_allocations;

TEST_F(ValueTaskCost, FromAValueAllocatesNothing) {
    std::string text(64, 'v');
    alloc_probe probe;
    ValueTask<int> number(42);
    ValueTask<std::string> string_task(std::move(text));
    ValueTask<void> nothing;
    const int number_result = number.result();
    const std::string string_result = string_task.result();
    nothing.result();
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 0u);
    EXPECT_EQ(number_result, 42);
    EXPECT_EQ(string_result, std::string(64, 'v'));
}

TEST_F(ValueTaskCost, CoroutineHitPathStillAllocatesTheFrame) {
    // Escaping into a container: no compiler can elide the frame.
    std::vector<ValueTask<int>> kept;
    kept.reserve(1);
    alloc_probe probe;
    kept.push_back(naive_cache_hit(1));
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 1u);
    EXPECT_EQ(kept.front().result(), 2);
}

TEST_F(ValueTaskCost, CoroutineHitPathAwaitedAtOnceAllocatesTheFrameUnlessClangElidesIt) {
    int value = 0;
    Task<std::uint64_t> allocs = allocs_of_awaited_naive_hit(1, value);
    EXPECT_EQ(value, 2);
#if defined(__clang__)
    EXPECT_LE(allocs.result(), 1u);  // HALO may elide the frame
#else
    EXPECT_EQ(allocs.result(), 1u);  // GCC 12 never elides a coroutine frame
#endif
}

TEST_F(ValueTaskCost, AsTaskOfATaskAllocatesNothing) {
    ValueTask<int> wrapped(Task<int>::from_result(100));
    alloc_probe probe;
    Task<int> converted = wrapped.as_task();
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 0u);
}

TEST_F(ValueTaskCost, AsTaskOfAnInlineValueCostsWhatFromResultCosts) {
    ValueTask<int> cached_value(5);
    ValueTask<int> uncached_value(500);
    alloc_probe cached_probe;
    Task<int> cached = cached_value.as_task();
    const std::uint64_t cached_allocs = cached_probe.allocs();
    alloc_probe uncached_probe;
    Task<int> uncached = uncached_value.as_task();
    const std::uint64_t uncached_allocs = uncached_probe.allocs();
    EXPECT_EQ(cached_allocs, 0u);
    EXPECT_EQ(uncached_allocs, 1u);
}

TEST_F(ValueTaskCost, AsTaskOfASourceAllocatesOneAdapter) {
    manual_source<int> source;
    ValueTask<int> from_source = source.task();
    alloc_probe probe;
    Task<int> adapter = from_source.as_task();
    const std::uint64_t allocs = probe.allocs();
    EXPECT_EQ(allocs, 1u);
    source.set_result(1);
    EXPECT_EQ(adapter.result(), 1);
}

}  // namespace
}  // namespace vtb::test
