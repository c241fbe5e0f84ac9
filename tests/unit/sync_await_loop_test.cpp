// tests/unit/sync_await_loop_test.cpp: 1,000,000 awaits that complete synchronously, in a
// loop inside one coroutine, for every awaitable form: none may grow the stack (a resumption
// nested in the previous await would overflow it). tests/unit/CMakeLists.txt builds this file
// twice: at the suite's optimisation level and at -O0.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "test_support.hpp"
#include "vtb/lazy_task.hpp"
#include "vtb/vtb.hpp"

namespace vtb::test {
namespace {

constexpr int await_count = 1'000'000;
constexpr long expected_sum = await_count / 2;  // every awaitable yields i & 1
// Far more than one loop iteration needs, far less than the 8 MiB stack.
constexpr std::uintptr_t stack_growth_limit = 64 * 1024;

// The caller's stack depth. The empty asm makes each call opaque, so that no optimiser
// merges the calls or hoists one out of a loop.
[[gnu::noinline]] std::uintptr_t stack_position() {
    auto position = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    asm volatile("" : "+r"(position) : : "memory");
    return position;
}

struct loop_report {
    int awaits_completed = 0;
    long sum = 0;
    std::uintptr_t max_stack_growth = 0;  // bytes below the stack position of the first iteration
};

// Awaits make_awaitable(i) for i < count, measuring the stack before each await; stops
// early, rather than overflow, once the stack has grown past the limit.
template <class MakeAwaitable>
Task<loop_report> await_in_a_loop(int count, MakeAwaitable make_awaitable) {
    loop_report report;
    const std::uintptr_t first = stack_position();
    for (int i = 0; i < count; ++i) {
        const std::uintptr_t here = stack_position();
        const std::uintptr_t growth = first > here ? first - here : 0;  // the stack grows down
        report.max_stack_growth = std::max(report.max_stack_growth, growth);
        if (growth > stack_growth_limit) break;
        report.sum += co_await make_awaitable(i);
        ++report.awaits_completed;
    }
    co_return report;
}

void expect_flat_loop(const Task<loop_report>& loop) {
    const loop_report& report = loop.result();
    EXPECT_EQ(report.awaits_completed, await_count)
        << "stopped after the stack grew by " << report.max_stack_growth << " bytes";
    EXPECT_EQ(report.sum, expected_sum);
    EXPECT_LE(report.max_stack_growth, stack_growth_limit);
}

Task<int> ready_task(int i) { co_return i & 1; }
ValueTask<int> ready_value_task_coroutine(int i) { co_return i & 1; }
pooled_value_task<int> ready_pooled(int i) { co_return i & 1; }
ValueTask<int> ready_inline_value(int i) { return ValueTask<int>(i & 1); }
lazy_task<int> ready_lazy(int i) { co_return i & 1; }

TEST(SyncAwaitLoop, CoroutineTask) {
    expect_flat_loop(await_in_a_loop(await_count, [](int i) { return ready_task(i); }));
}

TEST(SyncAwaitLoop, OneCompletedTaskAwaitedAgainAndAgain) {
    const Task<int> completed = Task<int>::from_result(1);
    const Task<int> zero = Task<int>::from_result(0);
    expect_flat_loop(
        await_in_a_loop(await_count, [&](int i) -> const Task<int>& { return (i & 1) ? completed : zero; }));
}

TEST(SyncAwaitLoop, ValueTaskWithAnInlineValue) {
    expect_flat_loop(await_in_a_loop(await_count, [](int i) { return ready_inline_value(i); }));
}

TEST(SyncAwaitLoop, ValueTaskCoroutine) {
    expect_flat_loop(await_in_a_loop(await_count, [](int i) { return ready_value_task_coroutine(i); }));
}

TEST(SyncAwaitLoop, PooledValueTask) {
    expect_flat_loop(await_in_a_loop(await_count, [](int i) { return ready_pooled(i); }));
}

TEST(SyncAwaitLoop, LazyTaskResumedBySymmetricTransfer) {
    expect_flat_loop(await_in_a_loop(await_count, [](int i) { return ready_lazy(i); }));
}

TEST(SyncAwaitLoop, PooledSourceCompletedBeforeTheAwait) {
    value_task_source_pool<int> pool(1);
    expect_flat_loop(await_in_a_loop(await_count, [&pool](int i) {
        value_task_source_pool<int>::source* source = pool.rent();
        source->set_result(i & 1);
        return source->task();
    }));
}

// A source whose operation completes just as the awaiter registers its continuation: what
// happens, at random, when a producer thread completes the operation between the awaiter's
// await_ready (which saw it pending) and its on_completed. Here it happens every time.
class completes_on_registration final : public ValueTaskSource<int> {
public:
    ValueTask<int> next_operation(int value) {
        core_.reset();
        value_ = value;
        return ValueTask<int>(*this, core_.version());
    }

    ValueTaskSourceStatus status(std::uint16_t token) const override { return core_.status(token); }
    void on_completed(continuation_fn continuation, void* state, std::uint16_t token) override {
        core_.set_result(value_);
        core_.on_completed(continuation, state, token);  // completed: runs the continuation now
    }
    int get_result(std::uint16_t token) override { return core_.get_result(token); }

private:
    ManualResetValueTaskSourceCore<int> core_;
    int value_ = 0;
};

TEST(SyncAwaitLoop, SourceCompletingAsTheAwaiterRegisters) {
    completes_on_registration source;
    expect_flat_loop(await_in_a_loop(await_count, [&source](int i) { return source.next_operation(i & 1); }));
}

}  // namespace
}  // namespace vtb::test
