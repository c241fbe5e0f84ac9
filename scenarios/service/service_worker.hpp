// scenarios/service/service_worker.hpp: one worker thread of the service scenario: its own
// connection, its own cache (a cache_service over pg_database: no state is shared between
// workers) and an event loop that runs `clients` concurrent client coroutines.
//
// - Event loop: vtb::run_loop for posted work, plus epoll on the connection's socket and a
//   timer heap (open loop). One turn runs every posted item, ends the turn's batch of
//   queries (pg_database::end_batch: one Sync, one write), then waits for the socket or the
//   next timer. Nothing on the loop blocks, except the `sync` implementation's miss, which
//   is a blocking query by definition.
// - A client: every request arrives through the loop (`co_await loop.schedule()`, as a
//   request read from a socket would), takes the service's next key, awaits
//   Impl::get_message, records its latency and the value's checksum. Closed loop: the next
//   request follows the answer, until the repetition's end. Open loop: requests at fixed
//   intended times (this worker's share of the rate, the clients' phases spread evenly);
//   latency is measured from the intended time, so a backlog shows in it (wrk2's method).
// - Failures: a server error, a closed socket or a wrong row throws pg_error out of run();
//   so does silence: no answer for answer_timeout while queries are outstanding.
//
// Cost per request: no allocation by the worker (latencies go to a buffer allocated at
// construction; a repetition stops early when it is full); the implementation's own.
// Per repetition: one coroutine frame per client (started before the counted window opens).
#pragma once

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "cache_service.hpp"
#include "service/pg_database.hpp"
#include "vtb/pooling.hpp"
#include "vtb/task.hpp"

namespace vtb::scenarios::service {

using clock = std::chrono::steady_clock;

enum class load_kind { closed, open };

struct repetition_plan {
    load_kind loop = load_kind::closed;
    clock::time_point start{};  // set by run()
    clock::duration length{};
    double requests_per_second = 0;  // open loop: this worker's share
};

template <class Payload>
class service_worker {
public:
    using service_type = cache_service<Payload, pg_database>;

    service_worker(const std::string& conninfo, const cache_params& params, int clients, std::size_t latency_capacity)
        : connection_(conninfo, payload_column<Payload>(), pg_connection::mode::pipeline),
          service_(params, connection_, static_cast<std::size_t>(clients)),
          clients_(clients),
          latencies_(latency_capacity),
          epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
        if (epoll_ < 0) throw pg_error(std::string("epoll_create1: ") + std::strerror(errno));
        epoll_event interest{};
        interest.events = EPOLLIN;
        if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, connection_.socket(), &interest) != 0)
            throw pg_error(std::string("epoll_ctl: ") + std::strerror(errno));
        tasks_.reserve(static_cast<std::size_t>(clients));
        sleepers_.reserve(static_cast<std::size_t>(clients));
    }
    ~service_worker() { ::close(epoll_); }
    service_worker(const service_worker&) = delete;
    service_worker& operator=(const service_worker&) = delete;

    // On the worker's thread, before the counted window: the mode the implementation's
    // miss needs, pools as large as the requests in flight, and the clients, started and
    // suspended until the loop runs.
    template <class Impl>
    void prepare(const repetition_plan& plan) {
        constexpr bool blocking = std::is_same_v<decltype(Impl::get_message(service_, 0)), Payload>;
        connection_.set_mode(blocking ? pg_connection::mode::blocking : pg_connection::mode::pipeline);
        vtb::frame_pool::set_capacity(std::max<std::size_t>(vtb::frame_pool::default_capacity, clients_));
        plan_ = plan;
        latency_count_ = 0;
        queries_at_start_ = service_.database().queries_sent();
        failure_ = nullptr;
        active_clients_ = clients_;
        for (int index = 0; index < clients_; ++index) tasks_.push_back(client<Impl>(index));
    }

    // On the worker's thread: runs the loop from `start` until every client has finished,
    // then takes the last sync points' answers (the server has counted every query by then).
    void run(clock::time_point start) {
        plan_.start = start;
        deadline_ = start + plan_.length;
        auto last_answer = clock::now();
        while (active_clients_ > 0) {
            service_.loop().run();
            if (failure_) std::rethrow_exception(failure_);
            if (connection_.current_mode() == pg_connection::mode::pipeline)
                want_write(!service_.database().end_batch());
            if (active_clients_ == 0) break;
            if (wake_due_sleepers()) continue;
            const bool waiting_for_answers = service_.database().in_flight() > 0;
            if (!waiting_for_answers && sleepers_.empty() && service_.loop().empty())
                throw std::logic_error("service_worker: clients wait for nothing");
            const clock::duration timeout =
                sleepers_.empty() ? clock::duration(answer_timeout) : sleepers_.front()->due - clock::now();
            if (wait(timeout)) {
                service_.database().deliver_answers();
                last_answer = clock::now();
            } else if (waiting_for_answers && clock::now() - last_answer > answer_timeout) {
                throw pg_error("no answer from the server within " + std::to_string(answer_timeout.count()) + " s");
            }
        }
        finished_at_ = clock::now();
        if (failure_) std::rethrow_exception(failure_);
        while (!connection_.answer_ready() && connection_.outstanding()) {
            if (!wait(answer_timeout)) throw pg_error("the server did not confirm the last batch within 10 s");
            connection_.consume();
        }
        tasks_.clear();
        checksum_expected_ += latency_count_;
        if (checksum_ != service_.expected_checksum(checksum_expected_))
            throw pg_error("wrong results: the values received do not match the messages table");
    }

    std::span<const std::int64_t> latencies() const { return {latencies_.data(), latency_count_}; }
    clock::time_point finished_at() const { return finished_at_; }
    std::uint64_t misses() const { return service_.database().queries_sent() - queries_at_start_; }
    int backend_pid() const { return connection_.backend_pid(); }

