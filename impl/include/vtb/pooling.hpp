// vtb/pooling.hpp: allocation-free asynchronous paths, in the two ways .NET offers.
//
// value_task_source_pool<T>: a bounded pool of reusable value-task sources (the pattern
//   behind .NET's socket and channel ValueTasks). rent() a source, hand out its task(),
//   complete it with set_result/set_exception; the consumer's await returns it to the pool
//   (reset, so the old token goes stale). Thread-safe: a spin lock around the free list,
//   held for a few instructions (one exchange to take, one store to release; a waiter
//   spins briefly, then yields).
//   Cost: 0 allocations per operation once `capacity` sources exist; rent() returns
//   nullptr when all of them are in use (the caller falls back to an allocating path).
//
// pooled_value_task<T>: a ValueTask<T> coroutine return type whose frames come from a
//   bounded per-thread free list by size class (frame_pool), the analogue of .NET 6's
//   PoolingAsyncValueTaskMethodBuilder. Same semantics as a ValueTask<T> coroutine.
//   A body that returns a value before its first suspension moves the value into the
//   returned object and gives its frame back to the pool during the call, as .NET's builder
//   returns a ValueTask over the result without renting a box (Clang may elide that frame
//   altogether). After a suspension (or an await_suspend that declined one), or with an
//   exception, or for a T whose move may throw, the frame holds the result and goes back to
//   the pool when the instance that consumed it is destroyed.
//   Cost: 0 allocations per call in steady state (a frame freed on this thread is reused
//   by the next call of the same size class); 1 when the list is empty or the frame is
//   larger than frame_pool::max_pooled_size.
//
// frame_pool: per thread, per 64-byte size class up to 1 KiB, at most capacity() frames
//   kept (default 16, set_capacity changes the calling thread's). Memory held is bounded
//   by classes x capacity x class size (136 KiB at the default) and released at thread exit.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

#include "vtb/task.hpp"
#include "vtb/value_task.hpp"
#include "vtb/value_task_source.hpp"

namespace vtb {

class frame_pool {
public:
    static constexpr std::size_t granularity = 64;
    static constexpr std::size_t size_classes = 16;
    static constexpr std::size_t max_pooled_size = granularity * size_classes;
    static constexpr std::size_t default_capacity = 16;

    // A cached frame of the class, else a new one (rounded up to the class size).
    static void* allocate(std::size_t size) {
        if (size > max_pooled_size) return ::operator new(size);
        const std::size_t index = size_class(size);
        if (free_frame* frame = local.heads[index]) {
            local.heads[index] = frame->next;
            --local.counts[index];
            return frame;
        }
        return ::operator new(class_bytes(index));
    }

    static void deallocate(void* frame, std::size_t size) noexcept {
        if (size > max_pooled_size) return ::operator delete(frame);
        const std::size_t index = size_class(size);
        if (local.counts[index] < local.capacity) [[likely]]
            return local.push(index, frame);
        deallocate_uncached(frame, index);
    }

    // Frames kept per size class on the calling thread; lowering it frees the excess.
    static void set_capacity(std::size_t frames_per_size_class) {
        local.wanted_capacity = frames_per_size_class;
        if (local.registered) local.capacity = frames_per_size_class;
        for (std::size_t index = 0; index < size_classes; ++index) local.trim(index, frames_per_size_class);
    }
    static std::size_t capacity() { return local.wanted_capacity; }

    // Frames kept on the calling thread, all size classes.
    static std::size_t cached_frames() {
        std::size_t total = 0;
        for (std::uint32_t count : local.counts) total += count;
        return total;
    }

private:
    struct free_frame {
        free_frame* next;
    };

    // The calling thread's cache. Constant-initialised and trivially destructible, so
    // allocate and deallocate reach it with no initialisation guard. `capacity` stays 0
    // (every frame takes deallocate_uncached) until the thread's first frame is given
    // back, which registers the thread-exit cleanup, and again once that has run.
    struct cache {
        std::array<free_frame*, size_classes> heads{};
        std::array<std::uint32_t, size_classes> counts{};
        std::size_t capacity = 0;
        std::size_t wanted_capacity = default_capacity;
        bool registered = false;
        bool closed = false;  // the thread's cleanup has run

        void push(std::size_t index, void* frame) noexcept {
            heads[index] = ::new (frame) free_frame{heads[index]};
            ++counts[index];
        }

        void trim(std::size_t index, std::size_t keep) noexcept {
            while (counts[index] > keep) {
                free_frame* frame = std::exchange(heads[index], heads[index]->next);
                --counts[index];
                ::operator delete(frame);
            }
        }
    };

