// scenarios/misuse_cases.hpp: claims C8 and C9, run for real. Each rule of use that a
// ValueTask imposes (C8), and each safe way out (C9), is tried against every
// form (forms.hpp) that can express it; the result records what actually happened.
// Used by the vtb_misuse_table program (misuse_table.cpp) and its tests.
//
// Outcomes (docs/results-format.md, misuse.json):
//   allowed     it works, as it does for a Task (message: what was observed)
//   detected    refused with an exception (exception: its type; message: its what())
//   undetected  the misuse goes unnoticed: a wrong result, or undefined behaviour in a
//               design that does not check; such cases are not run, and the message
//               says "undefined behaviour (unchecked design; not run)"
// A form that cannot express a rule has no entry for it.
#pragma once

#include <cxxabi.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <future>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <typeinfo>
#include <utility>
#include <vector>

#include "forms.hpp"
#include "vtb/pooling.hpp"
#include "vtb/run_loop.hpp"
#include "vtb/sync_wait.hpp"
#include "vtb/task.hpp"
#include "vtb/thread_pool.hpp"
#include "vtb/value_task.hpp"
#include "vtb/value_task_source.hpp"

namespace vtb::scenarios::misuse {

enum class outcome { allowed, detected, undetected };

inline constexpr std::string_view to_string(outcome result) {
    switch (result) {
        case outcome::allowed:
            return "allowed";
        case outcome::detected:
            return "detected";
        case outcome::undetected:
            return "undetected";
    }
    return "undetected";
}

struct cell {
    misuse::outcome outcome = outcome::undetected;
    std::string exception;  // the exception's type when detected, else empty
    std::string message;
};

struct rule_result {
    std::string_view rule;
    std::string_view claim;
    std::string_view description;
    std::vector<std::pair<std::string_view, cell>> results;  // by form name, in column order

    void add(const form& column, cell result) { results.emplace_back(column.name, std::move(result)); }
};

// The columns, in order: every form (forms.hpp) but the fiber, which has no rules of use.
inline constexpr std::array<form, 8> columns{forms::task,
                                             forms::value_task_inline,
                                             forms::value_task_wrapping_task,
                                             forms::value_task_source,
                                             forms::pooled_value_task,
                                             forms::source_core,
                                             forms::std_future,
                                             forms::asio_awaitable};

inline constexpr std::string_view not_run_message = "undefined behaviour (unchecked design; not run)";

namespace detail {

inline constexpr int expected_value = 42;
inline constexpr std::chrono::milliseconds completion_delay{20};

inline std::string type_name(const std::exception& error) {
    const char* mangled = typeid(error).name();
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                                     std::free);
    return status == 0 ? std::string(demangled.get()) : std::string(mangled);
}

// Runs one case: what it returns when nothing is thrown, or `detected` with the exception.
template <class Case>
cell attempt(Case&& run_case) {
    try {
        return run_case();
    } catch (const std::exception& error) {
        return {outcome::detected, type_name(error), error.what()};
    }
}

inline cell observed(bool as_expected, std::string what) {
    return {as_expected ? outcome::allowed : outcome::undetected, "", std::move(what)};
}

inline cell not_run() { return {outcome::undetected, "", std::string(not_run_message)}; }

inline std::string values_text(std::initializer_list<int> values) {
    std::string text;
    for (int value : values) text += (text.empty() ? "" : ", ") + std::to_string(value);
    return text;
}

inline Task<int> task_later(run_loop& loop) {
    co_await loop.schedule();
    co_return expected_value;
}

inline pooled_value_task<int> pooled_later(run_loop& loop) {
    co_await loop.schedule();
    co_return expected_value;
}

inline pooled_value_task<int> pooled_now() { co_return expected_value; }

inline Task<int> await_task(const Task<int>& task) { co_return co_await task; }

inline Task<int> await_value_task(ValueTask<int>& value_task) { co_return co_await value_task; }

// The four ValueTask columns. A pooled_value_task<int> is held as the ValueTask<int> it
// derives from (it adds nothing but the frame's pooling).
enum class value_task_kind { inline_value, wrapping_task, source, pooled };

struct value_task_column {
    const form& shape;
    value_task_kind kind;
};

inline constexpr std::array<value_task_column, 4> value_task_columns = {{
    {forms::value_task_inline, value_task_kind::inline_value},
    {forms::value_task_wrapping_task, value_task_kind::wrapping_task},
    {forms::value_task_source, value_task_kind::source},
    {forms::pooled_value_task, value_task_kind::pooled},
}};

// Makes the ValueTasks of one case: completed ones, or pending ones that the loop
// completes (a source by a work item standing for I/O). Its destructor runs the loop
// dry, so whatever a case left pending completes and frees its memory.
class value_task_maker {
public:
    using source = value_task_source_pool<int>::source;

