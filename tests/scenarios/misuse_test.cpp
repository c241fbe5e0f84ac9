// tests/scenarios/misuse_test.cpp: the misuse table. The cases (misuse_cases.hpp) give
// exactly the expected outcome for every form that can express each rule, with
// the exception type and message; the vtb_misuse_table program writes them as JSON
// atomically and refuses bad arguments.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "compact_json.hpp"
#include "misuse_cases.hpp"

namespace vtb::scenarios::misuse {
namespace {

// rule -> form -> outcome; a form missing from a rule has no entry.
const std::map<std::string_view, std::map<std::string_view, outcome>>& expected_table() {
    constexpr outcome A = outcome::allowed, D = outcome::detected, U = outcome::undetected;
    static const std::map<std::string_view, std::map<std::string_view, outcome>> table = {
        {"await_twice",
         {{"task", A},
          {"value_task_inline", D},
          {"value_task_wrapping_task", D},
          {"value_task_source", D},
          {"pooled_value_task", D},
          {"std_future", D},
          {"asio_awaitable", U}}},
        {"await_after_as_task",
         {{"value_task_inline", D},
          {"value_task_wrapping_task", D},
          {"value_task_source", D},
          {"pooled_value_task", D},
          {"std_future", D}}},
        {"use_after_move",
         {{"task", D},
          {"value_task_inline", D},
          {"value_task_wrapping_task", D},
          {"value_task_source", D},
          {"pooled_value_task", D},
          {"std_future", D},
          {"asio_awaitable", U}}},
        {"result_before_completion",
         {{"task", A},
          {"value_task_wrapping_task", D},
          {"value_task_source", D},
          {"pooled_value_task", D},
          {"std_future", A}}},
        {"concurrent_await",
         {{"task", A},
          {"value_task_wrapping_task", D},
          {"value_task_source", D},
          {"pooled_value_task", D},
          {"std_future", U},
          {"asio_awaitable", U}}},
        {"stale_token", {{"value_task_source", D}, {"source_core", D}}},
        {"get_result_before_completion", {{"source_core", D}}},
        {"second_completion", {{"value_task_source", D}, {"source_core", D}, {"std_future", D}}},
        {"second_continuation", {{"source_core", D}}},
        {"is_completed",
         {{"task", A},
          {"value_task_inline", A},
          {"value_task_wrapping_task", A},
          {"value_task_source", A},
          {"pooled_value_task", A},
          {"std_future", A}}},
        {"as_task_many_awaits",
         {{"value_task_inline", A},
          {"value_task_wrapping_task", A},
          {"value_task_source", A},
          {"pooled_value_task", A},
          {"std_future", A}}},
    };
    return table;
}

TEST(MisuseCases, EveryCellHasTheExpectedOutcome) {
    const std::vector<rule_result> rules = run_all_cases();
    std::map<std::string_view, std::map<std::string_view, outcome>> actual;
    for (const rule_result& rule : rules) {
        for (const auto& [form_name, result] : rule.results) actual[rule.rule][form_name] = result.outcome;
    }
    EXPECT_EQ(actual, expected_table());
}

TEST(MisuseCases, EachOutcomeCarriesItsEvidence) {
    for (const rule_result& rule : run_all_cases()) {
        EXPECT_TRUE(rule.claim == "C8" || rule.claim == "C9") << rule.rule;
        EXPECT_FALSE(rule.description.empty()) << rule.rule;
        for (const auto& [form_name, result] : rule.results) {
            SCOPED_TRACE(std::string(rule.rule) + " / " + std::string(form_name));
            EXPECT_FALSE(result.message.empty());
            if (result.outcome == outcome::detected) {
                EXPECT_EQ(result.exception, form_name == "std_future" ? "std::future_error" : "vtb::invalid_operation");
            } else {
                EXPECT_TRUE(result.exception.empty());
            }
            if (form_name == "asio_awaitable" || (form_name == "std_future" && rule.rule == "concurrent_await")) {
                EXPECT_EQ(result.message, not_run_message);
            }
        }
    }
}

TEST(MisuseCases, TheMessagesNameTheBrokenRule) {
    std::map<std::string, std::string> messages;
    for (const rule_result& rule : run_all_cases())
        for (const auto& [form_name, result] : rule.results)
            messages[std::string(rule.rule) + "/" + std::string(form_name)] = result.message;
    EXPECT_NE(messages["await_twice/value_task_inline"].find("consumed twice"), std::string::npos);
    EXPECT_NE(messages["await_after_as_task/value_task_source"].find("as_task()"), std::string::npos);
    EXPECT_NE(messages["use_after_move/task"].find("moved from"), std::string::npos);
    EXPECT_NE(messages["result_before_completion/pooled_value_task"].find("before completion"), std::string::npos);
    EXPECT_NE(messages["concurrent_await/value_task_wrapping_task"].find("concurrently"), std::string::npos);
    EXPECT_NE(messages["stale_token/value_task_source"].find("stale token"), std::string::npos);
    EXPECT_NE(messages["second_completion/source_core"].find("completed twice"), std::string::npos);
    EXPECT_NE(messages["second_continuation/source_core"].find("second continuation"), std::string::npos);
}

// Runs the program with `arguments` (output discarded); its exit status.
int run_misuse_table(const std::string& arguments) {
    const std::string command = std::string(VTB_MISUSE_TABLE_BINARY) + " " + arguments + " >/dev/null 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class MisuseTableProgram : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ =
            std::filesystem::temp_directory_path() / ("vtb_misuse_test_" + std::to_string(::getpid()) + "_" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::filesystem::path directory_;
};

TEST_F(MisuseTableProgram, WritesEveryRuleAsJsonAndLeavesNoTemporaryFile) {
    const std::filesystem::path output = directory_ / "misuse.json";
    ASSERT_EQ(run_misuse_table(output.string()), 0);
    std::ifstream file(output);
    std::stringstream text;
    text << file.rdbuf();
    const std::string written = text.str();
    ASSERT_FALSE(written.empty());
    EXPECT_EQ(written.substr(written.size() - 2), "}\n");
    const std::string json = compact_json(written);
    EXPECT_EQ(json.substr(0, 58), R"({"forms":[{"name":"task","type":"vtb::Task<int>","value_ta)");
    for (const auto& [rule, cells] : expected_table()) {
        const std::size_t start = json.find("{\"rule\":\"" + std::string(rule) + "\"");
        ASSERT_NE(start, std::string::npos) << rule;
        const std::size_t end = json.find("{\"rule\":", start + 1);
        const std::string block = json.substr(start, end == std::string::npos ? std::string::npos : end - start);
        for (const auto& [form_name, expected] : cells) {
            const std::string cell =
                "\"" + std::string(form_name) + "\":{\"outcome\":\"" + std::string(to_string(expected)) + "\"";
            EXPECT_NE(block.find(cell), std::string::npos) << rule << ": " << cell;
        }
    }
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_), std::filesystem::directory_iterator()), 1);
}

TEST_F(MisuseTableProgram, RefusesBadArgumentsWithExitTwo) {
    EXPECT_EQ(run_misuse_table(""), 2);
    EXPECT_EQ(run_misuse_table("--bogus"), 2);
    EXPECT_EQ(run_misuse_table((directory_ / "a.json").string() + " " + (directory_ / "b.json").string()), 2);
    EXPECT_EQ(run_misuse_table("--help"), 0);
    EXPECT_TRUE(std::filesystem::is_empty(directory_));
}

TEST_F(MisuseTableProgram, FailsWithoutWritingIntoAMissingDirectory) {
    EXPECT_EQ(run_misuse_table((directory_ / "missing" / "misuse.json").string()), 1);
    EXPECT_TRUE(std::filesystem::is_empty(directory_));
}

}  // namespace
}  // namespace vtb::scenarios::misuse
