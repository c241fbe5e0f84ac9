// tests/unit/task_test.cpp: Task<T> and Task<void> (vtb/task.hpp): eager start, result()
// and wait(), the state queries, copies sharing one state, many and concurrent awaiters,
// rvalue awaits moving the result out, and the misuse of an empty Task.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "alloc_probe.hpp"
#include "test_support.hpp"
#include "vtb/vtb.hpp"

namespace vtb::test {
namespace {

Task<int> completes_at_once(int value) { co_return value; }

Task<int> records_start_then_suspends(run_loop& loop, bool& started, int value) {
    started = true;
    co_await loop.schedule();
    co_return value;
}

Task<int> throws_at_once(std::exception_ptr error) {
    std::rethrow_exception(error);
    co_return 0;
}

Task<int> sum_of_awaits(const Task<int>& task, int times) {
    int sum = 0;
    for (int i = 0; i < times; ++i) sum += co_await task;
    co_return sum;
}

// The allocations made by `co_await std::move(task)` alone, and the value it yielded.
Task<std::uint64_t> allocs_of_rvalue_await(Task<std::string> task, std::string& yielded) {
    alloc_probe probe;
    yielded = co_await std::move(task);
    co_return probe.allocs();
}

Task<int> await_on_pool_worker(thread_pool& pool, Task<int> shared) {
    co_await pool.schedule();
    co_return co_await shared;
}

TEST(Task, BodyThatNeverSuspendsReturnsACompletedTask) {
    Task<int> task = completes_at_once(42);
    EXPECT_TRUE(task.is_completed());
    EXPECT_TRUE(task.is_completed_successfully());
    EXPECT_FALSE(task.is_faulted());
    EXPECT_FALSE(task.is_canceled());
    EXPECT_EQ(task.result(), 42);
}

TEST(Task, BodyRunsEagerlyToItsFirstSuspensionAndStaysPendingUntilTheLoopRuns) {
    run_loop loop;
    bool started = false;
    Task<int> task = records_start_then_suspends(loop, started, 7);
    EXPECT_TRUE(started);
    EXPECT_FALSE(task.is_completed());
    EXPECT_FALSE(task.is_completed_successfully());
    EXPECT_FALSE(task.is_faulted());
    EXPECT_FALSE(task.is_canceled());
    EXPECT_EQ(loop.run(), 1u);
    EXPECT_TRUE(task.is_completed_successfully());
    EXPECT_EQ(task.result(), 7);
}

TEST(Task, VoidTaskCompletesThroughTheLoop) {
    run_loop loop;
    bool done = false;
    Task<void> task = sets_flag_from_loop(loop, done);
    EXPECT_FALSE(task.is_completed());
    loop.run();
    EXPECT_TRUE(done);
    EXPECT_TRUE(task.is_completed_successfully());
    task.result();
}

TEST(Task, ResultRethrowsTheExceptionThatEscapedTheBody) {
    Task<int> task = throws_at_once(make_failure("lookup failed"));
    EXPECT_TRUE(task.is_completed());
    EXPECT_TRUE(task.is_faulted());
    EXPECT_FALSE(task.is_completed_successfully());
    EXPECT_FALSE(task.is_canceled());
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { (void)task.result(); }, "lookup failed"));
    // Read twice: the exception stays stored.
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { (void)task.result(); }, "lookup failed"));
}

TEST(Task, OperationCanceledEscapingTheBodyEndsCanceled) {
    Task<int> task = throws_at_once(make_cancellation());
    EXPECT_TRUE(task.is_completed());
    EXPECT_TRUE(task.is_canceled());
    EXPECT_FALSE(task.is_faulted());
    EXPECT_FALSE(task.is_completed_successfully());
    EXPECT_TRUE(throws_with<operation_canceled>([&] { (void)task.result(); }, "canceled"));
}

TEST(Task, WaitBlocksUntilAnotherThreadCompletesTheTask) {
    // Repeated so that the waiter registers both before and after the completion.
    constexpr int rounds = 200;
    int wrong_results = 0;
    for (int round = 0; round < rounds; ++round) {
        manual_source<int> gate;
        ValueTask<int> gate_task = gate.task();
        Task<int> task = await_ref<int>(gate_task);
        ASSERT_FALSE(task.is_completed());
        std::thread completer([&gate, round] { gate.set_result(round); });
        task.wait();
        if (!task.is_completed_successfully() || task.result() != round) ++wrong_results;
        completer.join();
    }
    EXPECT_EQ(wrong_results, 0);
}

TEST(Task, ResultWaitsForAnotherThread) {
    manual_source<int> gate;
    ValueTask<int> gate_task = gate.task();
    Task<int> task = await_ref<int>(gate_task);
    std::thread completer([&gate] { gate.set_result(31); });
    EXPECT_EQ(task.result(), 31);
    completer.join();
}