    value_task_maker() = default;
    value_task_maker(const value_task_maker&) = delete;
    value_task_maker& operator=(const value_task_maker&) = delete;
    ~value_task_maker() { loop_.run(); }

    run_loop& loop() noexcept { return loop_; }
    value_task_source_pool<int>& pool() noexcept { return pool_; }

    ValueTask<int> completed(value_task_kind kind) {
        switch (kind) {
            case value_task_kind::inline_value:
                return ValueTask<int>(expected_value);
            case value_task_kind::wrapping_task:
                return ValueTask<int>(Task<int>::from_result(expected_value));
            case value_task_kind::source: {
                source& rented = rent();
                rented.set_result(expected_value);
                return rented.task();
            }
            case value_task_kind::pooled:
                return pooled_now();
        }
        throw std::logic_error("value_task_maker: unknown kind");
    }

    // A ValueTask holding its value is never pending: that kind gets a completed one.
    ValueTask<int> pending_if_possible(value_task_kind kind) {
        switch (kind) {
            case value_task_kind::inline_value:
                return completed(kind);
            case value_task_kind::wrapping_task:
                return ValueTask<int>(task_later(loop_));
            case value_task_kind::source: {
                source& rented = rent();
                auto& completion = completions_.emplace_back(std::make_unique<source_completion>(rented));
                loop_.post(*completion);
                return rented.task();
            }
            case value_task_kind::pooled:
                return pooled_later(loop_);
        }
        throw std::logic_error("value_task_maker: unknown kind");
    }

private:
    struct source_completion : run_loop::work_item {
        explicit source_completion(source& pending) noexcept : pending(&pending) {
            execute = [](run_loop::work_item* item) {
                static_cast<source_completion*>(item)->pending->set_result(expected_value);
            };
        }
        source* pending;
    };

    source& rent() {
        source* rented = pool_.rent();
        if (rented == nullptr) throw std::logic_error("value_task_maker: the source pool is exhausted");
        return *rented;
    }

