// vtb/value_task_source.hpp: value_task_source<T> and manual_reset_value_task_source_core<T>,
// the equivalents of .NET's IValueTaskSource<T> and ManualResetValueTaskSourceCore<T>.
//
// Semantics
// - value_task_source<T> is what a ValueTask<T> can point at instead of a Task: status,
//   on_completed and get_result, each checked against a 16-bit token, so one object can
//   serve many operations one after another (reset between them).
// - manual_reset_value_task_source_core<T> does the bookkeeping for an implementation: a
//   version bumped by reset(), the result, and one continuation. It is thread-safe in the
//   way .NET's is: one producer completes it, one consumer awaits it, in any order.
//   It throws vtb::invalid_operation on the four misuses .NET detects: a stale token,
//   get_result before completion, a second completion, a second continuation.
// - A continuation registered after completion runs at once, on the registering thread.
//
// - manual_reset_value_task_source<T> is the interface implemented by forwarding to a
//   core: a ready-made source to derive from (the pooled source does; override
//   get_result to recycle).
//
// Cost: no allocation on any path; the object is reused across operations by reset().
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "vtb/detail/result_storage.hpp"
#include "vtb/errors.hpp"

namespace vtb {

enum class value_task_source_status : unsigned char { pending, succeeded, faulted, canceled };

template <class T>
class value_task_source {
public:
    using continuation_fn = void (*)(void* state);

    virtual value_task_source_status status(std::uint16_t token) const = 0;
    // Arranges for continuation(state) to be called once the operation completes.
    virtual void on_completed(continuation_fn continuation, void* state, std::uint16_t token) = 0;
    // Returns the value or rethrows; ends the operation (an implementation may reset here).
    virtual T get_result(std::uint16_t token) = 0;

protected:
    ~value_task_source() = default;
};

template <class T>
class manual_reset_value_task_source_core {
public:
    using continuation_fn = typename value_task_source<T>::continuation_fn;

    manual_reset_value_task_source_core() = default;
    manual_reset_value_task_source_core(const manual_reset_value_task_source_core&) = delete;
    manual_reset_value_task_source_core& operator=(const manual_reset_value_task_source_core&) = delete;

    std::uint16_t version() const noexcept { return version_; }

    // Starts a new operation: bumps the version so tokens of the last one go stale.
    // Call only when no one else uses the source.
    void reset() noexcept {
        ++version_;
        result_.clear();
        completed_.store(false, std::memory_order_relaxed);
        claimed_.store(false, std::memory_order_relaxed);
        continuation_.store(nullptr, std::memory_order_relaxed);
        continuation_state_ = nullptr;
    }

    template <class... Args>
    void set_result(Args&&... args) {
        begin_completion();
        result_.set_value(std::forward<Args>(args)...);
        end_completion();
    }

    void set_exception(std::exception_ptr error) {
        if (!error) throw invalid_operation("vtb::manual_reset_value_task_source_core: set_exception with a null exception_ptr");
        begin_completion();
        result_.set_exception(std::move(error));
        end_completion();
    }

    value_task_source_status status(std::uint16_t token) const {
        check_token(token);
        if (!is_completed()) return value_task_source_status::pending;
        switch (result_.state()) {
            case detail::outcome::succeeded: return value_task_source_status::succeeded;
            case detail::outcome::canceled: return value_task_source_status::canceled;
            default: return value_task_source_status::faulted;
        }
    }

    void on_completed(continuation_fn continuation, void* state, std::uint16_t token) {
        if (continuation == nullptr) throw invalid_operation("vtb::manual_reset_value_task_source_core: null continuation");
        check_token(token);
        if (continuation_fn current = continuation_.load(std::memory_order_acquire);
            current != nullptr && current != &completed_sentinel)
            throw_second_continuation();
        continuation_state_ = state;
        continuation_fn expected = nullptr;
        if (continuation_.compare_exchange_strong(expected, continuation, std::memory_order_acq_rel,
                                                  std::memory_order_acquire))
            return;
        if (expected == &completed_sentinel) {  // completed first: run it now
            continuation(state);
            return;
        }
        throw_second_continuation();
    }

    T get_result(std::uint16_t token) {
        check_token(token);
        if (!is_completed())
            throw invalid_operation(
                "vtb::manual_reset_value_task_source_core: get_result() called before the operation completed");
        return result_.take();
    }

private:
    static void completed_sentinel(void*) {}

    // Completed once the completion is published in the continuation slot too, not just
    // flagged: a consumer that polls status() and recycles the source must not see it
    // before the producer has finished touching the slot.
    bool is_completed() const noexcept {
        return completed_.load(std::memory_order_acquire) && continuation_.load(std::memory_order_acquire) != nullptr;
    }

    [[noreturn]] static void throw_second_continuation() {
        throw invalid_operation(
            "vtb::manual_reset_value_task_source_core: a second continuation was registered; "
            "a value-task source supports one awaiter per operation");
    }

    void check_token(std::uint16_t token) const {
        if (token != version_)
            throw invalid_operation("vtb::manual_reset_value_task_source_core: stale token " + std::to_string(token) +
                                    " (current version " + std::to_string(version_) +
                                    "): the operation it named has ended and the source was reused");
    }

    void begin_completion() {
        bool expected = false;
        if (!claimed_.compare_exchange_strong(expected, true, std::memory_order_acquire))
            throw invalid_operation("vtb::manual_reset_value_task_source_core: completed twice; an operation takes one result");
    }

    void end_completion() {
        completed_.store(true, std::memory_order_release);
        continuation_fn continuation = nullptr;
        if (!continuation_.compare_exchange_strong(continuation, &completed_sentinel, std::memory_order_acq_rel,
                                                   std::memory_order_acquire))
            continuation(continuation_state_);  // stays stored: a second registration is caught
    }

    detail::result_storage<T> result_;
    std::atomic<continuation_fn> continuation_{nullptr};
    void* continuation_state_ = nullptr;
    std::atomic<bool> completed_{false};
    std::atomic<bool> claimed_{false};  // a completion has begun: the next one is a misuse
    std::uint16_t version_ = 0;
};

template <class T>
class manual_reset_value_task_source : public value_task_source<T> {
public:
    using continuation_fn = typename value_task_source<T>::continuation_fn;

    std::uint16_t version() const noexcept { return core_.version(); }
    void reset() noexcept { core_.reset(); }

    template <class... Args>
    void set_result(Args&&... args) {
        core_.set_result(std::forward<Args>(args)...);
    }
    void set_exception(std::exception_ptr error) { core_.set_exception(std::move(error)); }

    value_task_source_status status(std::uint16_t token) const override { return core_.status(token); }
    void on_completed(continuation_fn continuation, void* state, std::uint16_t token) override {
        core_.on_completed(continuation, state, token);
    }
    T get_result(std::uint16_t token) override { return core_.get_result(token); }

protected:
    ~manual_reset_value_task_source() = default;

    manual_reset_value_task_source_core<T> core_;
};

}  // namespace vtb
