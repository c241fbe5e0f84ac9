// vtb/value_task_source.hpp: ValueTaskSource<T> and ManualResetValueTaskSourceCore<T>,
// the equivalents of .NET's IValueTaskSource<T> and ManualResetValueTaskSourceCore<T>.
//
// Semantics
// - ValueTaskSource<T> is what a ValueTask<T> can point at instead of a Task: status,
//   on_completed and get_result, each checked against a 16-bit token, so one object can
//   serve many operations one after another (reset between them).
// - ManualResetValueTaskSourceCore<T> does the bookkeeping for an implementation: a
//   version bumped by reset(), the result, and one continuation. It is thread-safe in the
//   way .NET's is: one producer completes it, one consumer awaits it, in any order.
//   It throws vtb::invalid_operation on the four misuses .NET detects: a stale token,
//   get_result before completion, a second completion, a second continuation. The
//   second continuation is caught even when two awaiters register at once (the
//   registration CAS finds the first); the second completion is a plain check, as in
//   .NET (two producers at the same instant are a data race).
// - get_result copies the value and may be called any number of times until reset(), as
//   .NET's GetResult; take_result moves it out, for a source that resets right after
//   (the pool's), and a read after it throws invalid_operation: never a moved-from value.
// - A continuation registered after completion runs at once, on the registering thread.
//
// - ManualResetValueTaskSource<T> is the interface implemented by forwarding to a
//   core: a ready-made source to derive from (the pooled source does; override
//   get_result to recycle).
//
// Cost: no allocation on any path; the object is reused across operations by reset().
// (get_result returns a copy: for a T that owns memory, such as a long std::string, that
// copy is T's own allocation; take_result, which the pool uses, moves instead.)
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "vtb/detail/result_storage.hpp"
#include "vtb/errors.hpp"
#include "vtb/value_task_source_status.hpp"

namespace vtb {

template <class T>
class ValueTaskSource {
public:
    using continuation_fn = void (*)(void* state);

    virtual ValueTaskSourceStatus status(std::uint16_t token) const = 0;
    // Arranges for continuation(state) to be called once the operation completes.
    virtual void on_completed(continuation_fn continuation, void* state, std::uint16_t token) = 0;
    // Returns the value or rethrows; ends the operation (an implementation may reset here).
    virtual T get_result(std::uint16_t token) = 0;

protected:
    ~ValueTaskSource() = default;
};

template <class T>
class ManualResetValueTaskSourceCore {
public:
    using continuation_fn = typename ValueTaskSource<T>::continuation_fn;

    ManualResetValueTaskSourceCore() = default;
    ManualResetValueTaskSourceCore(const ManualResetValueTaskSourceCore&) = delete;
    ManualResetValueTaskSourceCore& operator=(const ManualResetValueTaskSourceCore&) = delete;

    std::uint16_t version() const noexcept { return version_; }

    // Starts a new operation: bumps the version so tokens of the last one go stale.
    // Call only when no one else uses the source.
    void reset() noexcept {
        ++version_;
        result_.clear();
        taken_ = false;
        completed_.store(false, std::memory_order_relaxed);
        continuation_.store(nullptr, std::memory_order_relaxed);
        continuation_state_ = nullptr;
    }

    template <class... Args>
    void set_result(Args&&... args) {
        check_not_completed();
        result_.set_value(std::forward<Args>(args)...);
        signal_completion();
    }

    // Faulted, or canceled for a vtb::operation_canceled (as .NET's core reports it).
    void set_exception(std::exception_ptr error) {
        if (!error) [[unlikely]]
            detail::throw_invalid_operation(
                "vtb::ManualResetValueTaskSourceCore: set_exception with a null exception_ptr");
        check_not_completed();
        result_.set_caught_exception(std::move(error));
        signal_completion();
    }

    ValueTaskSourceStatus status(std::uint16_t token) const {
        check_token(token);
        if (!is_completed()) return ValueTaskSourceStatus::pending;
        return result_.state();
    }

    void on_completed(continuation_fn continuation, void* state, std::uint16_t token) {
        if (continuation == nullptr) [[unlikely]]
            detail::throw_invalid_operation("vtb::ManualResetValueTaskSourceCore: null continuation");
        check_token(token);
        continuation_fn expected = continuation_.load(std::memory_order_acquire);
        if (expected == nullptr) {
            continuation_state_ = state;
            // The one locked instruction of a registration; it also catches a second,
            // concurrent awaiter (it finds the first one's continuation).
            if (continuation_.compare_exchange_strong(expected, continuation, std::memory_order_acq_rel,
                                                      std::memory_order_acquire))
                return;
        }
        if (expected != &completed_sentinel) throw_second_continuation();
        continuation(state);  // completed first: run it now
    }

