// scenarios/implementations.hpp: every implementation of the article's
// GetMessageAsync(id), and the one list that registers them (all_implementations).
//
// An implementation is a struct with
//   static constexpr std::string_view name;      // its --impl name and benchmark label
//   using execution = ...;                       // how it is awaited (drivers.hpp)
//   template <class Service, class Payload = payload_of<Service>>  // a cache_service of
//   static R get_message(Service&, int key);                       // any database
//   static constexpr bool pooled = true;         // only where it reuses pooled storage
//                                                // on the miss path instead of allocating
// On a hit it returns the cached value; on a miss it asks the database (asynchronous
// through the run loop by default) and stores the answer in the cache.
// Every get_message that is a plain function is always inlined into its caller, as a
// function this small is in real code: the caller then sees the object it returns (a
// ValueTask's kind, its fresh use state) and the checks on it fold; otherwise whether the
// compiler inlines it depends on its budget for the awaiting coroutine. (asio's is a
// coroutine itself.)
// Adding one: write the struct here and add it to all_implementations; every scenario,
// the vocabulary (vtbench --list) and the scripts take it from there.
#pragma once

#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <future>
#include <string_view>

#include "cache_service.hpp"
#include "drivers.hpp"
#include "type_list.hpp"
#include "vtb/lazy_task.hpp"
#include "vtb/pooling.hpp"
#include "vtb/task.hpp"
#include "vtb/value_task.hpp"

namespace vtb::scenarios {

// The miss path as a coroutine of return type R: load, store, return.
template <class R, class Service, class Payload = payload_of<Service>>
R load_and_store(Service& service, int key) {
    Payload value = co_await service.load_async(key);
    service.store(key, value);
    co_return value;
}

// The whole operation as a coroutine of return type R (C#'s `async R GetMessageAsync`).
template <class R, class Service, class Payload = payload_of<Service>>
R lookup_coroutine(Service& service, int key) {
    if (const Payload* cached = service.find(key)) co_return *cached;
    Payload value = co_await service.load_async(key);
    service.store(key, value);
    co_return value;
}

// A plain function: the floor. A miss reads the database synchronously.
struct sync_impl {
    static constexpr std::string_view name = "sync";
    using execution = vtb_execution;
    template <class Service, class Payload = payload_of<Service>>
    [[gnu::always_inline]] static Payload get_message(Service& service, int key) {
        if (const Payload* cached = service.find(key)) return *cached;
        Payload value = service.load(key);
        service.store(key, value);
        return value;
    }
};

// C#'s `async Task<T>`: a coroutine on both paths.
struct task_impl {
    static constexpr std::string_view name = "task";
    using execution = vtb_execution;
    template <class Service, class Payload = payload_of<Service>>
    [[gnu::always_inline]] static Task<Payload> get_message(Service& service, int key) {
        return lookup_coroutine<Task<Payload>>(service, key);
    }
};

// Task<T>::from_result on a hit, a coroutine on a miss.
struct task_from_result_impl {
    static constexpr std::string_view name = "task_from_result";
    using execution = vtb_execution;
    template <class Service, class Payload = payload_of<Service>>
    [[gnu::always_inline]] static Task<Payload> get_message(Service& service, int key) {
        if (const Payload* cached = service.find(key)) return Task<Payload>::from_result(*cached);
        return load_and_store<Task<Payload>>(service, key);
    }
};

// C#'s `async ValueTask<T>`, the naive form: a coroutine on both paths.
struct value_task_coroutine_impl {
    static constexpr std::string_view name = "value_task_coroutine";
    using execution = vtb_execution;
    template <class Service, class Payload = payload_of<Service>>
    [[gnu::always_inline]] static ValueTask<Payload> get_message(Service& service, int key) {
        return lookup_coroutine<ValueTask<Payload>>(service, key);
    }
};

// The article's recommendation: the value inline on a hit, a wrapped Task<T> on a miss.
struct value_task_impl {
    static constexpr std::string_view name = "value_task";
    using execution = vtb_execution;
    template <class Service, class Payload = payload_of<Service>>
    [[gnu::always_inline]] static ValueTask<Payload> get_message(Service& service, int key) {
        if (const Payload* cached = service.find(key)) return ValueTask<Payload>(*cached);
        return ValueTask<Payload>(load_and_store<Task<Payload>>(service, key));
    }
};

// The value inline on a hit, a pooled value-task source on a miss (IValueTaskSource<T>).
struct value_task_source_impl {
    static constexpr std::string_view name = "value_task_source";
    using execution = vtb_execution;
    static constexpr bool pooled = true;
    static constexpr std::size_t pool_capacity = 64;  // per thread: the service's most requests in flight