TEST(Task, CopiesShareOneStateAndCompareEqual) {
    run_loop loop;
    Task<int> original = value_from_loop(loop, 5);
    Task<int> copy = original;
    Task<int> other = value_from_loop(loop, 5);
    EXPECT_TRUE(copy == original);
    EXPECT_FALSE(other == original);
    loop.run();
    EXPECT_TRUE(copy.is_completed());  // completing one completes the other: one state
    EXPECT_EQ(copy.result(), 5);

    Task<int> moved_to = std::move(copy);
    EXPECT_TRUE(moved_to == original);
    EXPECT_FALSE(copy.valid());
    Task<int> assigned;
    assigned = original;
    EXPECT_TRUE(assigned == original);
}

TEST(Task, CompletedTaskCanBeAwaitedManyTimes) {
    Task<int> task = completes_at_once(4);
    Task<int> sum = sum_of_awaits(task, 3);
    EXPECT_EQ(sum.result(), 12);
    EXPECT_EQ(task.result(), 4);
}

TEST(Task, PendingTaskWakesEveryAwaiter) {
    run_loop loop;
    Task<int> shared = value_from_loop(loop, 6);
    Task<int> first = sum_of_awaits(shared, 1);
    Task<int> second = sum_of_awaits(shared, 2);
    Task<int> third = await_ref<int>(shared);
    EXPECT_FALSE(first.is_completed());
    EXPECT_FALSE(second.is_completed());
    EXPECT_FALSE(third.is_completed());
    loop.run();
    EXPECT_EQ(first.result(), 6);
    EXPECT_EQ(second.result(), 12);
    EXPECT_EQ(third.result(), 6);
}

// Whether the result was moved or copied shows in the allocations: a copy allocates.
using TaskRvalueAwait = counted_allocations;

TEST_F(TaskRvalueAwait, MovesTheResultOutOnlyWhenNoOtherHandleSharesIt) {
    const std::string text(100, 'r');  // longer than the small-string buffer: a copy allocates

    std::string yielded;
    Task<std::uint64_t> sole = allocs_of_rvalue_await(Task<std::string>::from_result(text), yielded);
    EXPECT_EQ(sole.result(), 0u) << "the only handle's result should be moved out, not copied";
    EXPECT_EQ(yielded, text);

    Task<std::string> kept = Task<std::string>::from_result(text);
    Task<std::uint64_t> shared = allocs_of_rvalue_await(kept, yielded);
    EXPECT_EQ(shared.result(), 1u) << "a shared result must be copied (one allocation for the string)";
    EXPECT_EQ(yielded, text);
    EXPECT_EQ(kept.result(), text);
}

TEST(Task, ConcurrentAwaitersOnTwoPoolThreadsWhileAThirdThreadCompletes) {
    // Many rounds, so that awaiters register before, during and after the completion.
    constexpr int rounds = 150;
    constexpr int awaiters_per_round = 6;
    thread_pool pool(2);
    int wrong_results = 0;
    for (int round = 0; round < rounds; ++round) {
        manual_source<int> gate;
        ValueTask<int> gate_task = gate.task();
        Task<int> shared = await_ref<int>(gate_task);
        std::vector<Task<int>> awaiters;
        for (int i = 0; i < awaiters_per_round; ++i) awaiters.push_back(await_on_pool_worker(pool, shared));
        std::thread completer([&gate, round] { gate.set_result(round); });
        for (const Task<int>& awaiter : awaiters)
            if (awaiter.result() != round) ++wrong_results;
        completer.join();
    }
    EXPECT_EQ(wrong_results, 0);
}

TEST(Task, EmptyTaskMisuseThrowsInvalidOperation) {
    Task<int> empty;
    EXPECT_FALSE(empty.valid());
    EXPECT_TRUE(throws_invalid_operation([&] { (void)empty.is_completed(); }, "empty Task"));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)empty.is_completed_successfully(); }, "empty Task"));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)empty.is_faulted(); }, "empty Task"));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)empty.is_canceled(); }, "empty Task"));
    EXPECT_TRUE(throws_invalid_operation([&] { empty.wait(); }, "empty Task"));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)empty.result(); }, "empty Task"));

    Task<int> awaits_empty = await_ref<int>(empty);
    EXPECT_TRUE(awaits_empty.is_faulted());
    EXPECT_TRUE(throws_invalid_operation([&] { (void)awaits_empty.result(); }, "awaited an empty Task"));

    Task<int> source = completes_at_once(1);
    Task<int> taker = std::move(source);
    EXPECT_FALSE(source.valid());
    EXPECT_TRUE(throws_invalid_operation([&] { (void)source.result(); }, "empty Task"));
    Task<int> awaits_moved_from = await_owned<int>(std::move(source));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)awaits_moved_from.result(); }, "awaited an empty Task"));
    EXPECT_EQ(taker.result(), 1);
}

}  // namespace
}  // namespace vtb::test
