// vtb/sync_wait.hpp: block a plain thread until an awaitable completes; for tests, drivers
// and main().
//
// sync_wait(awaitable): awaits it in a helper coroutine and blocks the calling thread until
//   it completes (another thread must complete it). Returns the result by value, or
//   rethrows.
// sync_wait(loop, awaitable): the same, but the calling thread runs `loop` meanwhile, so
//   work posted to the loop completes it; throws vtb::invalid_operation if the loop runs
//   out of work first (the awaitable waits on something the loop will never run).
//
// Cost: 1 allocation per call (the helper coroutine's frame); a mutex lock when the
// awaitable completes and one when its completion is seen, none per item the loop runs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <mutex>
#include <type_traits>
#include <utility>

#include "vtb/detail/result_storage.hpp"
#include "vtb/errors.hpp"
#include "vtb/run_loop.hpp"

namespace vtb {
namespace detail {

template <class A>
decltype(auto) get_awaiter(A&& awaitable) {
    if constexpr (requires { std::forward<A>(awaitable).operator co_await(); })
        return std::forward<A>(awaitable).operator co_await();
    else if constexpr (requires { operator co_await(std::forward<A>(awaitable)); })
        return operator co_await(std::forward<A>(awaitable));
    else
        return std::forward<A>(awaitable);
}

template <class A>
using await_result_t = decltype(get_awaiter(std::declval<A>()).await_resume());

template <class R>
class sync_wait_task {
public:
    struct promise_type : promise_return<R, promise_type> {
        result_storage<R> result;
        std::mutex mutex;
        std::condition_variable finished;
        // Set under the mutex; read without it by the loop's per-item check (see done()).
        std::atomic<bool> done{false};

        sync_wait_task get_return_object() noexcept {
            return sync_wait_task(std::coroutine_handle<promise_type>::from_promise(*this));
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        auto final_suspend() noexcept {
            struct signal {
                bool await_ready() noexcept { return false; }
                void await_suspend(std::coroutine_handle<promise_type> self) noexcept {
                    promise_type& promise = self.promise();
                    std::lock_guard lock(promise.mutex);
                    promise.done.store(true, std::memory_order_release);
                    promise.finished.notify_all();
                }
                void await_resume() noexcept {}
            };
            return signal{};
        }
        void unhandled_exception() noexcept { result.set_exception(std::current_exception()); }
    };

    sync_wait_task(sync_wait_task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    ~sync_wait_task() {
        if (handle_) handle_.destroy();
    }

    void start() { handle_.resume(); }

    // No lock while the awaitable runs: sync_wait(loop, ...) asks after every item it runs,
    // and a lock there cost about 78 instructions per item. Once done is seen, the mutex is
    // taken once, so that a completing thread has left final_suspend (and the frame holding
    // the mutex is no longer touched) before the caller may destroy it.
    bool done() {
        promise_type& promise = handle_.promise();
        if (!promise.done.load(std::memory_order_acquire)) return false;
        const std::lock_guard lock(promise.mutex);
        return true;
    }

    void wait() {
        promise_type& promise = handle_.promise();
        std::unique_lock lock(promise.mutex);
        promise.finished.wait(lock, [&] { return promise.done.load(std::memory_order_relaxed); });
    }

    R take() { return handle_.promise().result.take(); }

private:
    explicit sync_wait_task(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
    std::coroutine_handle<promise_type> handle_;
};

template <class R, class A>
sync_wait_task<R> make_sync_wait_task(A&& awaitable) {
    if constexpr (std::is_void_v<R>)
        co_await std::forward<A>(awaitable);
    else
        co_return co_await std::forward<A>(awaitable);
}

}  // namespace detail

template <class A>
auto sync_wait(A&& awaitable) {
    using result = std::remove_cvref_t<detail::await_result_t<A>>;
    auto waiter = detail::make_sync_wait_task<result>(std::forward<A>(awaitable));
    waiter.start();
    waiter.wait();
    return waiter.take();
}

template <class A>
auto sync_wait(run_loop& loop, A&& awaitable) {
    using result = std::remove_cvref_t<detail::await_result_t<A>>;
    auto waiter = detail::make_sync_wait_task<result>(std::forward<A>(awaitable));
    waiter.start();
    while (!waiter.done()) {
        if (!loop.run_one())
            throw invalid_operation("vtb::sync_wait: the run loop ran out of work before the awaitable completed");
    }
    return waiter.take();
}

}  // namespace vtb
