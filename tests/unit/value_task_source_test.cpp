// tests/unit/value_task_source_test.cpp: ManualResetValueTaskSourceCore<T>
// (vtb/value_task_source.hpp): the version and its tokens, results and exceptions, the four
// misuses .NET detects, continuations registered before and after completion, and
// completion racing registration on two threads.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

#include "test_support.hpp"
#include "vtb/vtb.hpp"

namespace vtb::test {
namespace {

// What a continuation saw: how often it ran, and on which thread.
struct continuation_record {
    std::atomic<int> calls{0};
    std::thread::id thread;
};

void record_continuation(void* state) {
    auto* record = static_cast<continuation_record*>(state);
    record->thread = std::this_thread::get_id();
    record->calls.fetch_add(1, std::memory_order_release);
}

TEST(ValueTaskSourceCore, ResetBumpsTheVersionAndEndsTheOldTokens) {
    ManualResetValueTaskSourceCore<int> core;
    const std::uint16_t first = core.version();
    core.reset();
    EXPECT_EQ(core.version(), static_cast<std::uint16_t>(first + 1));
    core.reset();
    EXPECT_EQ(core.version(), static_cast<std::uint16_t>(first + 2));
    EXPECT_EQ(core.status(core.version()), ValueTaskSourceStatus::pending);
}

TEST(ValueTaskSourceCore, ResultIsReadWithTheCurrentToken) {
    ManualResetValueTaskSourceCore<std::string> core;
    const std::uint16_t token = core.version();
    EXPECT_EQ(core.status(token), ValueTaskSourceStatus::pending);
    core.set_result("done");
    EXPECT_EQ(core.status(token), ValueTaskSourceStatus::succeeded);
    EXPECT_EQ(core.get_result(token), "done");
}

TEST(ValueTaskSourceCore, ResetMakesTheSourceReusable) {
    ManualResetValueTaskSourceCore<int> core;
    core.set_result(1);
    EXPECT_EQ(core.get_result(core.version()), 1);
    core.reset();
    EXPECT_EQ(core.status(core.version()), ValueTaskSourceStatus::pending);
    core.set_result(2);
    EXPECT_EQ(core.get_result(core.version()), 2);
}

TEST(ValueTaskSourceCore, ResultCanBeReadAgainUntilReset) {
    // .NET's ManualResetValueTaskSourceCore lets GetResult be called any number of times
    // until Reset (ManualResetValueTaskSourceTests.ReuseInstanceWithResets_Success): a
    // second read must return the value again, never a moved-from one.
    ManualResetValueTaskSourceCore<std::string> core;
    for (char letter : {'a', 'b', 'c'}) {
        SCOPED_TRACE(letter);
        const std::string expected(40, letter);  // longer than the small-string buffer
        core.set_result(expected);
        EXPECT_EQ(core.get_result(core.version()), expected);
        EXPECT_EQ(core.get_result(core.version()), expected);
        EXPECT_EQ(core.status(core.version()), ValueTaskSourceStatus::succeeded);
        core.reset();
    }
}

TEST(ValueTaskSourceCore, ExceptionCanBeReadAgainUntilReset) {
    ManualResetValueTaskSourceCore<std::string> core;
    core.set_exception(make_failure("read twice"));
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { (void)core.get_result(core.version()); }, "read twice"));
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { (void)core.get_result(core.version()); }, "read twice"));
}

TEST(ValueTaskSourceCoreMisuse, StaleToken) {
    ManualResetValueTaskSourceCore<int> core;
    const std::uint16_t stale = core.version();
    core.reset();
    core.set_result(3);
    continuation_record record;
    EXPECT_TRUE(throws_invalid_operation([&] { (void)core.status(stale); }, "stale token"));
    EXPECT_TRUE(throws_invalid_operation([&] { (void)core.get_result(stale); }, "stale token"));
    EXPECT_TRUE(
        throws_invalid_operation([&] { core.on_completed(&record_continuation, &record, stale); }, "stale token"));
    EXPECT_EQ(record.calls.load(), 0);
    EXPECT_EQ(core.get_result(core.version()), 3);
}

TEST(ValueTaskSourceCoreMisuse, GetResultBeforeCompletion) {
    ManualResetValueTaskSourceCore<int> core;
    EXPECT_TRUE(throws_invalid_operation([&] { (void)core.get_result(core.version()); },
                                         "get_result() called before the operation completed"));
}

TEST(ValueTaskSourceCoreMisuse, SecondCompletion) {
    ManualResetValueTaskSourceCore<int> core;
    core.set_result(4);
    EXPECT_TRUE(throws_invalid_operation([&] { core.set_result(5); }, "completed twice"));
    EXPECT_TRUE(throws_invalid_operation([&] { core.set_exception(make_failure()); }, "completed twice"));
    EXPECT_EQ(core.status(core.version()), ValueTaskSourceStatus::succeeded);
    EXPECT_EQ(core.get_result(core.version()), 4);  // the first result stands
}

