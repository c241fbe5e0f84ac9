// vtb/task.hpp: Task<T>, the equivalent of .NET's Task<T> (and Task<void> of Task).
//
// Semantics
// - A coroutine returning Task<T> starts eagerly: its body runs at the call until the
//   first suspension, so a body that never suspends returns a completed task (the
//   "synchronous completion" of a cache hit).
// - The result lives in a shared, reference-counted state. A Task is a handle to it: it
//   can be copied, awaited any number of times and awaited concurrently from several
//   threads. Completion racing with a new awaiter is resolved without locks; awaiters are
//   resumed on the completing thread, the last one by symmetric transfer.
// - wait() blocks a thread that is not a coroutine; result() waits, then returns the value
//   or rethrows the exception. co_await on an lvalue yields const T&, on an rvalue yields T
//   (moved out when no other handle shares the state).
// - A body that lets vtb::operation_canceled escape ends canceled (like .NET); from_canceled
//   is canceled; from_exception is always faulted, even for vtb::operation_canceled (as
//   .NET's Task.FromException).
//
// Cost (allocations per call, counted at operator new)
// - coroutine Task<T>: 1 on every path: the coroutine frame, which holds the state.
//   Neither compiler elides it (measured: GCC 12, Clang 14): the frame lives as long as
//   its reference count, which no caller can see. lazy_task is the elidable shape.
// - Task<T>::from_result: 0 for bool and for int -1..8 (cached, like .NET: one instance per
//   value, however the argument is passed), else 1.
// - Task<void>::completed_task: 0 (a singleton). from_exception, from_canceled: 1 (the
//   state; the exception object is the caller's, or for from_canceled one shared object).
// - Copying a Task: 0 (an atomic increment). Awaiting: 0.
#pragma once

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <mutex>
#include <type_traits>
#include <utility>

#include "vtb/detail/completion_list.hpp"
#include "vtb/detail/result_storage.hpp"
#include "vtb/errors.hpp"

namespace vtb {

template <class T = void>
class Task;
template <class T>
class ValueTask;

namespace detail {

// The shared state behind a Task: result, waiters and a reference count. It is embedded in
// a coroutine frame (the promise derives from it) or allocated alone by the factories.
template <class T>
class task_state {
public:
    // Never throws, but not noexcept in its type: the coroutine promise's (which calls the
    // frame's destroy, not declared noexcept) then compiles to a tail call, where a noexcept
    // function would keep a frame of its own to reach std::terminate.
    using destroy_fn = void (*)(task_state*);

    // `destroy` == nullptr makes an immortal state (the cached completed tasks).
    task_state(destroy_fn destroy, std::uint32_t initial_refs) noexcept : destroy_(destroy), refs_(initial_refs) {}
    task_state(const task_state&) = delete;
    task_state& operator=(const task_state&) = delete;

    void add_ref() noexcept {
        if (destroy_ != nullptr) refs_.fetch_add(1, std::memory_order_relaxed);
    }

    [[gnu::always_inline]] void release() noexcept {
        if (destroy_ != nullptr) release_mortal();
    }

    // release() for a state known not to be immortal (a coroutine's own reference).
    [[gnu::always_inline]] void release_mortal() noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy_(this);
    }

    bool is_completed() const noexcept { return waiters.is_completed(); }

    // Only meaningful once completed.
    ValueTaskSourceStatus state() const noexcept { return result.state(); }

    // Publishes the result (already stored in `result`) and returns the waiters to wake.
    continuation_node* complete() noexcept { return waiters.complete(); }

    // Completes from ordinary code (not a final_suspend): wakes every waiter now.
    void complete_and_wake() noexcept {
        std::coroutine_handle<> last = completion_list::wake(complete());
        last.resume();
    }

    // The result for an awaiter that holds the only handle: moved out; otherwise copied.
    // For a trivially copyable T the two are the same, so the handle count is not read.
    [[gnu::always_inline]] T take_or_copy() {
        if constexpr (std::is_void_v<T>) {
            result.get();
        } else if constexpr (std::is_trivially_copyable_v<T>) {
            return result.get();
        } else if (destroy_ != nullptr && refs_.load(std::memory_order_acquire) == 1) {
            return result.take();
        } else {
            return result.get();
        }
    }

