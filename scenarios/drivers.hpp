// scenarios/drivers.hpp: how an implementation's operation is awaited, one driver per
// execution model. Each runs the whole timed loop inside one long-lived driver (a
// coroutine where the model has them), so the figures per operation are the operation's
// own: the driver's frame is allocated before the probe starts counting.
//
// A driver is called as Execution::run<Impl>(service, iterations, probe):
// - iterations: a range whose length is the operation count (benchmark::State, or a
//   test's counted_iterations);
// - probe: start()/stop() just around the loop (the allocation counters);
// - returns the checksum of every value received, which the caller checks.
#pragma once

#include <benchmark/benchmark.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdint>
#include <exception>
#include <type_traits>
#include <utility>
#include <vector>

#include "cache_service.hpp"
#include "vtb/lazy_task.hpp"
#include "vtb/sync_wait.hpp"

namespace vtb::scenarios {

// vtb's own types (and plain functions) awaited on the service's run loop from a lazy driver
// that cannot throw (a failure inside it terminates): the caller shape in which Clang can
// elide an awaited coroutine's frame, so the elision the compiler can do is measured.
struct vtb_execution {
    template <class Impl, class Payload, class Iterations, class Probe>
    static std::uint64_t run(cache_service<Payload>& service, Iterations& iterations, Probe& probe) {
        return sync_wait(service.loop(), drive<Impl>(service, iterations, probe));
    }

private:
    template <class Impl, class Payload, class Iterations, class Probe>
    static lazy_task<std::uint64_t, lazy_exceptions::terminate> drive(cache_service<Payload>& service,
                                                                      Iterations& iterations, Probe& probe) {
        using traits = payload_traits<Payload>;
        std::uint64_t checksum = 0;
        probe.start();
        for ([[maybe_unused]] auto _ : iterations) {
            if constexpr (std::is_same_v<decltype(Impl::get_message(service, 0)), Payload>) {
                Payload value = Impl::get_message(service, service.next_key());
                checksum += traits::checksum(value);
            } else {
                Payload value = co_await Impl::get_message(service, service.next_key());
                checksum += traits::checksum(value);
            }
        }
        probe.stop();
        co_return checksum;
    }
};

// std::future: the caller runs the loop (which completes the promise), then get()s.
struct future_execution {
    template <class Impl, class Payload, class Iterations, class Probe>
    static std::uint64_t run(cache_service<Payload>& service, Iterations& iterations, Probe& probe) {
        using traits = payload_traits<Payload>;
        std::uint64_t checksum = 0;
        probe.start();
        for ([[maybe_unused]] auto _ : iterations) {
            auto future = Impl::get_message(service, service.next_key());
            service.loop().run();
            checksum += traits::checksum(future.get());
        }
        probe.stop();
        return checksum;
    }
};

// asio::awaitable: a driver coroutine co_spawned on an io_context, which plays the loop.
struct asio_execution {
    template <class Impl, class Payload, class Iterations, class Probe>
    static std::uint64_t run(cache_service<Payload>& service, Iterations& iterations, Probe& probe) {
        asio::io_context io(1);
        std::uint64_t checksum = 0;
        std::exception_ptr failure;
        asio::co_spawn(io, drive<Impl>(service, iterations, probe, checksum),
                       [&failure](std::exception_ptr error) { failure = error; });
        io.run();
        if (failure) std::rethrow_exception(failure);
        return checksum;
    }

private:
    template <class Impl, class Payload, class Iterations, class Probe>
    static asio::awaitable<void> drive(cache_service<Payload>& service, Iterations& iterations, Probe& probe,
                                       std::uint64_t& checksum) {
        using traits = payload_traits<Payload>;
        // asio recycles frames and operations through caches of the thread running the
        // io_context, which start empty with every io_context: one hit and one miss warm
        // them, so the loop measures the steady state (as the other drivers do).
        std::vector<int> warm_up_keys;
        service.for_each_warm_up_key([&](int key) { warm_up_keys.push_back(key); });
        for (int key : warm_up_keys) static_cast<void>(co_await Impl::get_message(service, key));
        probe.start();
        for ([[maybe_unused]] auto _ : iterations) {
            Payload value = co_await Impl::get_message(service, service.next_key());
            checksum += traits::checksum(value);
        }
        probe.stop();
    }
};

}  // namespace vtb::scenarios
