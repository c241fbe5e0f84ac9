// tests/scenarios/footprint_test.cpp: the holders of the footprint scenario hold what
// they claim, count it exactly, and give every operation back complete.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iostream>

#include "suspended_operations.hpp"

namespace vtb::scenarios {
namespace {

constexpr std::size_t held = 1000;
constexpr std::uint64_t all_results = held * static_cast<std::uint64_t>(held_result);

template <class Holder, class... Args>
measured_allocations hold_and_complete(Args... args) {
    Holder holder(held, args...);
    const measured_allocations made = holder.suspend_all();
    EXPECT_EQ(holder.complete_all(), all_results) << Holder::name;
    return made;
}

TEST(Footprint, InlineValueTasksHoldNothing) {
    const measured_allocations made = hold_and_complete<inline_value_tasks>();
    EXPECT_EQ(made.allocs, 0u);
    EXPECT_EQ(made.bytes, 0u);
}

TEST(Footprint, TaskCoroutinesHoldOneFrameEach) {
    const measured_allocations tasks = hold_and_complete<suspended_tasks>();
    EXPECT_EQ(tasks.allocs, held);
    EXPECT_EQ(tasks.bytes % held, 0u);
    EXPECT_GT(tasks.bytes / held, sizeof(detail::task_state<int>));  // the state lives in the frame
    const measured_allocations wrapped = hold_and_complete<task_wrapping_value_tasks>();
    EXPECT_EQ(wrapped.allocs, tasks.allocs);
    EXPECT_EQ(wrapped.bytes, tasks.bytes);
}

TEST(Footprint, PooledFramesAreCountedWhileHeldAndThePoolIsRestored) {
    const std::size_t capacity = frame_pool::capacity();
    const measured_allocations pooled = hold_and_complete<pooled_value_tasks>();
    EXPECT_EQ(pooled.allocs, held);
    EXPECT_EQ(pooled.bytes % (held * frame_pool::granularity), 0u);  // whole size classes
    EXPECT_EQ(frame_pool::capacity(), capacity);
}

TEST(Footprint, AFreshSourcePoolAllocatesOneSourcePerPendingOperation) {
    const measured_allocations sources = hold_and_complete<source_value_tasks>();
    EXPECT_EQ(sources.allocs, held);
    EXPECT_EQ(sources.bytes, held * sizeof(source_value_tasks::source));
}

TEST(Footprint, FuturesAllocateTheSharedStateAndItsResult) {
    EXPECT_EQ(hold_and_complete<pending_futures>().allocs, 2 * held);
}

TEST(Footprint, AsioCoroutinesAreCountedThroughOperatorNew) {
    const measured_allocations parked = hold_and_complete<parked_asio_awaitables>();
    EXPECT_EQ(parked.allocs, 7 * held);  // frames, co_spawn's thread and operations, the receive
    EXPECT_GT(parked.bytes, held * 512);
}

TEST(Footprint, FiberStacksComeFromOperatorNew) {
    const measured_allocations small = hold_and_complete<suspended_fibers>();
    EXPECT_EQ(small.allocs, held);
    EXPECT_EQ(small.bytes, held * suspended_fibers::stack_bytes);
    const measured_allocations large = hold_and_complete<suspended_fibers>(std::size_t{4096});
    EXPECT_EQ(large.bytes, held * 4096);
}

TEST(Footprint, TheChosenFiberStackKeepsItsGuardBandUntouched) {
    suspended_fibers fibers(held);
    fibers.suspend_all();
    fibers.complete_all();
    const fiber_stack_usage& usage = fibers.stack_usage();
    EXPECT_EQ(usage.stacks, held);
    EXPECT_EQ(usage.guard_breaches, 0u);
    EXPECT_GT(usage.deepest_bytes, 0u);
    EXPECT_LE(usage.deepest_bytes, suspended_fibers::stack_bytes - operator_new_stack::guard_bytes);
    std::cout << "fiber stack: deepest use " << usage.deepest_bytes << " of " << suspended_fibers::stack_bytes
              << " bytes\n";
}

TEST(Footprint, TheStackAllocatorNoticesAUseOfTheGuardBand) {
    fiber_stack_usage usage;
    operator_new_stack allocator(1024, usage);
    boost::context::stack_context untouched = allocator.allocate();
    allocator.deallocate(untouched);
    EXPECT_EQ(usage.guard_breaches, 0u);
    EXPECT_EQ(usage.deepest_bytes, 0u);

    boost::context::stack_context overrun = allocator.allocate();
    auto* bottom = static_cast<unsigned char*>(overrun.sp) - overrun.size;
    std::memset(bottom + 10, 0, 1);  // a write 10 bytes above the lowest address
    allocator.deallocate(overrun);
    EXPECT_EQ(usage.stacks, 2u);
    EXPECT_EQ(usage.guard_breaches, 1u);
    EXPECT_EQ(usage.deepest_bytes, 1024u - 10u);
}

}  // namespace
}  // namespace vtb::scenarios