    // Declared before the loop: the loop runs dry (in the destructor) while they exist.
    value_task_source_pool<int> pool_{4};
    std::vector<std::unique_ptr<source_completion>> completions_;
    run_loop loop_;
};

// Adds a cell per ValueTask column; `pending_only` skips the inline one (never pending).
template <class Case>
void for_value_tasks(rule_result& rule, bool pending_only, Case&& run_case) {
    for (const value_task_column& column : value_task_columns) {
        if (pending_only && column.kind == value_task_kind::inline_value) continue;
        rule.add(column.shape, attempt([&] {
                     value_task_maker maker;
                     return run_case(maker, column.kind);
                 }));
    }
}

inline rule_result await_twice() {
    rule_result rule{"await_twice", "C8", "await the same instance a second time, after the first await returned", {}};
    rule.add(forms::task, attempt([] {
                 run_loop loop;
                 Task<int> task = task_later(loop);
                 const int first = sync_wait(loop, task);
                 const int second = sync_wait(loop, task);
                 return observed(first == expected_value && second == expected_value,
                                 "both awaits returned " + values_text({first, second}));
             }));
    for_value_tasks(rule, false, [](value_task_maker& maker, value_task_kind kind) {
        ValueTask<int> value_task = maker.pending_if_possible(kind);
        const int first = sync_wait(maker.loop(), value_task);
        const int second = sync_wait(maker.loop(), value_task);
        return observed(first == expected_value && second == expected_value,
                        "both awaits returned " + values_text({first, second}));
    });
    rule.add(forms::std_future, attempt([] {
                 std::promise<int> promise;
                 std::future<int> future = promise.get_future();
                 promise.set_value(expected_value);
                 const int first = future.get();
                 const int second = future.get();
                 return observed(first == expected_value && second == expected_value,
                                 "both get() calls returned " + values_text({first, second}));
             }));
    rule.add(forms::asio_awaitable, not_run());
    return rule;
}

inline rule_result await_after_as_task() {
    rule_result rule{"await_after_as_task", "C8", "await the instance after as_task() converted it", {}};
    for_value_tasks(rule, false, [](value_task_maker& maker, value_task_kind kind) {
        ValueTask<int> value_task = maker.pending_if_possible(kind);
        Task<int> converted = value_task.as_task();
        const int awaited = sync_wait(maker.loop(), value_task);
        return observed(awaited == expected_value, "the await returned " + std::to_string(awaited));
    });
    rule.add(forms::std_future, attempt([] {
                 std::promise<int> promise;
                 std::future<int> future = promise.get_future();
                 std::shared_future<int> shared = future.share();
                 promise.set_value(expected_value);
                 const int got = future.get();
                 return observed(got == expected_value,
                                 "get() on the original after share() returned " + std::to_string(got));
             }));
    return rule;
}

inline rule_result use_after_move() {
    rule_result rule{"use_after_move", "C8", "await the moved-from instance", {}};
    rule.add(forms::task, attempt([] {
                 run_loop loop;
                 Task<int> task = Task<int>::from_result(expected_value);
                 Task<int> moved_to = std::move(task);
                 const int got = sync_wait(loop, task);
                 return observed(got == expected_value, "the await returned " + std::to_string(got));
             }));
    for_value_tasks(rule, false, [](value_task_maker& maker, value_task_kind kind) {
        ValueTask<int> value_task = maker.pending_if_possible(kind);
        ValueTask<int> moved_to = std::move(value_task);
        const int got = sync_wait(maker.loop(), value_task);
        return observed(got == expected_value, "the await returned " + std::to_string(got));
    });
    rule.add(forms::std_future, attempt([] {
                 std::promise<int> promise;
                 std::future<int> future = promise.get_future();
                 std::future<int> moved_to = std::move(future);
                 promise.set_value(expected_value);
                 const int got = future.get();
                 return observed(got == expected_value, "get() returned " + std::to_string(got));
             }));
    rule.add(forms::asio_awaitable, not_run());
    return rule;
}

inline Task<int> value_on_pool_later(thread_pool& pool) {
    co_await pool.schedule();
    std::this_thread::sleep_for(completion_delay);
    co_return expected_value;
}

inline rule_result result_before_completion() {
    rule_result rule{
        "result_before_completion", "C8", "read the result of an instance that has not completed (block on it)", {}};
    rule.add(forms::task, attempt([] {
                 thread_pool pool(1);
                 Task<int> task = value_on_pool_later(pool);
                 const bool pending = !task.is_completed();
                 const int got = task.result();
                 return observed(
                     pending && got == expected_value,
                     std::string(pending ? "result() blocked until another thread completed the task, then returned "
                                         : "the task completed before result() was called (not a test of blocking); "
                                           "result() returned ") +
                         std::to_string(got));
             }));
    for_value_tasks(rule, true, [](value_task_maker& maker, value_task_kind kind) {
        ValueTask<int> value_task = maker.pending_if_possible(kind);
        const int got = value_task.result();
        return observed(got == expected_value, "result() returned " + std::to_string(got));
    });
    rule.add(forms::std_future, attempt([] {
                 std::promise<int> promise;
                 std::future<int> future = promise.get_future();
                 std::jthread completer([&promise] {
                     std::this_thread::sleep_for(completion_delay);
                     promise.set_value(expected_value);
                 });
                 const bool pending = future.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
                 const int got = future.get();
                 return observed(
                     pending && got == expected_value,
                     std::string(pending ? "get() blocked until another thread set the value, then returned "
                                         : "the value was set before get() was called; get() returned ") +
                         std::to_string(got));
             }));
    return rule;
}

inline rule_result concurrent_await() {
    rule_result rule{"concurrent_await", "C8", "a second awaiter on a pending instance while the first waits", {}};
    rule.add(forms::task, attempt([] {
                 run_loop loop;
                 Task<int> task = task_later(loop);
                 Task<int> first = await_task(task);
                 Task<int> second = await_task(task);
                 const int first_value = sync_wait(loop, first);
                 const int second_value = sync_wait(loop, second);
                 return observed(first_value == expected_value && second_value == expected_value,
                                 "both awaiters received " + values_text({first_value, second_value}));
             }));
    for_value_tasks(rule, true, [](value_task_maker& maker, value_task_kind kind) {
        ValueTask<int> value_task = maker.pending_if_possible(kind);
        Task<int> first = await_value_task(value_task);
        Task<int> second = await_value_task(value_task);
        // The first awaiter must finish before value_task goes out of scope.
        const int first_value = sync_wait(maker.loop(), first);
        const int second_value = sync_wait(maker.loop(), second);
        return observed(first_value == expected_value && second_value == expected_value,
                        "both awaiters received " + values_text({first_value, second_value}));
    });
    rule.add(forms::std_future, not_run());
    rule.add(forms::asio_awaitable, not_run());
    return rule;
}

inline rule_result stale_token() {
    rule_result rule{"stale_token",
                     "C8",
                     "await a second instance for the same source operation (a .NET struct copy) after the "
                     "operation ended and the source was reused",
                     {}};
    rule.add(forms::value_task_source, attempt([] {
                 run_loop loop;
                 value_task_source_pool<int> pool(1);
                 value_task_source_pool<int>::source* rented = pool.rent();
                 ValueTask<int> original = rented->task();
                 ValueTask<int> copy = rented->task();  // same source, same token
                 rented->set_result(expected_value);
                 const int first = sync_wait(loop, original);  // ends the operation: the source is reset and returned
                 value_task_source_pool<int>::source* reused = pool.rent();
                 reused->set_result(expected_value + 1);
                 ValueTask<int> next = reused->task();
                 const int copied = sync_wait(loop, copy);
                 return observed(first == expected_value && copied == expected_value,
                                 "the copy's await returned " + std::to_string(copied) +
                                     " (the reused source's next value is " + std::to_string(next.result()) + ")");
             }));
    rule.add(forms::source_core, attempt([] {
                 ManualResetValueTaskSourceCore<int> core;
                 const std::uint16_t token = core.version();
                 core.set_result(expected_value);
                 const int first = core.get_result(token);
                 core.reset();
                 const int again = core.get_result(token);
                 return observed(first == expected_value && again == expected_value,
                                 "get_result with the old token returned " + std::to_string(again));
             }));
    return rule;
}

inline rule_result get_result_before_completion() {
    rule_result rule{"get_result_before_completion", "C8", "a source's get_result(token) before it completed", {}};
    rule.add(forms::source_core, attempt([] {
                 ManualResetValueTaskSourceCore<int> core;
                 const int got = core.get_result(core.version());
                 return observed(false, "get_result returned " + std::to_string(got) + " before any result was set");
             }));
    return rule;
}

inline rule_result second_completion() {
    rule_result rule{"second_completion", "C8", "complete one operation twice", {}};
    rule.add(forms::value_task_source, attempt([] {
                 value_task_source_pool<int> pool(1);
                 value_task_source_pool<int>::source* rented = pool.rent();
                 ValueTask<int> value_task = rented->task();
                 rented->set_result(expected_value);
                 rented->set_result(expected_value + 1);
                 const int got = value_task.result();
                 return observed(false, "both completions were accepted; the await returned " + std::to_string(got));
             }));
    rule.add(forms::source_core, attempt([] {
                 ManualResetValueTaskSourceCore<int> core;
                 core.set_result(expected_value);
                 core.set_result(expected_value + 1);
                 const int got = core.get_result(core.version());
                 return observed(false, "both completions were accepted; get_result returned " + std::to_string(got));
             }));
    rule.add(forms::std_future, attempt([] {
                 std::promise<int> promise;
                 std::future<int> future = promise.get_future();
                 promise.set_value(expected_value);
                 promise.set_value(expected_value + 1);
                 const int got = future.get();
                 return observed(false, "both set_value calls were accepted; get() returned " + std::to_string(got));
             }));
    return rule;
}

inline rule_result second_continuation() {
    rule_result rule{"second_continuation", "C8", "register a second continuation on one source operation", {}};
    rule.add(forms::source_core, attempt([] {
                 ManualResetValueTaskSourceCore<int> core;
                 int calls = 0;
                 auto count_call = [](void* state) { ++*static_cast<int*>(state); };
                 core.on_completed(count_call, &calls, core.version());
                 core.on_completed(count_call, &calls, core.version());
                 core.set_result(expected_value);
                 return observed(false,
                                 "both continuations were accepted; " + std::to_string(calls) + " ran on completion");
             }));
    return rule;
}

inline rule_result is_completed() {
    rule_result rule{
        "is_completed", "C9", "check is_completed() before reading the result; await when it is not completed", {}};
    rule.add(forms::task, attempt([] {
                 run_loop loop;
                 Task<int> task = task_later(loop);
                 const bool pending_seen = !task.is_completed();
                 const int awaited = sync_wait(loop, task);
                 const bool completed_seen = task.is_completed();
                 const int read = task.result();
                 return observed(pending_seen && completed_seen && awaited == expected_value && read == expected_value,
                                 "is_completed() was false while pending and true after; await and result() returned " +
                                     values_text({awaited, read}));
             }));
    for_value_tasks(rule, false, [](value_task_maker& maker, value_task_kind kind) {
        ValueTask<int> completed = maker.completed(kind);
        const bool completed_seen = completed.is_completed();
        const int read = completed_seen ? completed.result() : sync_wait(maker.loop(), completed);
        if (kind == value_task_kind::inline_value)
            return observed(completed_seen && read == expected_value,
                            "is_completed() was true; result() returned " + std::to_string(read));
        ValueTask<int> pending = maker.pending_if_possible(kind);
        const bool pending_seen = !pending.is_completed();
        const int awaited = pending_seen ? sync_wait(maker.loop(), pending) : pending.result();
        return observed(completed_seen && pending_seen && read == expected_value && awaited == expected_value,
                        "is_completed() was true on a completed instance (result() returned " + std::to_string(read) +
                            ") and false on a pending one (its await returned " + std::to_string(awaited) + ")");
    });
    rule.add(forms::std_future, attempt([] {
                 std::promise<int> promise;
                 std::future<int> future = promise.get_future();
                 const bool pending_seen = future.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
                 promise.set_value(expected_value);
                 const bool ready_seen = future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
                 const int got = future.get();
                 return observed(pending_seen && ready_seen && got == expected_value,
                                 "wait_for(0s) told pending from ready; get() returned " + std::to_string(got));
             }));
    return rule;
}

inline rule_result as_task_many_awaits() {
    rule_result rule{"as_task_many_awaits",
                     "C9",
                     "convert once with as_task() (std::future: share()), then await the result many times",
                     {}};
    for_value_tasks(rule, false, [](value_task_maker& maker, value_task_kind kind) {
        ValueTask<int> value_task = maker.pending_if_possible(kind);
        Task<int> task = value_task.as_task();
        const bool started_pending = !task.is_completed();
        Task<int> first = await_task(task);
        Task<int> second = await_task(task);
        const int first_value = sync_wait(maker.loop(), first);
        const int second_value = sync_wait(maker.loop(), second);
        const int third_value = sync_wait(maker.loop(), task);
        return observed(
            first_value == expected_value && second_value == expected_value && third_value == expected_value,
            std::string(started_pending ? "three awaits of the Task (two started while it was pending) returned "
                                        : "three awaits of the (completed) Task returned ") +
                values_text({first_value, second_value, third_value}));
    });
    rule.add(forms::std_future, attempt([] {
                 std::promise<int> promise;
                 std::shared_future<int> shared = promise.get_future().share();
                 promise.set_value(expected_value);
                 const int first = shared.get();
                 const int second = shared.get();
                 const int third = shared.get();
                 return observed(
                     first == expected_value && second == expected_value && third == expected_value,
                     "three get() calls on the shared_future returned " + values_text({first, second, third}));
             }));
    return rule;
}

}  // namespace detail

// Runs every case; the rules in table order.
inline std::vector<rule_result> run_all_cases() {
    return {detail::await_twice(),
            detail::await_after_as_task(),
            detail::use_after_move(),
            detail::result_before_completion(),
            detail::concurrent_await(),
            detail::stale_token(),
            detail::get_result_before_completion(),
            detail::second_completion(),
            detail::second_continuation(),
            detail::is_completed(),
            detail::as_task_many_awaits()};
}

}  // namespace vtb::scenarios::misuse