    template <class Service, class Payload = payload_of<Service>>
    [[gnu::always_inline]] static ValueTask<Payload> get_message(Service& service, int key) {
        if (const Payload* cached = service.find(key)) return ValueTask<Payload>(*cached);
        thread_local value_task_source_pool<Payload> pool(pool_capacity);
        auto* source = pool.rent();
        if (source == nullptr) return ValueTask<Payload>(load_and_store<Task<Payload>>(service, key));
        ValueTask<Payload> pending = source->task();
        service.begin_load(
            key,
            [](void* context, Service& owner, int loaded_key, Payload&& value) {
                owner.store(loaded_key, value);
                static_cast<typename value_task_source_pool<Payload>::source*>(context)->set_result(std::move(value));
            },
            source);
        return pending;
    }
};

// .NET 6's PoolingAsyncValueTaskMethodBuilder: a coroutine on both paths, frames pooled.
struct pooled_value_task_impl {
    static constexpr std::string_view name = "pooled_value_task";
    using execution = vtb_execution;
    static constexpr bool pooled = true;
    template <class Service, class Payload = payload_of<Service>>
    [[gnu::always_inline]] static pooled_value_task<Payload> get_message(Service& service, int key) {
        return lookup_coroutine<pooled_value_task<Payload>>(service, key);
    }
};

// The idiomatic C++ task: lazy, uniquely owned, destroyed by its awaiter; exceptions
// propagate through the await. The one shape whose frame Clang can elide (HALO).
struct lazy_task_impl {
    static constexpr std::string_view name = "lazy_task";
    using execution = vtb_execution;
    template <class Service, class Payload = payload_of<Service>>
    [[gnu::always_inline]] static lazy_task<Payload> get_message(Service& service, int key) {
        return lookup_coroutine<lazy_task<Payload>>(service, key);
    }
};

// std::promise / std::future, the promise completed by the run loop.
struct std_future_impl {
    static constexpr std::string_view name = "std_future";
    using execution = future_execution;
    template <class Service, class Payload = payload_of<Service>>
    [[gnu::always_inline]] static std::future<Payload> get_message(Service& service, int key) {
        std::promise<Payload> promise;
        std::future<Payload> future = promise.get_future();
        if (const Payload* cached = service.find(key)) {
            promise.set_value(*cached);
            return future;
        }
        thread_local std::promise<Payload> in_flight;  // the one request the loop will complete
        in_flight = std::move(promise);
        service.begin_load(
            key,
            [](void* context, Service& owner, int loaded_key, Payload&& value) {
                owner.store(loaded_key, value);
                static_cast<std::promise<Payload>*>(context)->set_value(std::move(value));
            },
            &in_flight);
        return future;
    }
};

// asio::awaitable<T> on an io_context (asio recycles its frames per thread); a miss
// goes through asio::post, asio's own way of completing later on the loop.
struct asio_awaitable_impl {
    static constexpr std::string_view name = "asio_awaitable";
    using execution = asio_execution;
    template <class Service, class Payload = payload_of<Service>>
    static asio::awaitable<Payload> get_message(Service& service, int key) {
        if (const Payload* cached = service.find(key)) co_return *cached;
        if (service.db() == db_mode::async)
            co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        Payload value = service.load(key);
        service.store(key, value);
        co_return value;
    }
};

// The registry: every scenario runs every implementation listed here.
using all_implementations =
    type_list<sync_impl, task_impl, task_from_result_impl, value_task_coroutine_impl, value_task_impl,
              value_task_source_impl, pooled_value_task_impl, lazy_task_impl, std_future_impl, asio_awaitable_impl>;

// Properties the vocabulary publishes. value_task: get_message returns a ValueTask (or the
// pooled ValueTask), bound by ValueTask's rules of use; pooled: declared by the struct.
template <class Result>
inline constexpr bool is_value_task_type = false;
template <class T>
inline constexpr bool is_value_task_type<ValueTask<T>> = true;
template <class T>
inline constexpr bool is_value_task_type<pooled_value_task<T>> = true;

template <class Impl>
inline constexpr bool returns_value_task =
    is_value_task_type<decltype(Impl::get_message(std::declval<cache_service<int>&>(), 0))>;

template <class Impl>
inline constexpr bool is_pooled = requires {
    requires Impl::pooled;
};

}  // namespace vtb::scenarios