    void wait() {
        if (is_completed()) return;
        struct blocking_waiter : continuation_node {
            std::mutex mutex;
            std::condition_variable woken;
            bool done = false;
        } waiter;
        // The waker holds the mutex while notifying, so `waiter` outlives its use.
        waiter.callback = [](continuation_node* node) noexcept {
            auto* self = static_cast<blocking_waiter*>(node);
            std::lock_guard lock(self->mutex);
            self->done = true;
            self->woken.notify_one();
        };
        if (!waiters.try_add(&waiter)) return;
        std::unique_lock lock(waiter.mutex);
        waiter.woken.wait(lock, [&] { return waiter.done; });
    }

    completion_list waiters;
    result_storage<T> result;

protected:
    ~task_state() = default;

private:
    destroy_fn destroy_;
    std::atomic<std::uint32_t> refs_;
};

// A state allocated on its own: the factories, adapters.
template <class T>
class heap_task_state final : public task_state<T> {
public:
    heap_task_state() noexcept
        : task_state<T>([](task_state<T>* self) noexcept { delete static_cast<heap_task_state*>(self); }, 1) {}
};

// A state that is never freed: the cached completed tasks.
template <class T>
class immortal_task_state final : public task_state<T> {
public:
    template <class... Args>
    explicit immortal_task_state(Args&&... args) noexcept : task_state<T>(nullptr, 1) {
        this->result.set_value(std::forward<Args>(args)...);
        this->complete();
    }
};

// The promise shared by every eager, state-holding coroutine type (Task, ValueTask,
// pooled_value_task); `Derived` adds get_return_object and, for pooling, operator new.
// References: one held by the running body (dropped at final suspend), one handed to the
// returned object.
template <class T, class Derived>
class task_promise : public task_state<T>, public promise_return<T, Derived> {
public:
    task_promise() noexcept
        : task_state<T>(
              [](task_state<T>* self) {
                  std::coroutine_handle<Derived>::from_promise(static_cast<Derived&>(*self)).destroy();
              },
              2) {}

    std::suspend_never initial_suspend() noexcept { return {}; }

    struct final_awaiter {
        bool await_ready() noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Derived> self) noexcept {
            task_state<T>& state = self.promise();
            continuation_node* waiters = state.complete();
            state.release_mortal();  // may destroy the frame: touch nothing of it below
            return completion_list::wake(waiters);
        }
        void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }

    void unhandled_exception() noexcept { this->result.set_caught_exception(std::current_exception()); }
};

// Awaits a task_state; the node lives in the awaiting coroutine's frame.
template <class T, bool Move>
class task_awaiter : continuation_node {
public:
    explicit task_awaiter(task_state<T>* state) : state_(state) {
        if (state_ == nullptr) [[unlikely]]
            detail::throw_invalid_operation("vtb::Task: awaited an empty Task (default-constructed or moved from)");
    }
    bool await_ready() const noexcept { return state_->is_completed(); }
    bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
        coroutine = awaiting.address();
        callback = nullptr;
        return state_->waiters.try_add(this);  // false: completed meanwhile, resume at once
    }
    decltype(auto) await_resume() {
        if constexpr (Move)
            return state_->take_or_copy();
        else
            return state_->result.get();
    }

