// tests/unit/value_task_misuse_test.cpp: every misuse of a ValueTask<T> that vtb detects
// (vtb/value_task.hpp), with its exception type and the text naming the broken rule:
// awaited twice, used after as_task(), used after a move, result() before completion, a
// second concurrent awaiter, a stale token.
#include <gtest/gtest.h>

#include <utility>

#include "test_support.hpp"
#include "vtb/vtb.hpp"

namespace vtb::test {
namespace {

constexpr const char* consumed_twice = "consumed twice";
constexpr const char* used_after_conversion = "used after as_task()/preserve()";
constexpr const char* used_after_move = "used after a move";
constexpr const char* before_completion = "called before completion";
constexpr const char* awaited_concurrently = "awaited concurrently";
constexpr const char* stale_token = "stale token";

TEST(ValueTaskMisuse, AwaitedTwiceInlineValue) {
    ValueTask<int> value(1);
    Task<int> first = await_ref<int>(value);
    Task<int> second = await_ref<int>(value);
    EXPECT_EQ(first.result(), 1);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)second.result(); }, consumed_twice));
}

TEST(ValueTaskMisuse, AwaitedTwiceTaskBacked) {
    run_loop loop;
    ValueTask<int> wrapped(value_from_loop(loop, 2));
    Task<int> first = await_ref<int>(wrapped);
    loop.run();
    EXPECT_EQ(first.result(), 2);
    Task<int> second = await_ref<int>(wrapped);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)second.result(); }, consumed_twice));
}

TEST(ValueTaskMisuse, AwaitedTwiceSourceBacked) {
    manual_source<int> source;
    ValueTask<int> from_source = source.task();
    Task<int> first = await_ref<int>(from_source);
    source.set_result(3);
    EXPECT_EQ(first.result(), 3);
    Task<int> second = await_ref<int>(from_source);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)second.result(); }, consumed_twice));
}

TEST(ValueTaskMisuse, ResultReadTwiceOrAfterAnAwait) {
    ValueTask<int> read_twice(4);
    EXPECT_EQ(read_twice.result(), 4);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)read_twice.result(); }, consumed_twice));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)read_twice.is_completed(); }, consumed_twice));

    ValueTask<int> awaited(5);
    EXPECT_EQ(await_ref<int>(awaited).result(), 5);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)awaited.result(); }, consumed_twice));
}

TEST(ValueTaskMisuse, UsedAfterAsTask) {
    manual_source<int> source;
    ValueTask<int> from_source = source.task();
    Task<int> adapter = from_source.as_task();
    Task<int> awaiting = await_ref<int>(from_source);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)awaiting.result(); }, used_after_conversion));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)from_source.result(); }, used_after_conversion));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)from_source.as_task(); }, used_after_conversion));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)from_source.is_completed(); }, used_after_conversion));
    source.set_result(6);
    EXPECT_EQ(adapter.result(), 6);

    ValueTask<int> value(7);
    Task<int> converted = value.as_task();
    EXPECT_TRUE(throws_invalid_operation([&] { (void)value.preserve(); }, used_after_conversion));
    EXPECT_EQ(converted.result(), 7);
}

TEST(ValueTaskMisuse, UsedAfterAMove) {
    ValueTask<int> moved_from(8);
    ValueTask<int> moved_to = std::move(moved_from);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)moved_from.result(); }, used_after_move));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)moved_from.is_completed(); }, used_after_move));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)moved_from.as_task(); }, used_after_move));
    Task<int> awaiting = await_ref<int>(moved_from);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)awaiting.result(); }, used_after_move));
    EXPECT_EQ(moved_to.result(), 8);

    manual_source<int> source;
    ValueTask<int> source_moved_from = source.task();
    ValueTask<int> source_moved_to(std::move(source_moved_from));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)source_moved_from.preserve(); }, used_after_move));
    source.set_result(9);
    EXPECT_EQ(source_moved_to.result(), 9);
}

TEST(ValueTaskMisuse, MovingAConsumedInstanceKeepsItConsumed) {
    ValueTask<int> consumed(10);
    EXPECT_EQ(consumed.result(), 10);
    ValueTask<int> moved_to = std::move(consumed);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)moved_to.result(); }, consumed_twice));
}

TEST(ValueTaskMisuse, ResultBeforeCompletionThrowsAndLeavesTheInstanceUsable) {
    run_loop loop;
    ValueTask<int> task_backed(value_from_loop(loop, 11));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)task_backed.result(); }, before_completion));
    loop.run();
    EXPECT_EQ(task_backed.result(), 11);

    manual_source<int> source;
    ValueTask<int> source_backed = source.task();
    EXPECT_TRUE(throws_invalid_operation([&] { (void)source_backed.result(); }, before_completion));
    source.set_result(12);
    EXPECT_EQ(source_backed.result(), 12);
}

TEST(ValueTaskMisuse, SecondConcurrentAwaiterOfATaskBackedInstanceThrows) {
    run_loop loop;
    ValueTask<int> shared(value_from_loop(loop, 13));
    Task<int> first = await_ref<int>(shared);
    Task<int> second = await_ref<int>(shared);
    EXPECT_FALSE(first.is_completed());
    EXPECT_TRUE(second.is_faulted());
    EXPECT_TRUE(throws_invalid_operation([&] { (void)second.result(); }, awaited_concurrently));
    loop.run();
    EXPECT_EQ(first.result(), 13);  // the first awaiter is unharmed
}

TEST(ValueTaskMisuse, SecondConcurrentAwaiterOfASourceBackedInstanceThrows) {
    manual_source<int> source;
    ValueTask<int> shared = source.task();
    Task<int> first = await_ref<int>(shared);
    Task<int> second = await_ref<int>(shared);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)second.result(); }, awaited_concurrently));
    source.set_result(14);
    EXPECT_EQ(first.result(), 14);
}

TEST(ValueTaskMisuse, StaleTokenAfterTheSourceWasReset) {
    manual_source<int> source;
    ValueTask<int> stale_for_await = source.task();
    ValueTask<int> stale_for_result = source.task();
    ValueTask<int> stale_for_query = source.task();
    ValueTask<int> stale_for_conversion = source.task();
    source.reset();  // the source moves on: the tokens above name an ended operation
    source.set_result(15);

    Task<int> awaiting = await_ref<int>(stale_for_await);
    EXPECT_TRUE(throws_invalid_operation([&] { (void)awaiting.result(); }, stale_token));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)stale_for_result.result(); }, stale_token));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)stale_for_query.is_completed(); }, stale_token));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)stale_for_conversion.as_task(); }, stale_token));
    EXPECT_EQ(source.task().result(), 15);  // the current operation is unaffected
}

}  // namespace
}  // namespace vtb::test
