// scenarios/suspended_operations.hpp: many operations held suspended at once, one holder
// per implementation, for the footprint scenario (footprint.cpp) and its tests.
//
// A holder is constructed with the number of operations to hold and reserves the caller's
// handles up front, so what suspend_all() measures is only what each operation makes the
// implementation allocate. Every holder has
//   static constexpr std::string_view name;   // the footprint/form:<name> label (forms.hpp)
//   using handle = ...;                       // what the caller holds per operation
//   measured_allocations suspend_all();       // starts `count` operations, each left suspended
//   std::uint64_t complete_all();             // completes and destroys them: sum of their results
// complete_all() frees everything suspend_all() allocated (the tests run under ASan).
#pragma once

#include <asio/co_spawn.hpp>
#include <asio/experimental/channel.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <boost/context/fiber.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <future>
#include <memory>
#include <new>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "allocation_meter.hpp"
#include "forms.hpp"
#include "vtb/pooling.hpp"
#include "vtb/run_loop.hpp"
#include "vtb/task.hpp"
#include "vtb/value_task.hpp"

namespace vtb::scenarios {

// The value every held operation completes with (outside Task<int>'s cached -1..8).
inline constexpr int held_result = 1000;

// Coroutines that suspend on a run loop and complete when it runs them.
inline Task<int> task_parked_on(run_loop& loop) {
    co_await loop.schedule();
    co_return held_result;
}

inline pooled_value_task<int> pooled_value_task_parked_on(run_loop& loop) {
    co_await loop.schedule();
    co_return held_result;
}

// Holds handles (Task, ValueTask, pooled_value_task) whose operations a run loop completes.
// `Kind` names the row and makes one operation: static constexpr name, using handle, and
// static handle start(run_loop&), suspended on the loop or already complete.
template <class Kind>
class held_on_loop {
public:
    static constexpr std::string_view name = Kind::name;
    using handle = typename Kind::handle;

    explicit held_on_loop(std::size_t count) : count_(count) { handles_.reserve(count); }

    measured_allocations suspend_all() {
        allocation_meter meter;
        for (std::size_t i = 0; i < count_; ++i) handles_.push_back(Kind::start(loop_));
        return meter.elapsed();
    }

    // Runs the loop (if anything waits on it), then consumes every handle.
    std::uint64_t complete_all() {
        loop_.run();
        std::uint64_t sum = 0;
        for (handle& held : handles_) sum += static_cast<std::uint64_t>(held.result());
        handles_.clear();
        return sum;
    }

private:
    std::size_t count_;
    run_loop loop_;
    std::vector<handle> handles_;
};

// A Task<int> coroutine suspended on a run loop: its frame holds the state.
struct suspended_task_kind {
    static constexpr std::string_view name = forms::task.name;
    using handle = Task<int>;
    static handle start(run_loop& loop) { return task_parked_on(loop); }
};
using suspended_tasks = held_on_loop<suspended_task_kind>;

// A ValueTask<int> holding its value: nothing beyond the handle.
struct inline_value_task_kind {
    static constexpr std::string_view name = forms::value_task_inline.name;
    using handle = ValueTask<int>;
    static handle start(run_loop&) { return ValueTask<int>(held_result); }
};
using inline_value_tasks = held_on_loop<inline_value_task_kind>;

// A ValueTask<int> wrapping a suspended Task<int> coroutine (the article's miss path).
struct task_wrapping_value_task_kind {
    static constexpr std::string_view name = forms::value_task_wrapping_task.name;
    using handle = ValueTask<int>;
    static handle start(run_loop& loop) { return ValueTask<int>(task_parked_on(loop)); }
};
using task_wrapping_value_tasks = held_on_loop<task_wrapping_value_task_kind>;

// A pending ValueTask<int> from a value_task_source_pool that can lend a source to every
// operation. The pool is new, so its sources are created (and counted) here: the memory
// a pending operation holds, which a warm pool would have allocated before.
class source_value_tasks {
public:
    static constexpr std::string_view name = forms::value_task_source.name;
    using handle = ValueTask<int>;
    using source = value_task_source_pool<int>::source;

    explicit source_value_tasks(std::size_t count) : count_(count), pool_(count) {
        sources_.reserve(count);
        handles_.reserve(count);
    }

    measured_allocations suspend_all() {
        allocation_meter meter;
        for (std::size_t i = 0; i < count_; ++i) {
            source* rented = pool_.rent();
            if (rented == nullptr) throw std::logic_error("value_task_source footprint: the pool ran out of sources");
            sources_.push_back(rented);
            handles_.push_back(rented->task());
        }
        return meter.elapsed();
    }