    // Frees the calling thread's cached frames at its exit; frames freed later on it go
    // straight to operator delete.
    struct thread_cleanup {
        ~thread_cleanup() {
            for (std::size_t index = 0; index < size_classes; ++index) local.trim(index, 0);
            local.capacity = 0;
            local.closed = true;
        }
    };

    // Out of line: the first frame given back on a thread (which registers its cleanup),
    // a full size class, capacity 0, or a thread past its cleanup.
    [[gnu::noinline]] static void deallocate_uncached(void* frame, std::size_t index) noexcept {
        if (!local.registered && !local.closed) {
            static thread_local thread_cleanup cleanup;  // constructed here: registers its destructor
            static_cast<void>(cleanup);
            local.registered = true;
            local.capacity = local.wanted_capacity;
        }
        if (local.counts[index] < local.capacity) return local.push(index, frame);
        ::operator delete(frame);
    }

    static std::size_t size_class(std::size_t size) noexcept { return size == 0 ? 0 : (size - 1) / granularity; }
    static std::size_t class_bytes(std::size_t index) noexcept { return (index + 1) * granularity; }

    static thread_local cache local;
};

inline constinit thread_local frame_pool::cache frame_pool::local{};

template <class T = void>
class pooled_value_task;

namespace detail {

// A lock for critical sections of a few instructions: cheaper than std::mutex uncontended
// (an exchange and a store, no call).
class spin_lock {
public:
    void lock() noexcept {
        if (locked_.exchange(true, std::memory_order_acquire)) [[unlikely]]
            lock_contended();
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
    // Out of line and whole (the retries too), so that an uncontended lock() is an exchange
    // and a test in its caller's code.
    [[gnu::noinline, gnu::cold]] void lock_contended() noexcept {
        do {
            for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
                if (spins >= 64) std::this_thread::yield();
#if defined(__x86_64__) || defined(__i386__)
                else
                    __builtin_ia32_pause();
#endif
            }
        } while (locked_.exchange(true, std::memory_order_acquire));
    }

    std::atomic<bool> locked_{false};
};

// The awaiter that `co_await awaitable` uses: its operator co_await's result (member or
// not), else the awaitable itself (by reference).
template <class Awaitable>
decltype(auto) awaiter_of(Awaitable&& awaitable) {
    if constexpr (requires { static_cast<Awaitable&&>(awaitable).operator co_await(); })
        return static_cast<Awaitable&&>(awaitable).operator co_await();
    else if constexpr (requires { operator co_await(static_cast<Awaitable&&>(awaitable)); })
        return operator co_await(static_cast<Awaitable&&>(awaitable));
    else
        return static_cast<Awaitable&&>(awaitable);
}

// An awaiter that tells the awaiting coroutine's promise that its body is about to
// suspend, then does what `Awaiter` (a value, or a reference to an awaiter that lives as
// long as the co_await) does.
template <class Awaiter>
struct suspension_noting_awaiter {
    Awaiter awaiter;

    bool await_ready() { return awaiter.await_ready(); }
    template <class Promise>
    decltype(auto) await_suspend(std::coroutine_handle<Promise> handle) {
        handle.promise().ramp_result = nullptr;
        return awaiter.await_suspend(handle);
    }
    decltype(auto) await_resume() { return awaiter.await_resume(); }
};

// The promise of pooled_value_task. While the body has not suspended, it knows the object
// the call will return (ramp_result): a body that completes with a value before its first
// suspension moves the value into that object and ends, giving its frame back to the pool
// at once, as .NET's builder returns a ValueTask over the result without renting a box.
// Every co_await goes through await_transform, which forgets that object before the body
// suspends (from then on the caller may move it, or the body may resume on another thread).
template <class T>
struct pooled_value_task_promise : task_promise<T, pooled_value_task_promise<T>> {
    pooled_value_task<T> get_return_object() noexcept { return pooled_value_task<T>(*this); }

    template <class Awaitable>
    auto await_transform(Awaitable&& awaitable) {
        using awaiter_type = decltype(awaiter_of(static_cast<Awaitable&&>(awaitable)));
        return suspension_noting_awaiter<awaiter_type>{awaiter_of(static_cast<Awaitable&&>(awaitable))};
    }

    // Ready (the coroutine ends and frees its frame) once the value went inline; else the
    // Task-backed completion (a result after a suspension, an exception).
    struct final_awaiter : task_promise<T, pooled_value_task_promise>::final_awaiter {
        pooled_value_task_promise& promise;
        bool await_ready() noexcept { return promise.try_complete_inline(); }
    };
    final_awaiter final_suspend() noexcept { return {{}, *this}; }