private:
    task_state<T>* state_;
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
public:
    using value_type = T;
    using state_type = detail::task_state<T>;

    struct promise_type : detail::task_promise<T, promise_type> {
        Task get_return_object() noexcept { return Task(this); }
    };

    // An empty Task: awaiting or querying it throws invalid_operation.
    Task() noexcept = default;
    Task(const Task& other) noexcept : state_(other.state_) {
        if (state_ != nullptr) state_->add_ref();
    }
    Task(Task&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
    Task& operator=(Task other) noexcept {
        std::swap(state_, other.state_);
        return *this;
    }
    [[gnu::always_inline]] ~Task() {
        if (state_ != nullptr) state_->release();
    }

    // Takes over one reference to `state`.
    static Task adopt(state_type* state) noexcept { return Task(state); }

    bool valid() const noexcept { return state_ != nullptr; }

    bool is_completed() const { return checked().is_completed(); }
    bool is_completed_successfully() const { return status_is(ValueTaskSourceStatus::succeeded); }
    bool is_faulted() const { return status_is(ValueTaskSourceStatus::faulted); }
    bool is_canceled() const { return status_is(ValueTaskSourceStatus::canceled); }

    // Blocks the calling thread until the task completes. Never call it from the thread
    // that must run the completion (a run loop's own thread): that deadlocks, as in .NET.
    void wait() const { checked().wait(); }

    // Waits, then returns the value or rethrows the task's exception.
    decltype(auto) result() const {
        wait();
        return std::as_const(*state_).result.get();
    }

    auto operator co_await() const& { return detail::task_awaiter<T, false>(state_); }
    auto operator co_await() && { return detail::task_awaiter<T, true>(state_); }

    template <class U = T>
        requires(!std::is_void_v<T>)
    static Task from_result(U&& value) {
        if constexpr (std::is_same_v<T, bool>) {
            return Task(cached_bool(static_cast<bool>(value)));
        } else if constexpr (std::is_same_v<T, int>) {
            if (value >= -1 && value <= 8) return Task(cached_small_int(value));
        }
        auto* state = new detail::heap_task_state<T>();
        state->result.set_value(std::forward<U>(value));
        state->complete();
        return Task(state);
    }

    static Task completed_task() requires std::is_void_v<T> {
        static detail::immortal_task_state<void> completed;
        return Task(&completed);
    }

    static Task from_exception(std::exception_ptr error) {
        if (!error) [[unlikely]]
            detail::throw_invalid_operation("vtb::Task::from_exception: the exception_ptr is null");
        auto* state = new detail::heap_task_state<T>();
        state->result.set_exception(std::move(error));
        state->complete();
        return Task(state);
    }

    // One shared exception object serves every canceled task (exception_ptr is shared).
    static Task from_canceled() {
        static const std::exception_ptr canceled = std::make_exception_ptr(operation_canceled());
        auto* state = new detail::heap_task_state<T>();
        state->result.set_canceled(canceled);
        state->complete();
        return Task(state);
    }

    // Identity of the shared state: two handles to one task compare equal.
    friend bool operator==(const Task& a, const Task& b) noexcept { return a.state_ == b.state_; }

private:
    template <class>
    friend class ValueTask;

    explicit Task(state_type* state) noexcept : state_(state) {}

    // Not a member template: one cached pair for Task<bool>, whatever from_result deduced.
    static state_type* cached_bool(bool value) noexcept {
        static detail::immortal_task_state<bool> cached_false(false), cached_true(true);
        return value ? &cached_true : &cached_false;
    }

    static state_type* cached_small_int(int value) noexcept {
        static detail::immortal_task_state<int> cached[] = {
            detail::immortal_task_state<int>(-1), detail::immortal_task_state<int>(0),
            detail::immortal_task_state<int>(1),  detail::immortal_task_state<int>(2),
            detail::immortal_task_state<int>(3),  detail::immortal_task_state<int>(4),
            detail::immortal_task_state<int>(5),  detail::immortal_task_state<int>(6),
            detail::immortal_task_state<int>(7),  detail::immortal_task_state<int>(8)};
        return &cached[value + 1];
    }

    // A Task is a handle: its constness does not extend to the shared state.
    state_type& checked() const {
        if (state_ == nullptr) [[unlikely]]
            detail::throw_invalid_operation("vtb::Task: used an empty Task (default-constructed or moved from)");
        return *state_;
    }

    bool status_is(ValueTaskSourceStatus expected) const { return is_completed() && state_->state() == expected; }

    state_type* state_ = nullptr;
};

}  // namespace vtb
