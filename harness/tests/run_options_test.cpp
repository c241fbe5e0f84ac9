// vtbench's own flags: parsed into run_options, taken out of argv with every other
// argument left in order for Google Benchmark, and each bad value rejected with a
// message naming it.
#include "run_options.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace {

using vtb::harness::command_line;
using vtb::harness::usage_error;

constexpr std::array<std::string_view, 3> implementations{"sync", "task", "value_task"};

// argv storage that parse_command_line may rearrange, as main's argv.
struct arguments {
  explicit arguments(std::vector<std::string> given) : text(std::move(given)) {
    text.insert(text.begin(), "vtbench");
    for (std::string& argument : text) pointers.push_back(argument.data());
    pointers.push_back(nullptr);
  }
  command_line parse() {
    argc = static_cast<int>(text.size());
    return vtb::harness::parse_command_line(argc, pointers.data(), implementations);
  }
  std::vector<std::string> left_for_google_benchmark() const {
    return {pointers.begin() + 1, pointers.begin() + argc};
  }
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

TEST(run_options, parses_our_flags_and_leaves_the_rest_in_order) {
  arguments given({"--benchmark_filter=cache", "--impl=task,sync", "--hit=0,50,100", "--payload=int",
                   "--db=async", "--benchmark_repetitions=3", "--iterations=1000", "--allocator=jemalloc",
                   "--implementation=x"});
  const command_line parsed = given.parse();
  EXPECT_EQ(parsed.options.implementations, (std::vector<std::string>{"task", "sync"}));
  EXPECT_EQ(parsed.options.hit_ratios, (std::vector<int>{0, 50, 100}));
  EXPECT_EQ(parsed.options.payloads, std::vector<std::string>{"int"});
  EXPECT_EQ(parsed.options.db_modes, std::vector<std::string>{"async"});
  EXPECT_EQ(parsed.options.iterations, 1000);
  EXPECT_EQ(parsed.options.expected_allocator, "jemalloc");
  EXPECT_FALSE(parsed.help);
  EXPECT_FALSE(parsed.list_implementations);
  EXPECT_EQ(given.left_for_google_benchmark(),
            (std::vector<std::string>{"--benchmark_filter=cache", "--benchmark_repetitions=3", "--implementation=x"}));
  EXPECT_EQ(given.pointers[static_cast<std::size_t>(given.argc)], nullptr);
}

TEST(run_options, no_flags_select_everything) {
  arguments given({});
  const command_line parsed = given.parse();
  const vtb::harness::run_options& options = parsed.options;
  EXPECT_TRUE(options.selects_implementation("anything"));
  EXPECT_TRUE(options.selects_payload("string"));
  EXPECT_TRUE(options.selects_db("sync"));
  EXPECT_EQ(options.hit_ratios_or(std::array{0, 90, 100}), (std::vector<int>{0, 90, 100}));
  EXPECT_EQ(options.iterations, 0);
  EXPECT_TRUE(options.expected_allocator.empty());
  EXPECT_EQ(given.argc, 1);
}

TEST(run_options, selections_narrow_what_is_selected) {
  arguments given({"--impl=task", "--payload=string", "--db=sync", "--hit=33"});
  const vtb::harness::run_options options = given.parse().options;
  EXPECT_TRUE(options.selects_implementation("task"));
  EXPECT_FALSE(options.selects_implementation("sync"));
  EXPECT_TRUE(options.selects_payload("string"));
  EXPECT_FALSE(options.selects_payload("int"));
  EXPECT_TRUE(options.selects_db("sync"));
  EXPECT_FALSE(options.selects_db("async"));
  EXPECT_EQ(options.hit_ratios_or(std::array{0, 100}), std::vector<int>{33});
}

TEST(run_options, help_and_list_impls_are_recognised) {
  EXPECT_TRUE(arguments({"--help"}).parse().help);
  EXPECT_TRUE(arguments({"-h"}).parse().help);
  EXPECT_TRUE(arguments({"--list-impls"}).parse().list_implementations);
}

TEST(run_options, rejects_hit_ratios_outside_0_to_100_or_not_integers) {
  for (const std::string bad : {"150", "abc", "-1", "101", "1.5", "", "5x"}) {
    const std::string message = error_for("--hit=0," + bad);
    EXPECT_NE(message.find("'" + bad + "' is not a hit ratio"), std::string::npos) << message;
  }
  EXPECT_EQ(error_for("--hit=0,100"), "");
}

TEST(run_options, rejects_unknown_names_naming_them_and_the_known_ones) {
  EXPECT_EQ(error_for("--impl=task,nope"),
            "--impl=task,nope: unknown implementation 'nope' (known: sync, task, value_task)");
  EXPECT_EQ(error_for("--payload=double"), "--payload=double: unknown payload 'double' (known: int, string)");
  EXPECT_EQ(error_for("--db=never"), "--db=never: unknown db mode 'never' (known: async, sync)");
  EXPECT_EQ(error_for("--allocator=foo"),
            "--allocator=foo: unknown allocator 'foo' (known: glibc, mimalloc, jemalloc, tcmalloc)");
  EXPECT_EQ(error_for("--allocator=glibc,mimalloc"), "--allocator=glibc,mimalloc: name exactly one allocator");
}

TEST(run_options, rejects_bad_iteration_counts_and_missing_values) {
  EXPECT_EQ(error_for("--iterations=0"), "--iterations=0: '0' is not a positive iteration count");
  EXPECT_EQ(error_for("--iterations=many"), "--iterations=many: 'many' is not a positive iteration count");
  EXPECT_EQ(error_for("--impl"), "--impl needs a value (--impl=...)");
  EXPECT_EQ(error_for("--hit"), "--hit needs a value (--hit=...)");
}

TEST(run_options, usage_names_every_flag) {
  const std::string text = vtb::harness::usage("vtbench");
  for (const char* flag : {"--impl=", "--hit=", "--payload=", "--db=", "--iterations=", "--allocator=",
                           "--list-impls", "--help"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
