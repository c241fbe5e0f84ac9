// vtb/detail/work_queue.hpp: an intrusive FIFO of work items. A work item lives in its
// owner's storage (an awaiting coroutine's frame, a pending operation), so queueing one
// costs no allocation. Not synchronised: the owner of the queue provides that.
#pragma once

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

}  // namespace vtb::detail
