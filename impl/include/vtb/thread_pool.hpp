// vtb/thread_pool.hpp: a small fixed-size thread pool for the multi-threaded scenarios.
//
// Work items are queued under one mutex and run by N worker threads; `co_await
// pool.schedule()` moves the awaiting coroutine onto a worker. The destructor finishes the
// queued work, then joins the workers.
//
// Cost: no allocation per item (intrusive items); N threads at construction.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "vtb/detail/work_queue.hpp"
#include "vtb/errors.hpp"

namespace vtb {

class thread_pool {
public:
    using work_item = detail::work_item;

    explicit thread_pool(std::size_t threads) {
        if (threads == 0) throw invalid_operation("vtb::thread_pool: needs at least one thread");
        workers_.reserve(threads);
        for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    }
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    ~thread_pool() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (std::thread& worker : workers_) worker.join();
    }

    std::size_t size() const noexcept { return workers_.size(); }

    // Queues `item` for a worker; it stays owned by the caller and must live until it has run.
    void post(work_item& item) {
        {
            std::lock_guard lock(mutex_);
            queue_.push(&item);
        }
        wake_.notify_one();
    }

    // Resumes the awaiting coroutine on one of the workers.
    detail::schedule_awaiter<thread_pool> schedule() noexcept { return detail::schedule_awaiter<thread_pool>(*this); }

private:
    void work() {
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            work_item* item = queue_.pop();
            if (item == nullptr) return;  // stopping and drained
            lock.unlock();
            item->execute(item);
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    detail::work_queue queue_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace vtb