    static void* operator new(std::size_t size) { return frame_pool::allocate(size); }
    static void operator delete(void* frame, std::size_t size) noexcept { frame_pool::deallocate(frame, size); }

    ValueTask<T>* ramp_result = nullptr;

private:
    bool try_complete_inline() noexcept {
        if constexpr (std::is_void_v<T> || std::is_nothrow_move_constructible_v<T>) {
            if (ramp_result == nullptr || this->result.state() != ValueTaskSourceStatus::succeeded) return false;
            if constexpr (std::is_void_v<T>)
                ramp_result->hold_inline_result();
            else
                ramp_result->hold_inline_result(this->result.take());
            return true;
        } else {
            return false;
        }
    }
};

}  // namespace detail

template <class T>
class [[nodiscard]] pooled_value_task : public ValueTask<T> {
public:
    using promise_type = detail::pooled_value_task_promise<T>;

private:
    friend promise_type;
    // The object the ramp returns (for the promise: see pooled_value_task_promise).
    explicit pooled_value_task(promise_type& promise) : ValueTask<T>(Task<T>::adopt(&promise)) {
        promise.ramp_result = this;
    }
};

template <class T>
class value_task_source_pool {
public:
    class source final : public ManualResetValueTaskSource<T> {
    public:
        // The ValueTask for the operation in progress.
        ValueTask<T> task() noexcept { return ValueTask<T>(*this, this->version()); }

        // Ends the operation: the value is moved out (no copy), and the source is reset
        // and goes back to the pool, even when the result is an exception. A misuse
        // (stale token, not completed) throws and recycles nothing.
        T get_result(std::uint16_t token) override {
            this->core_.check_result_before_reset(token);
            if constexpr (std::is_void_v<T> || std::is_nothrow_move_constructible_v<T>) {
                if (this->core_.succeeded_before_reset()) [[likely]] {
                    if constexpr (std::is_void_v<T>) {
                        recycle();
                        return;
                    } else {
                        T value = this->core_.take_result_before_reset();
                        recycle();
                        return value;
                    }
                }
            }
            return take_and_recycle();
        }

    private:
        friend class value_task_source_pool;
        explicit source(value_task_source_pool& pool) noexcept : pool_(&pool) {}

        void recycle() noexcept {
            this->reset();
            pool_->give_back(this);
        }

        // Out of line, so that the value's path keeps no cleanup frame: an exception (rethrown
        // here), or a value whose move may throw; recycled either way.
        [[gnu::noinline]] T take_and_recycle() {
            struct recycle_on_exit {
                source* self;
                ~recycle_on_exit() { self->recycle(); }
            } recycled{this};
            return this->core_.take_result_before_reset();
        }

        value_task_source_pool* pool_;
        source* next_free_ = nullptr;
        source* next_created_ = nullptr;
    };

    explicit value_task_source_pool(std::size_t capacity) : capacity_(capacity) {}
    value_task_source_pool(const value_task_source_pool&) = delete;
    value_task_source_pool& operator=(const value_task_source_pool&) = delete;

    // Every source must have been returned (its operation consumed) by now.
    ~value_task_source_pool() {
        while (created_list_ != nullptr) delete std::exchange(created_list_, created_list_->next_created_);
    }

    // A source ready for a new operation, or nullptr when all `capacity` are in use.
    source* rent() {
        std::lock_guard hold(lock_);
        if (free_list_ != nullptr) {
            --available_;
            return std::exchange(free_list_, free_list_->next_free_);
        }
        if (created_ == capacity_) return nullptr;
        auto* fresh = new source(*this);
        fresh->next_created_ = std::exchange(created_list_, fresh);
        ++created_;
        return fresh;
    }

    std::size_t capacity() const noexcept { return capacity_; }
    std::size_t created() const {
        std::lock_guard hold(lock_);
        return created_;
    }
    std::size_t available() const {
        std::lock_guard hold(lock_);
        return available_;
    }

private:
    void give_back(source* returned) noexcept {
        std::lock_guard hold(lock_);
        returned->next_free_ = std::exchange(free_list_, returned);
        ++available_;
    }

    const std::size_t capacity_;
    mutable detail::spin_lock lock_;
    source* free_list_ = nullptr;
    source* created_list_ = nullptr;
    std::size_t created_ = 0;
    std::size_t available_ = 0;
};

}  // namespace vtb
