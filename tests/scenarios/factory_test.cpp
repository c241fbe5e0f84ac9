// tests/scenarios/factory_test.cpp: what each factory of the factory scenario allocates
// per call, and that it makes what its name says.
#include <gtest/gtest.h>

#include <cstdint>

#include "allocation_meter.hpp"
#include "factory_kinds.hpp"
#include "vtb/errors.hpp"

namespace vtb::scenarios {
namespace {

constexpr std::uint64_t calls = 100;

template <class Kind>
measured_allocations allocations_of_calls(const Kind& make) {
    { auto first = make(); }  // first use: the cached tasks' statics
    allocation_meter meter;
    for (std::uint64_t i = 0; i < calls; ++i) {
        auto made = make();
    }
    return meter.elapsed();
}

TEST(Factory, CachedAndSingletonTasksAndInlineValueTasksAllocateNothing) {
    EXPECT_EQ(allocations_of_calls(factory_kinds::from_result_cached{}).allocs, 0u);
    EXPECT_EQ(allocations_of_calls(factory_kinds::completed_task{}).allocs, 0u);
    EXPECT_EQ(allocations_of_calls(factory_kinds::value_task_inline{}).allocs, 0u);
}

TEST(Factory, UncachedResultAndExceptionAllocateOneState) {
    const measured_allocations uncached = allocations_of_calls(factory_kinds::from_result_uncached{});
    EXPECT_EQ(uncached.allocs, calls);
    EXPECT_EQ(uncached.bytes, calls * sizeof(detail::heap_task_state<int>));
    const measured_allocations faulted = allocations_of_calls(factory_kinds::from_exception{});
    EXPECT_EQ(faulted.allocs, calls);
    EXPECT_EQ(faulted.bytes, calls * sizeof(detail::heap_task_state<int>));
}

// One state per call, like .NET's Task.FromCanceled: every canceled task shares one
// operation_canceled exception object, so its message is not allocated again.
TEST(Factory, FromCanceledAllocatesOneState) {
    const measured_allocations canceled = allocations_of_calls(factory_kinds::from_canceled{});
    EXPECT_EQ(canceled.allocs, calls);
    EXPECT_EQ(canceled.bytes, calls * sizeof(detail::heap_task_state<int>));
}

TEST(Factory, EachKindMakesWhatItsNameSays) {
    EXPECT_EQ(factory_kinds::from_result_cached{}().result(), 3);
    EXPECT_EQ(factory_kinds::from_result_cached{}(), factory_kinds::from_result_cached{}());  // one shared task
    EXPECT_EQ(factory_kinds::from_result_uncached{}().result(), 1000);
    EXPECT_NE(factory_kinds::from_result_uncached{}(), factory_kinds::from_result_uncached{}());
    EXPECT_TRUE(factory_kinds::completed_task{}().is_completed_successfully());
    EXPECT_TRUE(factory_kinds::from_exception{}().is_faulted());
    EXPECT_TRUE(factory_kinds::from_canceled{}().is_canceled());
    EXPECT_THROW(factory_kinds::from_canceled{}().result(), operation_canceled);
    EXPECT_EQ(factory_kinds::value_task_inline{}().result(), 1000);
}

}  // namespace
}  // namespace vtb::scenarios
