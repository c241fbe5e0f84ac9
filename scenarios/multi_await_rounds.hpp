// scenarios/multi_await_rounds.hpp: one task awaited by many coroutines, for the
// multi_await scenario (multi_await.cpp, claim C9: as_task() to await many times) and its
// tests.
//
// An awaiter_group keeps N awaiter coroutines alive for its whole life (their frames are
// made once, in its constructor); each round hands all of them one Task<int> to await,
// so a round costs only the task's making and the awaiting. Producers make that task:
// task_producer as a Task<int>, as_task_producer as a ValueTask<int> from a pooled
// value-task source converted with as_task() once. Both make it completed or pending
// (completed later by the run loop).
#pragma once

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "type_list.hpp"
#include "vtb/pooling.hpp"
#include "vtb/run_loop.hpp"
#include "vtb/task.hpp"
#include "vtb/value_task.hpp"

namespace vtb::scenarios {

inline constexpr int awaited_value = 1000;  // outside Task<int>'s cached -1..8

enum class completion_state { completed, pending };
inline constexpr std::array<completion_state, 2> all_completion_states{completion_state::completed,
                                                                       completion_state::pending};

inline constexpr std::string_view to_string(completion_state state) {
    return state == completion_state::completed ? "completed" : "pending";
}

// Where the awaiters wait between rounds. open(task) resumes every waiting coroutine with
// `task` (nullptr tells them to finish); one that comes back waits for the next round.
// A waiter's node lives in its awaiting frame: waiting allocates nothing.
class round_gate {
public:
    class waiter {
    public:
        explicit waiter(round_gate& gate) noexcept : gate_(gate) {}
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> awaiting) noexcept {
            coroutine_ = awaiting;
            next_ = std::exchange(gate_.waiting_, this);
        }
        const Task<int>* await_resume() const noexcept { return gate_.current_; }

    private:
        friend class round_gate;
        round_gate& gate_;
        std::coroutine_handle<> coroutine_;
        waiter* next_ = nullptr;
    };

    waiter next_round() noexcept { return waiter(*this); }

    void open(const Task<int>* task) {
        current_ = task;
        waiter* waiting = std::exchange(waiting_, nullptr);
        while (waiting != nullptr) {
            waiter* next = waiting->next_;  // the resumed coroutine reuses its node
            waiting->coroutine_.resume();
            waiting = next;
        }
    }

private:
    const Task<int>* current_ = nullptr;
    waiter* waiting_ = nullptr;
};

class awaiter_group {
public:
    explicit awaiter_group(std::size_t awaiters) {
        awaiters_.reserve(awaiters);
        for (std::size_t i = 0; i < awaiters; ++i) awaiters_.push_back(await_every_round(gate_, *this));
    }
    awaiter_group(const awaiter_group&) = delete;
    awaiter_group& operator=(const awaiter_group&) = delete;
    ~awaiter_group() { gate_.open(nullptr); }

    // Every awaiter awaits `task`; when it is pending, runs `loop` until it completes.
    void await_round(const Task<int>& task, run_loop& loop) {
        gate_.open(&task);
        loop.run();
    }

    std::uint64_t values_received() const noexcept { return values_received_; }
    std::uint64_t value_sum() const noexcept { return value_sum_; }

private:
    static Task<void> await_every_round(round_gate& gate, awaiter_group& group) {
        while (const Task<int>* task = co_await gate.next_round()) {
            const int value = co_await *task;
            ++group.values_received_;
            group.value_sum_ += static_cast<std::uint64_t>(value);
        }
    }

    round_gate gate_;
    std::vector<Task<void>> awaiters_;
    std::uint64_t values_received_ = 0;
    std::uint64_t value_sum_ = 0;
};

// via:task: Task<int>::from_result (1 allocation: the state), or a coroutine suspended on
// the loop (1 allocation: its frame).
class task_producer {
public:
    static constexpr std::string_view name = "task";

    Task<int> make(completion_state state, run_loop& loop) {
        if (state == completion_state::completed) return Task<int>::from_result(awaited_value);
        return value_later(loop);
    }

private:
    static Task<int> value_later(run_loop& loop) {
        co_await loop.schedule();
        co_return awaited_value;
    }
};

// via:as_task: a ValueTask<int> from a pooled source (no allocation once the pool has its
// source), converted with as_task() (1 allocation: the adapter Task). A pending one is
// completed by a work item on the loop, as an I/O completion would.
class as_task_producer {
public:
    static constexpr std::string_view name = "as_task";
    using source = value_task_source_pool<int>::source;

    Task<int> make(completion_state state, run_loop& loop) {
        source* rented = pool_.rent();
        if (rented == nullptr) throw std::logic_error("as_task_producer: the last round's source was not returned");
        if (state == completion_state::completed) {
            rented->set_result(awaited_value);
            return rented->task().as_task();
        }
        Task<int> task = rented->task().as_task();
        completion_.pending = rented;
        loop.post(completion_);
        return task;
    }

private:
    struct source_completion : run_loop::work_item {
        source_completion() noexcept {
            execute = [](run_loop::work_item* item) {
                static_cast<source_completion*>(item)->pending->set_result(awaited_value);
            };
        }
        source* pending = nullptr;
    };

    value_task_source_pool<int> pool_{1};
    source_completion completion_;
};

// The producers (multi_await's vias), in the order the vocabulary lists them.
using all_producers = type_list<task_producer, as_task_producer>;

}  // namespace vtb::scenarios
