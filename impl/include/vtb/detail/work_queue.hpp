// vtb/detail/work_queue.hpp: an intrusive FIFO of work items. A work item lives in its
// owner's storage (an awaiting coroutine's frame, a pending operation), so queueing one
// costs no allocation. Not synchronised: the owner of the queue provides that. Also the
// awaiter that moves a coroutine onto any executor with post(work_item&).
#pragma once

#include <coroutine>

namespace vtb::detail {

struct work_item {
    work_item* next = nullptr;
    void (*execute)(work_item*) = nullptr;
};

class work_queue {
public:
    bool empty() const noexcept { return head_ == nullptr; }

    void push(work_item* item) noexcept {
        item->next = nullptr;
        if (tail_ != nullptr)
            tail_->next = item;
        else
            head_ = item;
        tail_ = item;
    }

    work_item* pop() noexcept {
        work_item* item = head_;
        if (item != nullptr) {
            head_ = item->next;
            if (head_ == nullptr) tail_ = nullptr;
        }
        return item;
    }

private:
    work_item* head_ = nullptr;
    work_item* tail_ = nullptr;
};

// `co_await executor.schedule()`: suspends the caller and posts it, as a work item living
// in the awaiter (so in the caller's frame), to be resumed wherever the executor runs it.
template <class Executor>
class schedule_awaiter : work_item {
public:
    explicit schedule_awaiter(Executor& executor) noexcept : executor_(executor) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting) {
        awaiting_ = awaiting;
        execute = [](work_item* self) { static_cast<schedule_awaiter*>(self)->awaiting_.resume(); };
        executor_.post(*this);
    }
    void await_resume() const noexcept {}

private:
    Executor& executor_;
    std::coroutine_handle<> awaiting_;
};

}  // namespace vtb::detail
