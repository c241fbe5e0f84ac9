// tests/unit/misuse_checks_off_test.cpp: built with VTB_MISUSE_CHECKS=0 (tests/unit/CMakeLists.txt,
// target vtb_unit_tests_checks_off): ValueTask's use tracking is compiled out, and what
// .NET itself checks stays in (a source's stale token and second continuation, result()
// before completion, an empty Task).
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "test_support.hpp"
#include "vtb/vtb.hpp"

#if VTB_MISUSE_CHECKS
#error "misuse_checks_off_test.cpp must be built with VTB_MISUSE_CHECKS=0"
#endif

namespace vtb::test {
namespace {

static_assert(!misuse_checks);

TEST(MisuseChecksOff, ValueTaskUseTrackingIsCompiledOut) {
    // Awaiting an lvalue inline value twice is a misuse the tracking would catch; without
    // it both awaits read the value (an lvalue await copies, so this stays well-defined).
    ValueTask<int> value(1);
    EXPECT_EQ(await_ref<int>(value).result(), 1);
    EXPECT_EQ(await_ref<int>(value).result(), 1);
}

TEST(MisuseChecksOff, TheSourcesOwnChecksStay) {
    manual_source<int> source;
    ValueTask<int> stale = source.task();
    source.reset();
    EXPECT_TRUE(throws_invalid_operation([&] { (void)stale.result(); }, "stale token"));

    ValueTask<int> shared = source.task();
    Task<int> first = await_ref<int>(shared);
    Task<int> second = await_ref<int>(shared);  // not caught by ValueTask: by the source's CAS
    EXPECT_TRUE(throws_invalid_operation([&] { (void)second.result(); }, "second continuation"));
    source.set_result(2);
    EXPECT_EQ(first.result(), 2);
}

TEST(MisuseChecksOff, ResultBeforeCompletionAndEmptyTaskStillThrow) {
    manual_source<int> source;
    ValueTask<int> pending = source.task();
    EXPECT_TRUE(throws_invalid_operation([&] { (void)pending.result(); }, "called before completion"));
    EXPECT_TRUE(throws_invalid_operation([] { ValueTask<int> wrapped{Task<int>()}; }, "empty Task"));
    source.set_result(3);
    EXPECT_EQ(pending.result(), 3);
}

TEST(MisuseChecksOff, OrdinaryUseIsUnchanged) {
    run_loop loop;
    ValueTask<int> wrapped(value_from_loop(loop, 4));
    Task<int> awaiting = await_owned<int>(std::move(wrapped));
    loop.run();
    EXPECT_EQ(awaiting.result(), 4);
    ValueTask<std::string> text(std::string(40, 't'));
    EXPECT_EQ(text.as_task().result(), std::string(40, 't'));
}

}  // namespace
}  // namespace vtb::test