TEST(ValueTaskSourceCoreMisuse, SecondContinuationWhilePending) {
    ManualResetValueTaskSourceCore<int> core;
    continuation_record first, second;
    core.on_completed(&record_continuation, &first, core.version());
    EXPECT_TRUE(throws_invalid_operation([&] { core.on_completed(&record_continuation, &second, core.version()); },
                                         "second continuation"));
    core.set_result(6);
    EXPECT_EQ(first.calls.load(), 1);
    EXPECT_EQ(second.calls.load(), 0);
}

TEST(ValueTaskSourceCoreMisuse, SecondContinuationAfterTheFirstRanAtCompletion) {
    // .NET keeps the first continuation stored after completion, so OnCompleted throws
    // for a second one whether it comes before or after the completion.
    ManualResetValueTaskSourceCore<int> core;
    continuation_record first, second;
    core.on_completed(&record_continuation, &first, core.version());
    core.set_result(7);
    EXPECT_EQ(first.calls.load(), 1);
    EXPECT_TRUE(throws_invalid_operation([&] { core.on_completed(&record_continuation, &second, core.version()); },
                                         "second continuation"));
    EXPECT_EQ(second.calls.load(), 0) << "a second continuation must not run";
}

TEST(ValueTaskSourceCoreMisuse, NullContinuationAndNullException) {
    ManualResetValueTaskSourceCore<int> core;
    EXPECT_TRUE(
        throws_invalid_operation([&] { core.on_completed(nullptr, nullptr, core.version()); }, "null continuation"));
    EXPECT_TRUE(throws_invalid_operation([&] { core.set_exception(nullptr); }, "null exception_ptr"));
    EXPECT_EQ(core.status(core.version()), ValueTaskSourceStatus::pending);
}

TEST(ValueTaskSourceCore, SetExceptionPropagatesAsFaulted) {
    ManualResetValueTaskSourceCore<int> core;
    core.set_exception(make_failure("source failed"));
    EXPECT_EQ(core.status(core.version()), ValueTaskSourceStatus::faulted);
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { (void)core.get_result(core.version()); }, "source failed"));
}

TEST(ValueTaskSourceCore, OperationCanceledGivesCanceledStatus) {
    ManualResetValueTaskSourceCore<void> core;
    core.set_exception(make_cancellation());
    EXPECT_EQ(core.status(core.version()), ValueTaskSourceStatus::canceled);
    EXPECT_TRUE(throws_with<operation_canceled>([&] { core.get_result(core.version()); }, "canceled"));
}

TEST(ValueTaskSourceCore, ContinuationRegisteredAfterCompletionRunsAtOnceOnTheRegisteringThread) {
    ManualResetValueTaskSourceCore<int> core;
    core.set_result(8);
    continuation_record record;
    core.on_completed(&record_continuation, &record, core.version());
    EXPECT_EQ(record.calls.load(), 1);
    EXPECT_EQ(record.thread, std::this_thread::get_id());
}

TEST(ValueTaskSourceCore, ContinuationRegisteredBeforeCompletionRunsOnTheCompletingThread) {
    ManualResetValueTaskSourceCore<int> core;
    continuation_record record;
    core.on_completed(&record_continuation, &record, core.version());
    EXPECT_EQ(record.calls.load(), 0);
    std::thread::id completing_thread;
    std::thread completer([&] {
        completing_thread = std::this_thread::get_id();
        core.set_result(9);
    });
    completer.join();
    EXPECT_EQ(record.calls.load(), 1);
    EXPECT_EQ(record.thread, completing_thread);
    EXPECT_EQ(core.get_result(core.version()), 9);
}

TEST(ValueTaskSourceCore, CompletionRacingRegistrationNeverLosesTheWakeUp) {
    // Each round: this thread registers a continuation while a partner thread completes
    // the operation. Whichever wins, the continuation must run exactly once.
    constexpr int rounds = 5000;
    ManualResetValueTaskSourceCore<int> core;
    std::barrier<> round_edge(2);
    std::thread partner([&] {
        for (int round = 0; round < rounds; ++round) {
            round_edge.arrive_and_wait();  // start
            core.set_result(round);
            round_edge.arrive_and_wait();  // end
        }
    });
    int lost_or_repeated = 0;
    int wrong_results = 0;
    for (int round = 0; round < rounds; ++round) {
        core.reset();
        continuation_record record;
        round_edge.arrive_and_wait();  // start
        core.on_completed(&record_continuation, &record, core.version());
        round_edge.arrive_and_wait();  // end
        if (record.calls.load(std::memory_order_acquire) != 1) ++lost_or_repeated;
        if (core.get_result(core.version()) != round) ++wrong_results;
    }
    partner.join();
    EXPECT_EQ(lost_or_repeated, 0);
    EXPECT_EQ(wrong_results, 0);
}

}  // namespace
}  // namespace vtb::test
