// tests/unit/test_support.hpp: what several unit-test files share: a value-task source the
// test completes by hand, a work item that runs a lambda, an exception matcher that checks
// type and message, and the small coroutines that await things.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "vtb/vtb.hpp"

namespace vtb::test {

// A ValueTaskSource<T> completed by the test: ManualResetValueTaskSourceCore<T>
// behind the interface a ValueTask<T> points at.
template <class T>
class manual_source final : public ManualResetValueTaskSource<T> {
public:
    // The ValueTask of the operation in progress.
    ValueTask<T> task() { return ValueTask<T>(*this, this->version()); }
};

// A run_loop / thread_pool work item that calls `action` when run. Lives in the test's
// storage (a local or a coroutine frame), so posting it allocates nothing.
template <class Action>
class posted_action : public detail::work_item {
public:
    explicit posted_action(Action action) : action_(std::move(action)) {
        execute = [](detail::work_item* self) { static_cast<posted_action*>(self)->action_(); };
    }

private:
    Action action_;
};

// Success when `action` throws an Exception whose what() contains `expected_text`.
template <class Exception, class Action>
::testing::AssertionResult throws_with(Action&& action, std::string_view expected_text) {
    try {
        std::forward<Action>(action)();
    } catch (const Exception& error) {
        if (std::string_view(error.what()).find(expected_text) != std::string_view::npos)
            return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "threw the expected type, but its message \"" << error.what()
                                             << "\" does not contain \"" << expected_text << "\"";
    } catch (const std::exception& other) {
        return ::testing::AssertionFailure() << "threw another exception type: " << other.what();
    } catch (...) {
        return ::testing::AssertionFailure() << "threw something that is not a std::exception";
    }
    return ::testing::AssertionFailure() << "did not throw (expected a message containing \"" << expected_text << "\")";
}

template <class Action>
::testing::AssertionResult throws_invalid_operation(Action&& action, std::string_view expected_text) {
    return throws_with<invalid_operation>(std::forward<Action>(action), expected_text);
}

inline std::exception_ptr make_failure(const char* message = "vtb-test failure") {
    return std::make_exception_ptr(std::runtime_error(message));
}

inline std::exception_ptr make_cancellation() { return std::make_exception_ptr(operation_canceled()); }

// Awaits `awaitable`, which the caller keeps alive, and returns its result.
template <class T, class Awaitable>
Task<T> await_ref(Awaitable& awaitable) {
    co_return co_await awaitable;
}

// Takes `awaitable` over, awaits it as an rvalue and returns its result.
template <class T, class Awaitable>
Task<T> await_owned(Awaitable awaitable) {
    co_return co_await std::move(awaitable);
}

// Suspends on `loop`, then sets `done`.
inline Task<void> sets_flag_from_loop(run_loop& loop, bool& done) {
    co_await loop.schedule();
    done = true;
}

// Suspends on `loop`, then returns `value` (or, with `error` set, throws it).
template <class T>
Task<T> value_from_loop(run_loop& loop, T value, std::exception_ptr error = nullptr) {
    co_await loop.schedule();
    if (error) std::rethrow_exception(error);
    co_return value;
}

}  // namespace vtb::test
