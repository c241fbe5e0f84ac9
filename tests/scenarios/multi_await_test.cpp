// tests/scenarios/multi_await_test.cpp: one task awaited by N long-lived awaiters, as the
// multi_await scenario runs it: every awaiter gets the value in every round, and a round
// allocates exactly the task's making (1), whatever N.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "allocation_meter.hpp"
#include "multi_await_rounds.hpp"

namespace vtb::scenarios {
namespace {

constexpr std::uint64_t rounds = 50;

template <class Producer>
void check_rounds(completion_state completion, std::size_t awaiters) {
    SCOPED_TRACE(std::string(Producer::name) + ", " + std::string(to_string(completion)) + ", " +
                 std::to_string(awaiters) + " awaiters");
    run_loop loop;
    awaiter_group group(awaiters);
    Producer producer;
    group.await_round(producer.make(completion, loop), loop);
    EXPECT_EQ(group.values_received(), awaiters);
    allocation_meter meter;
    for (std::uint64_t i = 0; i < rounds; ++i) group.await_round(producer.make(completion, loop), loop);
    EXPECT_EQ(meter.elapsed().allocs, rounds);
    EXPECT_EQ(group.values_received(), (rounds + 1) * awaiters);
    EXPECT_EQ(group.value_sum(), (rounds + 1) * awaiters * static_cast<std::uint64_t>(awaited_value));
    EXPECT_TRUE(loop.empty());
}

TEST(MultiAwait, EveryAwaiterGetsTheValueAndARoundAllocatesOnlyTheTask) {
    for (completion_state completion : {completion_state::completed, completion_state::pending}) {
        for (std::size_t awaiters : {1, 3, 64}) {
            check_rounds<task_producer>(completion, awaiters);
            check_rounds<as_task_producer>(completion, awaiters);
        }
    }
}

TEST(MultiAwait, APendingTaskIsNotCompleteUntilTheLoopRuns) {
    run_loop loop;
    task_producer tasks;
    as_task_producer converted;
    Task<int> pending_task = tasks.make(completion_state::pending, loop);
    Task<int> pending_converted = converted.make(completion_state::pending, loop);
    EXPECT_FALSE(pending_task.is_completed());
    EXPECT_FALSE(pending_converted.is_completed());
    loop.run();
    EXPECT_EQ(pending_task.result(), awaited_value);
    EXPECT_EQ(pending_converted.result(), awaited_value);
    EXPECT_TRUE(converted.make(completion_state::completed, loop).is_completed());
}

}  // namespace
}  // namespace vtb::scenarios
