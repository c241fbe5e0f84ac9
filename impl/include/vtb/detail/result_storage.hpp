// vtb/detail/result_storage.hpp: the outcome of an operation: a value (none for void),
// an exception, or cancellation. Set once; read many times (get) or moved out (take).
// Its state is the public vtb::ValueTaskSourceStatus (the one status enum of the
// library): what a value-task source's status() reports is the stored state itself, with
// no mapping between two enums.
// set_exception always means faulted (.NET's Task.FromException, TrySetException);
// set_canceled means canceled (FromCanceled); set_caught_exception classifies like an
// async body's catch: vtb::operation_canceled gives canceled, anything else faulted.
// No allocation of its own; an exception_ptr is the runtime's allocation, made with
// malloc by the C++ runtime rather than operator new.
#pragma once

#include <exception>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "vtb/errors.hpp"
#include "vtb/value_task_source_status.hpp"

namespace vtb::detail {

inline bool is_cancellation(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const operation_canceled&) {
        return true;
    } catch (...) {
        return false;
    }
}

class result_error_base {
public:
    ValueTaskSourceStatus state() const noexcept { return state_; }

    // Faulted, whatever the exception is (even vtb::operation_canceled).
    void set_exception(std::exception_ptr error) noexcept {
        state_ = ValueTaskSourceStatus::faulted;
        error_ = std::move(error);
    }

    // Canceled, with `error` (a vtb::operation_canceled) as what a read rethrows.
    void set_canceled(std::exception_ptr error) noexcept {
        state_ = ValueTaskSourceStatus::canceled;
        error_ = std::move(error);
    }

    // An exception that escaped an operation's body: canceled for vtb::operation_canceled.
    void set_caught_exception(std::exception_ptr error) {
        state_ = is_cancellation(error) ? ValueTaskSourceStatus::canceled : ValueTaskSourceStatus::faulted;
        error_ = std::move(error);
    }

protected:
    [[gnu::always_inline]] void rethrow_if_failed() const {
        if (error_) [[unlikely]]
            rethrow(error_);
    }

    [[noreturn, gnu::cold, gnu::noinline]] static void rethrow(const std::exception_ptr& error) {
        std::rethrow_exception(error);
    }

    void clear_error() noexcept {
        error_ = nullptr;
        state_ = ValueTaskSourceStatus::pending;
    }

    ValueTaskSourceStatus state_ = ValueTaskSourceStatus::pending;
    std::exception_ptr error_;
};

template <class T>
class result_storage : public result_error_base {
public:
    result_storage() noexcept {}
    result_storage(const result_storage&) = delete;
    result_storage& operator=(const result_storage&) = delete;
    // Only what owns something: the value (unless trivially destructible) and, through
    // error_'s own destructor, the exception.
    ~result_storage() { destroy_value(); }

    template <class... Args>
    void set_value(Args&&... args) {
        std::construct_at(std::addressof(value_), std::forward<Args>(args)...);
        state_ = ValueTaskSourceStatus::succeeded;
    }

    const T& get() const {
        rethrow_if_failed();
        return value_;
    }

    T take() {
        rethrow_if_failed();
        return std::move(value_);
    }

    void clear() noexcept {
        destroy_value();
        clear_error();
    }

private:
    // The value, if one is stored and has a destructor to run (none to test for a trivial T).
    void destroy_value() noexcept {
        if constexpr (!std::is_trivially_destructible_v<T>) {
            if (state_ == ValueTaskSourceStatus::succeeded) std::destroy_at(std::addressof(value_));
        }
    }

    union {
        T value_;
    };
};

template <>
class result_storage<void> : public result_error_base {
public:
    void set_value() noexcept { state_ = ValueTaskSourceStatus::succeeded; }
    void get() const { rethrow_if_failed(); }
    void take() const { rethrow_if_failed(); }
    void clear() noexcept { clear_error(); }
};

// Gives a promise type return_value (or return_void) that stores into its `result`.
template <class T, class Promise>
struct promise_return {
    template <class U = T>
    void return_value(U&& value) {
        static_cast<Promise*>(this)->result.set_value(std::forward<U>(value));
    }
};

template <class Promise>
struct promise_return<void, Promise> {
    void return_void() noexcept { static_cast<Promise*>(this)->result.set_value(); }
};

}  // namespace vtb::detail
