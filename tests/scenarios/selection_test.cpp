// cache_lookup's selection flags: taken out of argv with every other argument left in
// order, sweeps accepted by name, and each bad value (unknown name, percent outside
// 0..100, an item given twice) rejected with a message naming it.
#include "selection.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "command_line_arguments.hpp"
#include "sweeps.hpp"

namespace {

using vtb::scenarios::selection;

selection parse(command_line_arguments& arguments) {
    return vtb::scenarios::take_selection_flags(arguments.argc, arguments.argv());
}

selection parse(command_line_arguments&& arguments) { return parse(arguments); }

std::string error_for(const std::string& argument) {
    return usage_error_for(argument, [](command_line_arguments& arguments) { parse(arguments); });
}

TEST(Selection, ParsesItsFlagsAndLeavesTheRestInOrder) {
    command_line_arguments given({"--benchmark_filter=cache", "--impl=task,sync", "--hit=0,50,100", "--payload=int",
                                  "--db=async", "--iterations=10", "--implementation=x"});
    const selection parsed = parse(given);
    EXPECT_EQ(parsed.implementations, (std::vector<std::string>{"task", "sync"}));
    EXPECT_EQ(parsed.hit_percents, (std::vector<int>{0, 50, 100}));
    EXPECT_EQ(parsed.payloads, std::vector<std::string>{"int"});
    EXPECT_EQ(parsed.db_modes, std::vector<std::string>{"async"});
    EXPECT_EQ(given.left(),
              (std::vector<std::string>{"--benchmark_filter=cache", "--iterations=10", "--implementation=x"}));
}

TEST(Selection, NoFlagsSelectEverything) {
    const selection parsed = parse(command_line_arguments({}));
    EXPECT_TRUE(parsed.selects_implementation("anything"));
    EXPECT_TRUE(parsed.selects_payload("string"));
    EXPECT_TRUE(parsed.selects_db("sync"));
    EXPECT_EQ(parsed.hit_percents_or(std::array{0, 90, 100}), (std::vector<int>{0, 90, 100}));
}

TEST(Selection, NarrowsWhatIsSelected) {
    const selection parsed =
        parse(command_line_arguments({"--impl=task", "--payload=string", "--db=sync", "--hit=33"}));
    EXPECT_TRUE(parsed.selects_implementation("task"));
    EXPECT_FALSE(parsed.selects_implementation("sync"));
    EXPECT_TRUE(parsed.selects_payload("string"));
    EXPECT_FALSE(parsed.selects_payload("int"));
    EXPECT_TRUE(parsed.selects_db("sync"));
    EXPECT_FALSE(parsed.selects_db("async"));
    EXPECT_EQ(parsed.hit_percents_or(std::array{0, 100}), std::vector<int>{33});
}

TEST(Selection, TakesEverySweepByName) {
    for (const vtb::scenarios::hit_sweep& sweep : vtb::scenarios::sweeps::all) {
        const selection parsed = parse(command_line_arguments({"--hit=" + std::string(sweep.name)}));
        EXPECT_EQ(parsed.hit_percents, std::vector<int>(sweep.hit_percents.begin(), sweep.hit_percents.end()))
            << sweep.name;
    }
}

TEST(Selection, RejectsPercentsOutside0To100OrNotIntegers) {
    for (const std::string bad : {"150", "abc", "-1", "101", "1.5", "", "5x"}) {
        const std::string message = error_for("--hit=0," + bad);
        EXPECT_NE(message.find("'" + bad + "' is not a hit percent"), std::string::npos) << message;
    }
    EXPECT_EQ(error_for("--hit=0,100"), "");
}

TEST(Selection, RejectsAnItemGivenTwice) {
    EXPECT_EQ(error_for("--hit=50,50"), "--hit=50,50: '50' is given twice");
    EXPECT_EQ(error_for("--impl=task,task"), "--impl=task,task: 'task' is given twice");
    EXPECT_EQ(error_for("--payload=int,int"), "--payload=int,int: 'int' is given twice");
}

TEST(Selection, RejectsUnknownNamesNamingTheKnownOnes) {
    EXPECT_NE(error_for("--impl=task,nope").find("--impl=task,nope: unknown implementation 'nope' (known: sync, task,"),
              std::string::npos);
    EXPECT_EQ(error_for("--payload=double"), "--payload=double: unknown payload 'double' (known: int, string)");
    EXPECT_EQ(error_for("--db=never"), "--db=never: unknown db mode 'never' (known: async, sync)");
    EXPECT_EQ(error_for("--impl"), "--impl needs a value (--impl=...)");
}

TEST(Selection, UsageNamesEveryFlagAndSweep) {
    const std::string text = vtb::scenarios::selection_usage();
    for (const char* name : {"--impl=", "--hit=", "--payload=", "--db="}) EXPECT_NE(text.find(name), std::string::npos);
    for (const vtb::scenarios::hit_sweep& sweep : vtb::scenarios::sweeps::all)
        EXPECT_NE(text.find(sweep.name), std::string::npos) << sweep.name;
}

}  // namespace