    std::uint64_t complete_all() {
        for (source* pending : sources_) pending->set_result(held_result);
        std::uint64_t sum = 0;
        for (ValueTask<int>& handle : handles_) sum += static_cast<std::uint64_t>(handle.result());
        handles_.clear();
        sources_.clear();
        return sum;
    }

private:
    std::size_t count_;
    value_task_source_pool<int> pool_;
    std::vector<source*> sources_;
    std::vector<ValueTask<int>> handles_;
};

// A suspended pooled_value_task<int> coroutine. The calling thread's frame pool is emptied
// and disabled while they are held, so every frame is counted: a pool hands out frames
// it kept, but a suspended coroutine holds its frame all the same.
struct pooled_value_task_kind {
    static constexpr std::string_view name = forms::pooled_value_task.name;
    using handle = pooled_value_task<int>;
    static handle start(run_loop& loop) { return pooled_value_task_parked_on(loop); }
};

class pooled_value_tasks : public held_on_loop<pooled_value_task_kind> {
public:
    explicit pooled_value_tasks(std::size_t count)
        : held_on_loop<pooled_value_task_kind>(count), capacity_before_(frame_pool::capacity()) {
        frame_pool::set_capacity(0);
    }
    ~pooled_value_tasks() { frame_pool::set_capacity(capacity_before_); }
    pooled_value_tasks(const pooled_value_tasks&) = delete;
    pooled_value_tasks& operator=(const pooled_value_tasks&) = delete;

private:
    std::size_t capacity_before_;
};

// A std::promise<int> / std::future<int> pair, the promise kept to complete it.
class pending_futures {
public:
    static constexpr std::string_view name = forms::std_future.name;
    using handle = std::future<int>;

    explicit pending_futures(std::size_t count) : count_(count) {
        promises_.reserve(count);
        futures_.reserve(count);
    }

    measured_allocations suspend_all() {
        allocation_meter meter;
        for (std::size_t i = 0; i < count_; ++i) {
            futures_.push_back(promises_.emplace_back().get_future());
        }
        return meter.elapsed();
    }

    std::uint64_t complete_all() {
        for (std::promise<int>& promise : promises_) promise.set_value(held_result);
        std::uint64_t sum = 0;
        for (std::future<int>& future : futures_) sum += static_cast<std::uint64_t>(future.get());
        futures_.clear();
        promises_.clear();
        return sum;
    }

private:
    std::size_t count_;
    std::vector<std::promise<int>> promises_;
    std::vector<std::future<int>> futures_;
};

// An asio::awaitable<int> co_spawned on an io_context and suspended receiving from an
// asio channel. Counted: everything asio allocates to spawn it and park it, through
// ::operator new when asio is built with ASIO_DISABLE_STD_ALIGNED_ALLOC (the vtb_asio
// target in scenarios/CMakeLists.txt; otherwise asio uses std::aligned_alloc, which the
// counting allocator does not see). Each is spawned from outside the io_context (as the
// asio driver of drivers.hpp spawns) and polled until it parks, before the next one.
// Like every footprint figure this is what was requested to get there, and for asio that
// includes short-lived operations of the spawn, freed by the time the coroutine is
// parked (asio 1.22, GCC 12, traced with a logging operator new: 7 allocations of 1023
// bytes, of which 4 blocks of 844 bytes stay allocated while the coroutine is parked).
class parked_asio_awaitables {
public:
    static constexpr std::string_view name = forms::asio_awaitable.name;
    using handle = asio::awaitable<int>;
    using channel = asio::experimental::channel<void(asio::error_code, int)>;

    explicit parked_asio_awaitables(std::size_t count) : count_(count), io_(1), channel_(io_) {}

    measured_allocations suspend_all() {
        allocation_meter meter;
        for (std::size_t i = 0; i < count_; ++i) {
            asio::co_spawn(io_, receive_one(channel_), [this](std::exception_ptr error, int value) {
                if (error)
                    ++failed_;
                else
                    sum_ += static_cast<std::uint64_t>(value);
            });
            io_.poll();
        }
        return meter.elapsed();
    }

    std::uint64_t complete_all() {
        for (std::size_t i = 0; i < count_; ++i) {
            if (!channel_.try_send(asio::error_code(), held_result))
                throw std::logic_error("asio_awaitable footprint: a parked receiver was missing");
        }
        io_.run();
        if (failed_ != 0) throw std::logic_error("asio_awaitable footprint: a parked coroutine failed");
        return sum_;
    }

private:
    static asio::awaitable<int> receive_one(channel& from) {
        co_return co_await from.async_receive(asio::use_awaitable);
    }

