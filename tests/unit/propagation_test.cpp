// tests/unit/propagation_test.cpp: an exception (faulted) or vtb::operation_canceled
// (canceled) travels unchanged through every task form: Task, ValueTask backed by a Task,
// by a source and as a coroutine return type, pooled_value_task and a pooled source; read
// with result() and through an awaiting coroutine, which itself ends faulted or canceled.
#include <gtest/gtest.h>

#include <exception>
#include <ostream>
#include <stdexcept>

#include "test_support.hpp"
#include "vtb/vtb.hpp"

namespace vtb::test {
namespace {

constexpr const char* failure_text = "propagated failure";

// The outcome every case is checked against.
struct expected_outcome {
    bool canceled;  // else faulted with failure_text
    std::exception_ptr error() const { return canceled ? make_cancellation() : make_failure(failure_text); }
};

// Names the parameter in test output (and so in ctest's test names).
void PrintTo(const expected_outcome& outcome, std::ostream* out) {
    *out << (outcome.canceled ? "canceled" : "faulted");
}

const expected_outcome faulted{false};
const expected_outcome canceled{true};

template <class Queryable>
void expect_state(const Queryable& task, expected_outcome expected) {
    EXPECT_TRUE(task.is_completed());
    EXPECT_FALSE(task.is_completed_successfully());
    EXPECT_EQ(task.is_canceled(), expected.canceled);
    EXPECT_EQ(task.is_faulted(), !expected.canceled);
}

template <class Readable>
void expect_rethrows(Readable&& read, expected_outcome expected) {
    if (expected.canceled)
        EXPECT_TRUE(throws_with<operation_canceled>(read, "canceled"));
    else
        EXPECT_TRUE(throws_with<std::runtime_error>(read, failure_text));
}

// An awaiting coroutine lets the exception escape: it ends in the same state.
void expect_awaiter_ends_the_same(const Task<int>& awaiting, expected_outcome expected) {
    expect_state(awaiting, expected);
    expect_rethrows([&] { (void)awaiting.result(); }, expected);
}

Task<int> task_throws_after_suspending(run_loop& loop, std::exception_ptr error) {
    co_await loop.schedule();
    std::rethrow_exception(error);
    co_return 0;
}

ValueTask<int> value_task_throws_at_once(std::exception_ptr error) {
    std::rethrow_exception(error);
    co_return 0;
}

ValueTask<int> value_task_throws_after_suspending(run_loop& loop, std::exception_ptr error) {
    co_await loop.schedule();
    std::rethrow_exception(error);
    co_return 0;
}

pooled_value_task<int> pooled_throws_at_once(std::exception_ptr error) {
    std::rethrow_exception(error);
    co_return 0;
}

class Propagation : public ::testing::TestWithParam<expected_outcome> {};

TEST_P(Propagation, ThroughACoroutineTask) {
    run_loop loop;
    Task<int> task = task_throws_after_suspending(loop, GetParam().error());
    Task<int> awaiting = await_ref<int>(task);
    loop.run();
    expect_state(task, GetParam());
    expect_rethrows([&] { (void)task.result(); }, GetParam());
    expect_awaiter_ends_the_same(awaiting, GetParam());
}

TEST_P(Propagation, ThroughTaskFactories) {
    Task<int> task = GetParam().canceled ? Task<int>::from_canceled() : Task<int>::from_exception(GetParam().error());
    expect_state(task, GetParam());
    expect_awaiter_ends_the_same(await_ref<int>(task), GetParam());
}

TEST_P(Propagation, ThroughATaskBackedValueTask) {
    run_loop loop;
    ValueTask<int> read(task_throws_after_suspending(loop, GetParam().error()));
    ValueTask<int> awaited(task_throws_after_suspending(loop, GetParam().error()));
    Task<int> awaiting = await_ref<int>(awaited);
    loop.run();
    expect_state(read, GetParam());
    expect_rethrows([&] { (void)read.result(); }, GetParam());
    expect_awaiter_ends_the_same(awaiting, GetParam());
}

TEST_P(Propagation, ThroughASourceBackedValueTask) {
    manual_source<int> read_source, awaited_source, converted_source;
    ValueTask<int> read = read_source.task();
    ValueTask<int> awaited = awaited_source.task();
    ValueTask<int> converted = converted_source.task();
    Task<int> awaiting = await_ref<int>(awaited);
    Task<int> adapter = converted.as_task();
    read_source.set_exception(GetParam().error());
    awaited_source.set_exception(GetParam().error());
    converted_source.set_exception(GetParam().error());
    expect_state(read, GetParam());
    expect_rethrows([&] { (void)read.result(); }, GetParam());
    expect_awaiter_ends_the_same(awaiting, GetParam());
    expect_awaiter_ends_the_same(adapter, GetParam());
}

TEST_P(Propagation, ThroughAValueTaskCoroutine) {
    run_loop loop;
    ValueTask<int> at_once = value_task_throws_at_once(GetParam().error());
    ValueTask<int> later = value_task_throws_after_suspending(loop, GetParam().error());
    Task<int> awaiting = await_ref<int>(later);
    loop.run();
    expect_state(at_once, GetParam());
    expect_rethrows([&] { (void)at_once.result(); }, GetParam());
    expect_awaiter_ends_the_same(awaiting, GetParam());
}

TEST_P(Propagation, ThroughAPooledValueTask) {
    pooled_value_task<int> read = pooled_throws_at_once(GetParam().error());
    pooled_value_task<int> awaited = pooled_throws_at_once(GetParam().error());
    expect_state(read, GetParam());
    expect_rethrows([&] { (void)read.result(); }, GetParam());
    expect_awaiter_ends_the_same(await_ref<int>(awaited), GetParam());
}

TEST_P(Propagation, ThroughAPooledSource) {
    value_task_source_pool<int> pool(1);
    value_task_source_pool<int>::source* source = pool.rent();
    ASSERT_NE(source, nullptr);
    ValueTask<int> awaited = source->task();
    Task<int> awaiting = await_ref<int>(awaited);
    source->set_exception(GetParam().error());
    expect_awaiter_ends_the_same(awaiting, GetParam());
    EXPECT_EQ(pool.available(), 1u);  // the failed operation still returned its source
}

TEST_P(Propagation, ThroughSyncWait) {
    run_loop loop;
    expect_rethrows([&] { (void)sync_wait(loop, task_throws_after_suspending(loop, GetParam().error())); }, GetParam());
}

INSTANTIATE_TEST_SUITE_P(FaultedAndCanceled, Propagation, ::testing::Values(faulted, canceled),
                         [](const ::testing::TestParamInfo<expected_outcome>& info) {
                             return info.param.canceled ? "Canceled" : "Faulted";
                         });

}  // namespace
}  // namespace vtb::test