private:
    struct sleeper {
        service_worker& worker;
        clock::time_point due;
        std::coroutine_handle<> handle{};
        bool await_ready() const { return due <= clock::now(); }
        void await_suspend(std::coroutine_handle<> awaiting) {
            handle = awaiting;
            worker.sleepers_.push_back(this);
            std::push_heap(worker.sleepers_.begin(), worker.sleepers_.end(), later);
        }
        void await_resume() const noexcept {}
        static bool later(const sleeper* a, const sleeper* b) { return a->due > b->due; }
    };

    template <class Impl>
    Task<void> client(int index) {
        try {
            const auto interval = plan_.loop == load_kind::open
                                      ? std::chrono::duration_cast<clock::duration>(
                                            std::chrono::duration<double>(clients_ / plan_.requests_per_second))
                                      : clock::duration::zero();
            co_await service_.loop().schedule();  // from here on the loop runs: plan_.start is set
            clock::time_point intended = plan_.start + interval * index / clients_;
            for (;;) {
                clock::time_point sent;
                if (plan_.loop == load_kind::open) {
                    if (intended >= deadline_) break;
                    co_await sleeper{*this, intended};
                    sent = intended;
                    intended += interval;
                } else {
                    sent = clock::now();
                    if (sent >= deadline_) break;
                }
                if (latency_count_ == latencies_.size()) break;
                const int key = service_.next_key();
                if constexpr (std::is_same_v<decltype(Impl::get_message(service_, 0)), Payload>) {
                    record(Impl::get_message(service_, key), sent);
                } else {
                    record(co_await Impl::get_message(service_, key), sent);
                }
                co_await service_.loop().schedule();  // the next request arrives through the loop
            }
        } catch (...) {
            failure_ = std::current_exception();
        }
        --active_clients_;
    }

    void record(const Payload& value, clock::time_point sent) {
        latencies_[latency_count_++] =
            std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - sent).count();
        checksum_ += payload_traits<Payload>::checksum(value);
    }

    bool wake_due_sleepers() {
        bool woke = false;
        const auto now = clock::now();
        while (!sleepers_.empty() && sleepers_.front()->due <= now) {
            std::pop_heap(sleepers_.begin(), sleepers_.end(), sleeper::later);
            sleeper* due = sleepers_.back();
            sleepers_.pop_back();
            due->handle.resume();
            woke = true;
        }
        return woke;
    }

    // Waits up to `timeout` for the socket; true when it is readable (or failed: reading
    // then reports why). Writes what libpq could not write at once when it becomes writable.
    bool wait(clock::duration timeout) {
        const auto nanoseconds =
            std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count());
        const timespec limit{static_cast<time_t>(nanoseconds / 1'000'000'000),
                             static_cast<long>(nanoseconds % 1'000'000'000)};
        epoll_event event{};
        const int ready = ::epoll_pwait2(epoll_, &event, 1, &limit, nullptr);
        if (ready < 0) {
            if (errno == EINTR) return false;
            throw pg_error(std::string("epoll_pwait2: ") + std::strerror(errno));
        }
        if (ready == 0) return false;
        if (event.events & EPOLLOUT) want_write(!connection_.flush());
        return (event.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
    }

    void want_write(bool wanted) {
        if (wanted == writing_) return;
        epoll_event interest{};
        interest.events = EPOLLIN | (wanted ? static_cast<std::uint32_t>(EPOLLOUT) : 0U);
        if (::epoll_ctl(epoll_, EPOLL_CTL_MOD, connection_.socket(), &interest) != 0)
            throw pg_error(std::string("epoll_ctl: ") + std::strerror(errno));
        writing_ = wanted;
    }

    pg_connection connection_;
    service_type service_;
    int clients_;
    std::vector<std::int64_t> latencies_;  // nanoseconds, the repetition's first latency_count_
    std::size_t latency_count_ = 0;
    int epoll_;
    bool writing_ = false;
    repetition_plan plan_{};
    clock::time_point deadline_{};
    clock::time_point finished_at_{};
    std::vector<Task<void>> tasks_;
    std::vector<sleeper*> sleepers_;  // a min-heap by due time
    int active_clients_ = 0;
    std::exception_ptr failure_;
    std::uint64_t checksum_ = 0;
    std::uint64_t checksum_expected_ = 0;  // the requests answered since construction
    std::uint64_t queries_at_start_ = 0;
};

}  // namespace vtb::scenarios::service