    std::size_t count_;
    asio::io_context io_;
    channel channel_;
    std::uint64_t sum_ = 0;
    std::size_t failed_ = 0;
};

// What a fiber's stack allocator observed: how deep stacks were used, and whether any
// use reached the guard band at the bottom (the stack was too small).
struct fiber_stack_usage {
    std::size_t stacks = 0;
    std::size_t deepest_bytes = 0;
    std::size_t guard_breaches = 0;
};

// A Boost.Context stack allocator that takes the stack from ::operator new (so the
// counting allocator sees it) and records how much of it was used: the stack is filled
// with a pattern and, when freed, scanned for the lowest byte that changed.
class operator_new_stack {
public:
    static constexpr std::size_t guard_bytes = 64;
    static constexpr unsigned char fill_byte = 0xA5;

    operator_new_stack(std::size_t size, fiber_stack_usage& usage) : size_(size), usage_(&usage) {
        if (size <= guard_bytes)
            throw std::invalid_argument("operator_new_stack: the stack must exceed the guard band");
    }

    boost::context::stack_context allocate() {
        auto* bottom = static_cast<unsigned char*>(::operator new(size_));
        std::memset(bottom, fill_byte, size_);
        boost::context::stack_context context;
        context.size = size_;
        context.sp = bottom + size_;
        return context;
    }

    void deallocate(boost::context::stack_context& context) noexcept {
        auto* bottom = static_cast<unsigned char*>(context.sp) - context.size;
        const auto* first_used =
            std::find_if(bottom, bottom + context.size, [](unsigned char byte) { return byte != fill_byte; });
        const auto untouched = static_cast<std::size_t>(first_used - bottom);
        ++usage_->stacks;
        usage_->deepest_bytes = std::max(usage_->deepest_bytes, context.size - untouched);
        if (untouched < guard_bytes) ++usage_->guard_breaches;
        ::operator delete(bottom);
    }

private:
    std::size_t size_;
    fiber_stack_usage* usage_;
};

// AddressSanitizer's instrumented frames take more stack.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool built_with_address_sanitizer = true;
#elif defined(__has_feature)
inline constexpr bool built_with_address_sanitizer = __has_feature(address_sanitizer);
#else
inline constexpr bool built_with_address_sanitizer = false;
#endif

// A boost::context::fiber suspended in its body (it has run and switched back).
//
// Stack size: Boost.Context puts its fiber record at the top of the stack, aligned down
// to 256 bytes, and leaves 64 bytes below it; the body needs its frames and the registers
// a switch saves. Measured with operator_new_stack (the deepest byte written, over 1000
// fibers): 480 bytes with GCC 12 -O2, 464 with Clang 14 -O2, the record and its alignment
// included. A 512-byte stack reaches the 64-byte guard band; 1 KiB (the size chosen)
// leaves it untouched with room to spare. Under AddressSanitizer the same fiber uses
// about 1.1 KiB (Clang 14), so such builds use 4 KiB. The footprint scenario fails if any stack reaches the
// guard band.
//
// The first switch into and out of a fiber resolves jump_fcontext and ontop_fcontext
// through the dynamic linker, on the fiber's stack, and _dl_runtime_resolve saves the
// vector registers there: about 3.5 KiB, once per process. The constructor runs one fiber
// on a generous stack first, so the measured ones see only their own use.
class suspended_fibers {
public:
    static constexpr std::string_view name = forms::fiber.name;
    using handle = boost::context::fiber;
    static constexpr std::size_t stack_bytes = built_with_address_sanitizer ? 4096 : 1024;
    static constexpr std::size_t first_fiber_stack_bytes = 64 * 1024;

    explicit suspended_fibers(std::size_t count, std::size_t stack_size = stack_bytes)
        : count_(count), stack_size_(stack_size) {
        fibers_.reserve(count);
        fiber_stack_usage first_use;
        boost::context::fiber first(std::allocator_arg, operator_new_stack(first_fiber_stack_bytes, first_use),
                                    [](boost::context::fiber&& caller) { return std::move(caller).resume(); });
        first = std::move(first).resume();
        first = std::move(first).resume();
    }

    measured_allocations suspend_all() {
        allocation_meter meter;
        for (std::size_t i = 0; i < count_; ++i) {
            boost::context::fiber started(std::allocator_arg, operator_new_stack(stack_size_, usage_),
                                          [this](boost::context::fiber&& caller) {
                                              caller = std::move(caller).resume();
                                              sum_ += held_result;
                                              return std::move(caller);
                                          });
            fibers_.push_back(std::move(started).resume());
        }
        return meter.elapsed();
    }

    std::uint64_t complete_all() {
        for (boost::context::fiber& fiber : fibers_) {
            fiber = std::move(fiber).resume();
            if (fiber) throw std::logic_error("fiber footprint: a fiber did not finish");
        }
        fibers_.clear();
        return sum_;
    }

    const fiber_stack_usage& stack_usage() const noexcept { return usage_; }

private:
    std::size_t count_;
    std::size_t stack_size_;
    fiber_stack_usage usage_;
    std::vector<boost::context::fiber> fibers_;
    std::uint64_t sum_ = 0;
};

}  // namespace vtb::scenarios
