// tests/unit/execution_test.cpp: where work runs: run_loop (FIFO order, run_one, run),
// thread_pool (work on the workers, the destructor draining the queue) and sync_wait
// (values, void, exceptions, and a run loop that runs out of work).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include "vtb/vtb.hpp"

namespace vtb::test {
namespace {

TEST(RunLoop, RunOneIsFalseWhenThereIsNoWork) {
    run_loop loop;
    EXPECT_TRUE(loop.empty());
    EXPECT_FALSE(loop.run_one());
    EXPECT_EQ(loop.run(), 0u);
}

TEST(RunLoop, RunsPostedItemsInFifoOrder) {
    run_loop loop;
    std::vector<int> order;
    posted_action first([&] { order.push_back(1); });
    posted_action second([&] { order.push_back(2); });
    posted_action third([&] { order.push_back(3); });
    loop.post(first);
    loop.post(second);
    loop.post(third);
    EXPECT_FALSE(loop.empty());
    EXPECT_TRUE(loop.run_one());
    EXPECT_EQ(order, std::vector<int>({1}));
    EXPECT_EQ(loop.run(), 2u);
    EXPECT_EQ(order, std::vector<int>({1, 2, 3}));
    EXPECT_TRUE(loop.empty());
    EXPECT_FALSE(loop.run_one());
}

TEST(RunLoop, RunIncludesWorkPostedWhileRunning) {
    run_loop loop;
    std::vector<int> order;
    posted_action later([&] { order.push_back(3); });
    posted_action posts_later([&] {
        order.push_back(1);
        loop.post(later);
    });
    posted_action second([&] { order.push_back(2); });
    loop.post(posts_later);
    loop.post(second);
    EXPECT_EQ(loop.run(), 3u);
    EXPECT_EQ(order, std::vector<int>({1, 2, 3}));
}

Task<int> resumes_in_order(run_loop& loop, std::vector<int>& order, int id) {
    co_await loop.schedule();
    order.push_back(id);
    co_return id;
}

TEST(RunLoop, ScheduleResumesCoroutinesInTheOrderTheySuspended) {
    run_loop loop;
    std::vector<int> order;
    Task<int> first = resumes_in_order(loop, order, 1);
    Task<int> second = resumes_in_order(loop, order, 2);
    EXPECT_TRUE(order.empty());
    loop.run();
    EXPECT_EQ(order, std::vector<int>({1, 2}));
}

TEST(ThreadPool, RejectsZeroThreads) {
    EXPECT_TRUE(throws_invalid_operation([] { thread_pool pool(0); }, "at least one thread"));
}

TEST(ThreadPool, RunsPostedWorkOnItsWorkers) {
    constexpr int items = 64;
    std::atomic<int> ran{0};
    std::atomic<int> on_caller_thread{0};
    const std::thread::id caller = std::this_thread::get_id();
    auto work = [&] {
        if (std::this_thread::get_id() == caller) on_caller_thread.fetch_add(1);
        ran.fetch_add(1);
    };
    std::vector<posted_action<decltype(work)>> queued(items, posted_action(work));
    {
        thread_pool pool(2);
        EXPECT_EQ(pool.size(), 2u);
        for (auto& item : queued) pool.post(item);
    }
    EXPECT_EQ(ran.load(), items);
    EXPECT_EQ(on_caller_thread.load(), 0);
}

TEST(ThreadPool, DestructorRunsEveryQueuedItemBeforeJoining) {
    constexpr int queued_behind = 100;
    std::atomic<bool> released{false};
    std::atomic<int> ran{0};
    // One worker, held by the first item, so the others are still queued when the pool's
    // destructor starts (a helper thread releases it a little later).
    posted_action blocker([&] {
        while (!released.load()) std::this_thread::yield();
    });
    auto count = [&] { ran.fetch_add(1); };
    std::vector<posted_action<decltype(count)>> queued(queued_behind, posted_action(count));
    std::thread releaser;
    {
        thread_pool pool(1);
        pool.post(blocker);
        for (auto& item : queued) pool.post(item);
        releaser = std::thread([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            released.store(true);
        });
    }
    releaser.join();
    EXPECT_EQ(ran.load(), queued_behind);
}

Task<std::thread::id> thread_after_schedule(thread_pool& pool) {
    co_await pool.schedule();
    co_return std::this_thread::get_id();
}

TEST(ThreadPool, ScheduleMovesTheCoroutineOntoAWorker) {
    thread_pool pool(2);
    Task<std::thread::id> hop = thread_after_schedule(pool);
    EXPECT_NE(hop.result(), std::this_thread::get_id());
}

TEST(SyncWait, ReturnsAValue) {
    run_loop loop;
    EXPECT_EQ(sync_wait(loop, value_from_loop(loop, 41)), 41);
    EXPECT_EQ(sync_wait(loop, ValueTask<std::string>("inline")), "inline");
    Task<int> kept = value_from_loop(loop, 42);
    EXPECT_EQ(sync_wait(loop, kept), 42);  // an lvalue Task: the value is copied out
    EXPECT_EQ(kept.result(), 42);
}

TEST(SyncWait, WaitsForAVoidAwaitable) {
    run_loop loop;
    bool done = false;
    sync_wait(loop, sets_flag_from_loop(loop, done));
    EXPECT_TRUE(done);
}

TEST(SyncWait, RethrowsTheAwaitablesException) {
    run_loop loop;
    EXPECT_TRUE(throws_with<std::runtime_error>(
        [&] { (void)sync_wait(loop, value_from_loop(loop, 0, make_failure("waited failure"))); }, "waited failure"));
    EXPECT_TRUE(throws_with<operation_canceled>(
        [&] { (void)sync_wait(loop, value_from_loop(loop, 0, make_cancellation())); }, "canceled"));
}

TEST(SyncWait, ThrowsWhenTheLoopRunsOutOfWorkFirst) {
    run_loop loop;
    manual_source<int> never_completed;
    EXPECT_TRUE(throws_invalid_operation([&] { (void)sync_wait(loop, never_completed.task()); }, "ran out of work"));
}

TEST(SyncWait, WithoutALoopBlocksUntilAnotherThreadCompletes) {
    manual_source<int> source;
    std::thread completer([&] { source.set_result(43); });
    EXPECT_EQ(sync_wait(source.task()), 43);
    completer.join();

    thread_pool pool(1);
    EXPECT_NE(sync_wait(thread_after_schedule(pool)), std::this_thread::get_id());
    EXPECT_TRUE(throws_with<std::runtime_error>(
        [] { sync_wait(Task<void>::from_exception(make_failure("failed elsewhere"))); }, "failed elsewhere"));
}

}  // namespace
}  // namespace vtb::test