    // The value (copied), or the stored exception rethrown. Like .NET's GetResult it may be
    // called any number of times until reset().
    T get_result(std::uint16_t token) const {
        check_result(token);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // check_result threw unless the value is set
#endif
        return result_.get();
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    }

    // Moves the value out (or rethrows), for a source that resets before anyone reads
    // again (a pool recycling its source in get_result): no copy. A later get_result or
    // take_result before reset() throws invalid_operation rather than return a moved-from value.
    T take_result(std::uint16_t token) {
        check_result(token);
        return take_checked_result();
    }

    // Throws invalid_operation if the result may not be read now with `token`: stale
    // token, not completed, or already taken by take_result.
    void check_result(std::uint16_t token) const {
        check_result_before_reset(token);
        if (taken_) [[unlikely]]
            detail::throw_invalid_operation(
                "vtb::ManualResetValueTaskSourceCore: the result was already taken (take_result); "
                "reset() before reading again");
    }

    // take_result after a successful check_result(token).
    T take_checked_result() {
        taken_ = true;
        return result_.take();
    }

    // For a source that calls reset() right after reading, before anyone can read again
    // (the pool's get_result): the checks and the move, without the taken_ bookkeeping.
    void check_result_before_reset(std::uint16_t token) const {
        check_token(token);
        if (!is_completed()) [[unlikely]]
            detail::throw_invalid_operation(
                "vtb::ManualResetValueTaskSourceCore: get_result() called before the operation completed");
    }
    T take_result_before_reset() { return result_.take(); }
    // After check_result_before_reset: completed with a value (not faulted, not canceled).
    bool succeeded_before_reset() const noexcept { return result_.state() == ValueTaskSourceStatus::succeeded; }

private:
    static void completed_sentinel(void*) {}

    // Completed once the completion is published in the continuation slot too, not just
    // flagged: a consumer that polls status() and recycles the source must not see it
    // before the producer has finished touching the slot.
    bool is_completed() const noexcept {
        return completed_.load(std::memory_order_acquire) && continuation_.load(std::memory_order_acquire) != nullptr;
    }

    [[noreturn]] static void throw_second_continuation() {
        detail::throw_invalid_operation(
            "vtb::ManualResetValueTaskSourceCore: a second continuation was registered; "
            "a value-task source supports one awaiter per operation");
    }

    [[noreturn, gnu::cold, gnu::noinline]] void throw_stale_token(std::uint16_t token) const {
        throw invalid_operation("vtb::ManualResetValueTaskSourceCore: stale token " + std::to_string(token) +
                                " (current version " + std::to_string(version_) +
                                "): the operation it named has ended and the source was reused");
    }

    void check_token(std::uint16_t token) const {
        if (token != version_) [[unlikely]]
            throw_stale_token(token);
    }

    // A plain check, as in .NET's core: a second completion after the first is caught;
    // two producers completing at the same instant are a data race (one producer per
    // operation is the contract).
    void check_not_completed() const {
        if (completed_.load(std::memory_order_relaxed)) [[unlikely]]
            detail::throw_invalid_operation(
                "vtb::ManualResetValueTaskSourceCore: completed twice; an operation takes one result");
    }

    void signal_completion() {
        completed_.store(true, std::memory_order_release);
        continuation_fn continuation = continuation_.load(std::memory_order_acquire);
        if (continuation == nullptr &&
            continuation_.compare_exchange_strong(continuation, &completed_sentinel, std::memory_order_acq_rel,
                                                  std::memory_order_acquire))
            return;
        continuation(continuation_state_);  // stays stored: a second registration is caught
    }

    detail::result_storage<T> result_;
    std::atomic<continuation_fn> continuation_{nullptr};
    void* continuation_state_ = nullptr;
    std::atomic<bool> completed_{false};
    bool taken_ = false;  // take_result moved the value out (consumer side only)
    std::uint16_t version_ = 0;
};

template <class T>
class ManualResetValueTaskSource : public ValueTaskSource<T> {
public:
    using continuation_fn = typename ValueTaskSource<T>::continuation_fn;

    std::uint16_t version() const noexcept { return core_.version(); }
    void reset() noexcept { core_.reset(); }

    template <class... Args>
    void set_result(Args&&... args) {
        core_.set_result(std::forward<Args>(args)...);
    }
    void set_exception(std::exception_ptr error) { core_.set_exception(std::move(error)); }

    ValueTaskSourceStatus status(std::uint16_t token) const override { return core_.status(token); }
    void on_completed(continuation_fn continuation, void* state, std::uint16_t token) override {
        core_.on_completed(continuation, state, token);
    }
    T get_result(std::uint16_t token) override { return core_.get_result(token); }

protected:
    ~ManualResetValueTaskSource() = default;

    ManualResetValueTaskSourceCore<T> core_;
};

}  // namespace vtb
