// The harness's own flags (--iterations, --allocator, --help, --list) and the flag
// parsing the scenarios' flags share: taken out of argv with every other argument left in
// order, and each bad value rejected with a message naming it.
#include "run_options.hpp"

#include "command_line_arguments.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace {

using vtb::harness::command_line;
using vtb::harness::flag;
using vtb::harness::usage_error;

command_line parse(command_line_arguments& arguments) {
    return vtb::harness::parse_command_line(arguments.argc, arguments.argv());
}

command_line parse(command_line_arguments&& arguments) { return parse(arguments); }

std::string error_for(const std::string& argument) {
    return usage_error_for(argument, [](command_line_arguments& arguments) { parse(arguments); });
}

TEST(RunOptions, ParsesTheHarnessFlagsAndLeavesTheRestInOrder) {
    command_line_arguments given({"--benchmark_filter=cache", "--impl=task,sync", "--iterations=1000",
                                  "--allocator=jemalloc", "--hit=0", "--benchmark_repetitions=3"});
    const command_line parsed = parse(given);
    EXPECT_EQ(parsed.options.iterations, 1000);
    EXPECT_EQ(parsed.options.expected_allocator, "jemalloc");
    EXPECT_FALSE(parsed.help);
    EXPECT_FALSE(parsed.list);
    EXPECT_EQ(given.left(), (std::vector<std::string>{"--benchmark_filter=cache", "--impl=task,sync", "--hit=0",
                                                      "--benchmark_repetitions=3"}));
    EXPECT_EQ(given.pointers[static_cast<std::size_t>(given.argc)], nullptr);
}

TEST(RunOptions, NoFlagsLeaveTheDefaults) {
    command_line_arguments given({});
    const command_line parsed = parse(given);
    EXPECT_EQ(parsed.options.iterations, 0);
    EXPECT_TRUE(parsed.options.expected_allocator.empty());
    EXPECT_EQ(given.argc, 1);
}

TEST(RunOptions, HelpAndListAreRecognised) {
    EXPECT_TRUE(parse(command_line_arguments({"--help"})).help);
    EXPECT_TRUE(parse(command_line_arguments({"-h"})).help);
    EXPECT_TRUE(parse(command_line_arguments({"--list"})).list);
}

TEST(RunOptions, RejectsUnknownOrSeveralAllocatorsNamingTheKnownOnes) {
    EXPECT_EQ(error_for("--allocator=foo"),
              "--allocator=foo: unknown allocator 'foo' (known: glibc, mimalloc, jemalloc, tcmalloc)");
    EXPECT_EQ(error_for("--allocator=glibc,mimalloc"), "--allocator=glibc,mimalloc: name exactly one allocator");
}

TEST(RunOptions, RejectsBadIterationCountsAndMissingValues) {
    EXPECT_EQ(error_for("--iterations=0"), "--iterations=0: '0' is not a positive iteration count");
    EXPECT_EQ(error_for("--iterations=many"), "--iterations=many: 'many' is not a positive iteration count");
    EXPECT_EQ(error_for("--iterations"), "--iterations needs a value (--iterations=...)");
    EXPECT_EQ(error_for("--allocator"), "--allocator needs a value (--allocator=...)");
}

TEST(RunOptions, UsageNamesEveryFlag) {
    const std::string text = vtb::harness::usage("vtbench");
    for (const char* name : {"--iterations=", "--allocator=", "--list", "--help"}) {
        EXPECT_NE(text.find(name), std::string::npos) << name;
    }
}

TEST(FlagParsing, NamesMustBeKnownAndDistinct) {
    constexpr std::array<std::string_view, 3> known{"a", "b", "c"};
    const flag given{"--x=c,a", "--x", "c,a"};
    EXPECT_EQ(vtb::harness::names_from(given, known, "thing"), (std::vector<std::string>{"c", "a"}));
    try {
        vtb::harness::names_from(flag{"--x=a,d", "--x", "a,d"}, known, "thing");
        FAIL() << "an unknown name was accepted";
    } catch (const usage_error& error) {
        EXPECT_STREQ(error.what(), "--x=a,d: unknown thing 'd' (known: a, b, c)");
    }
    try {
        vtb::harness::names_from(flag{"--x=a,b,a", "--x", "a,b,a"}, known, "thing");
        FAIL() << "a name given twice was accepted";
    } catch (const usage_error& error) {
        EXPECT_STREQ(error.what(), "--x=a,b,a: 'a' is given twice");
    }
}

TEST(FlagParsing, TakesOnlyTheNamedFlags) {
    constexpr std::array<std::string_view, 1> switches{"--on"};
    constexpr std::array<std::string_view, 1> valued{"--v"};
    command_line_arguments given({"--v=1", "--vv=2", "--on", "--on=3", "--v=4"});
    std::vector<std::string> taken;
    vtb::harness::take_flags(given.argc, given.argv(), switches, valued,
                             [&](const flag& each) { taken.emplace_back(each.text); });
    EXPECT_EQ(taken, (std::vector<std::string>{"--v=1", "--on", "--v=4"}));
    EXPECT_EQ(given.left(), (std::vector<std::string>{"--vv=2", "--on=3"}));
}

}  // namespace
