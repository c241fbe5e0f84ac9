// The harness's own flags (--iterations, --allocator, --help, --list) and the flag
// parsing the scenarios' flags share: taken out of argv with every other argument left in
// order, and each bad value rejected with a message naming it.
#include "run_options.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace {

using vtb::harness::command_line;
using vtb::harness::flag;
using vtb::harness::usage_error;

// argv storage that a parser may rearrange, as main's argv.
struct arguments {
    explicit arguments(std::vector<std::string> given) : text(std::move(given)) {
        text.insert(text.begin(), "vtbench");
        for (std::string& argument : text) pointers.push_back(argument.data());
        pointers.push_back(nullptr);
        argc = static_cast<int>(text.size());
    }
    command_line parse() { return vtb::harness::parse_command_line(argc, pointers.data()); }
    std::vector<std::string> left() const { return {pointers.begin() + 1, pointers.begin() + argc}; }
    std::vector<std::string> text;
    std::vector<char*> pointers;
    int argc = 0;
};

// The usage_error message for `argument`, or "" if it was accepted.
std::string error_for(const std::string& argument) {
    try {
        arguments({argument}).parse();
    } catch (const usage_error& error) {
        return error.what();
    }
    return "";
}

TEST(RunOptions, ParsesTheHarnessFlagsAndLeavesTheRestInOrder) {
    arguments given({"--benchmark_filter=cache", "--impl=task,sync", "--iterations=1000", "--allocator=jemalloc",
                     "--hit=0", "--benchmark_repetitions=3"});
    const command_line parsed = given.parse();
    EXPECT_EQ(parsed.options.iterations, 1000);
    EXPECT_EQ(parsed.options.expected_allocator, "jemalloc");
    EXPECT_FALSE(parsed.help);
    EXPECT_FALSE(parsed.list);
    EXPECT_EQ(given.left(), (std::vector<std::string>{"--benchmark_filter=cache", "--impl=task,sync", "--hit=0",
                                                      "--benchmark_repetitions=3"}));
    EXPECT_EQ(given.pointers[static_cast<std::size_t>(given.argc)], nullptr);
}

TEST(RunOptions, NoFlagsLeaveTheDefaults) {
    arguments given({});
    const command_line parsed = given.parse();
    EXPECT_EQ(parsed.options.iterations, 0);
    EXPECT_TRUE(parsed.options.expected_allocator.empty());
    EXPECT_EQ(given.argc, 1);
}

TEST(RunOptions, HelpAndListAreRecognised) {
    EXPECT_TRUE(arguments({"--help"}).parse().help);
    EXPECT_TRUE(arguments({"-h"}).parse().help);
    EXPECT_TRUE(arguments({"--list"}).parse().list);
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
    arguments given({"--v=1", "--vv=2", "--on", "--on=3", "--v=4"});
    std::vector<std::string> taken;
    vtb::harness::take_flags(given.argc, given.pointers.data(), switches, valued,
                             [&](const flag& each) { taken.emplace_back(each.text); });
    EXPECT_EQ(taken, (std::vector<std::string>{"--v=1", "--on", "--v=4"}));
    EXPECT_EQ(given.left(), (std::vector<std::string>{"--vv=2", "--on=3"}));
}

}  // namespace
