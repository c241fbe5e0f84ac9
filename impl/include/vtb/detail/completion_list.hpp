// vtb/detail/completion_list.hpp: the lock-free set of waiters on one pending result.
//
// A waiter is a continuation_node that lives in the waiter's own storage (the awaiting
// coroutine's frame, a blocked thread's stack, an adapter), so registering costs no
// allocation. The list flips once, atomically, from "pending with these waiters" to
// "completed": a waiter that loses the race to completion is told so and does not
// suspend, so no wake-up is lost and no lock is held while anything is resumed.
#pragma once

#include <atomic>
#include <coroutine>

namespace vtb::detail {

// Left uninitialised on construction (an awaiter that completes without suspending never
// touches it; every member is trivially default-constructible, the coroutine held by its
// address rather than a std::coroutine_handle, which would zero itself): the registering
// code sets `callback`, and `coroutine` when callback is null; try_add sets `next`.
struct continuation_node {
    continuation_node* next;
    // Exactly one of the two is used: a coroutine to resume (callback null), or a function to call.
    void* coroutine;  // std::coroutine_handle<>::address()
    void (*callback)(continuation_node*) noexcept;
};

class completion_list {
public:
    [[gnu::always_inline]] bool is_completed() const noexcept {
        return head_.load(std::memory_order_acquire) == completed_marker();
    }

    // Registers `node`; false when the list has already completed (do not suspend).
    [[gnu::always_inline]] bool try_add(continuation_node* node) noexcept {
        continuation_node* head = head_.load(std::memory_order_acquire);
        do {
            if (head == completed_marker()) return false;
            node->next = head;
        } while (!head_.compare_exchange_weak(head, node, std::memory_order_release, std::memory_order_acquire));
        return true;
    }

    // Marks the list completed and returns the waiters registered until then. Everything
    // written before this call is visible to a waiter that sees the list completed.
    // After it returns the owner of the list may be destroyed at any time.
    continuation_node* complete() noexcept { return head_.exchange(completed_marker(), std::memory_order_acq_rel); }

    // Wakes `waiters` in registration order: calls every callback, resumes every
    // coroutine but the last and returns the last (or a no-op handle) for the caller
    // to resume, ideally by symmetric transfer.
    static std::coroutine_handle<> wake(continuation_node* waiters) noexcept {
        continuation_node* in_order = nullptr;
        while (waiters != nullptr) {  // the list was pushed LIFO: reverse it
            continuation_node* next = waiters->next;
            waiters->next = in_order;
            in_order = waiters;
            waiters = next;
        }
        std::coroutine_handle<> pending{};
        while (in_order != nullptr) {
            continuation_node* next = in_order->next;  // `in_order` may be gone after waking
            if (in_order->callback != nullptr) {
                in_order->callback(in_order);
            } else {
                if (pending) pending.resume();
                pending = std::coroutine_handle<>::from_address(in_order->coroutine);
            }
            in_order = next;
        }
        return pending ? pending : std::noop_coroutine();
    }

private:
    static continuation_node* completed_marker() noexcept {
        static constinit continuation_node marker{};
        return &marker;
    }

    std::atomic<continuation_node*> head_{nullptr};
};

}  // namespace vtb::detail
