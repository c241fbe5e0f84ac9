// vtb/run_loop.hpp: a single-threaded run loop, the suite's stand-in for I/O completion.
//
// Work is posted as intrusive items and run in FIFO order by run_one()/run(), on the thread
// that calls them. `co_await loop.schedule()` suspends the caller and resumes it from the
// loop. Every call must come from the loop's own thread (there is no locking), which is
// what makes the suite's asynchronous path cheap enough to show the task types' own cost.
//
// Cost: no allocation: a posted item lives in its owner (the awaiting frame's awaiter).
#pragma once

#include <cstddef>

#include "vtb/detail/work_queue.hpp"

namespace vtb {

class run_loop {
public:
    using work_item = detail::work_item;

    run_loop() = default;
    run_loop(const run_loop&) = delete;
    run_loop& operator=(const run_loop&) = delete;

    // Queues `item`; it stays owned by the caller and must live until it has run.
    void post(work_item& item) noexcept { queue_.push(&item); }

    // Runs the oldest queued item; false when there was none.
    bool run_one() {
        work_item* item = queue_.pop();
        if (item == nullptr) return false;
        item->execute(item);
        return true;
    }

    // Runs until the queue is empty (including work queued meanwhile); returns items run.
    std::size_t run() {
        std::size_t ran = 0;
        while (run_one()) ++ran;
        return ran;
    }

    bool empty() const noexcept { return queue_.empty(); }

    // Resumes the awaiting coroutine from the loop.
    detail::schedule_awaiter<run_loop> schedule() noexcept { return detail::schedule_awaiter<run_loop>(*this); }

private:
    detail::work_queue queue_;
};

}  // namespace vtb
