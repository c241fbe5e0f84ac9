// tests/unit/value_task_race_test.cpp: two threads awaiting one inline-value ValueTask at
// the same moment (vtb/value_task.hpp, "Concurrent awaits"). Awaiting an lvalue reads the
// inline value without consuming its storage, so the race is memory-safe and free of data
// races (it runs under ASan and TSan alike); the misuse check is a plain load and store,
// so a simultaneous second awaiter is caught only some of the time, and the test reports
// how often. A sequential second await is always caught (value_task_misuse_test.cpp).
// Also: a source completing on another thread while a coroutine awaits it, at every
// moment of the await.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "test_support.hpp"
#include "vtb/vtb.hpp"

namespace vtb::test {
namespace {

constexpr int race_rounds = 100000;

// What one thread saw over all rounds.
struct race_tally {
    int received = 0;   // awaited and got the value
    int detected = 0;   // the await threw invalid_operation ("consumed twice")
    int corrupted = 0;  // got a value other than the one stored, or another exception
};

enum class await_shape { direct_awaiter, coroutine };

void await_shared(ValueTask<std::string>& shared, await_shape shape, const std::string& expected, race_tally& tally) {
    try {
        std::string value;
        if (shape == await_shape::direct_awaiter) {
            auto awaiter = shared.operator co_await();  // what `co_await shared` does
            if (!awaiter.await_ready()) {
                ++tally.corrupted;  // an inline value is always ready
                return;
            }
            value = awaiter.await_resume();
        } else {
            value = await_ref<std::string>(shared).result();
        }
        if (value == expected)
            ++tally.received;
        else
            ++tally.corrupted;
    } catch (const invalid_operation&) {
        ++tally.detected;
    } catch (...) {
        ++tally.corrupted;
    }
}

void race_two_awaiters(await_shape shape, const char* label) {
    const std::string expected(48, 'r');  // longer than the small-string buffer: heap-owned
    std::optional<ValueTask<std::string>> shared;
    std::barrier<> round_edge(2);
    race_tally mine, partners;
    std::thread partner([&] {
        for (int round = 0; round < race_rounds; ++round) {
            round_edge.arrive_and_wait();  // start: `shared` is ready
            await_shared(*shared, shape, expected, partners);
            round_edge.arrive_and_wait();  // end
        }
    });
    int lost = 0;  // rounds in which neither awaiter got the value
    for (int round = 0; round < race_rounds; ++round) {
        shared.emplace(expected);
        const int before = mine.received + partners.received;
        round_edge.arrive_and_wait();  // start
        await_shared(*shared, shape, expected, mine);
        round_edge.arrive_and_wait();  // end: the partner is done with `shared`
        if (mine.received + partners.received == before) ++lost;
    }
    partner.join();
    shared.reset();

    const int received = mine.received + partners.received;
    const int detected = mine.detected + partners.detected;
    const int undetected = received - race_rounds;  // rounds in which both got the value
    std::printf("[ race     ] %s: %d rounds, second awaiter detected in %d, undetected (both received a copy) in %d\n",
                label, race_rounds, detected, undetected);
    ::testing::Test::RecordProperty("rounds", race_rounds);
    ::testing::Test::RecordProperty("detected", detected);
    ::testing::Test::RecordProperty("undetected", undetected);
    EXPECT_EQ(mine.corrupted + partners.corrupted, 0);
    EXPECT_EQ(lost, 0);
    EXPECT_EQ(detected + received, 2 * race_rounds);  // every await either received or threw
}

TEST(ValueTaskRace, TwoThreadsAwaitingOneInlineStringThroughTheAwaiterAreMemorySafe) {
    race_two_awaiters(await_shape::direct_awaiter, "direct awaiter");
}

TEST(ValueTaskRace, TwoThreadsAwaitingOneInlineStringInCoroutinesAreMemorySafe) {
    race_two_awaiters(await_shape::coroutine, "awaited in a coroutine");
}

// Each round a coroutine awaits a source-backed ValueTask while a partner thread completes
// the source: before the await (ready), between await_ready and the registration (the
// source runs the continuation inside on_completed, which the awaiter turns into not
// suspending), or after it (the partner resumes the coroutine). Whichever happens, the
// coroutine resumes exactly once, with the round's value.
TEST(ValueTaskRace, SourceCompletingWhileTheAwaiterRegistersResumesItExactlyOnce) {
    constexpr int rounds = race_rounds / 10;
    manual_source<int> source;
    std::barrier<> round_edge(2);
    std::thread partner([&] {
        for (int round = 0; round < rounds; ++round) {
            round_edge.arrive_and_wait();  // start
            // A delay that varies by round, so that the completion lands at every moment
            // of the await (without it, it nearly always comes before await_ready).
            std::atomic<int> spins{0};
            while (spins.load(std::memory_order_relaxed) < (round % 32) * 16)
                spins.store(spins.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
            source.set_result(round);
            round_edge.arrive_and_wait();  // end
        }
    });
    int resumed = 0;
    int wrong_results = 0;
    for (int round = 0; round < rounds; ++round) {
        source.reset();
        ValueTask<int> pending = source.task();
        round_edge.arrive_and_wait();  // start
        Task<int> awaiting = [](ValueTask<int> operation, int& resumptions) -> Task<int> {
            int value = co_await std::move(operation);
            ++resumptions;
            co_return value;
        }(std::move(pending), resumed);
        if (awaiting.result() != round) ++wrong_results;  // waits for the partner's resumption
        round_edge.arrive_and_wait();                     // end
    }
    partner.join();
    EXPECT_EQ(resumed, rounds);
    EXPECT_EQ(wrong_results, 0);
}

}  // namespace
}  // namespace vtb::test
