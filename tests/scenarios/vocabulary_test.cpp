// The vocabulary vtbench publishes: read off the registries, in their order, with the
// properties the scripts rely on; the indented and the one-line forms say the same.
#include <gtest/gtest.h>

#include <string>

#include "compact_json.hpp"
#include "implementations.hpp"
#include "json_writer.hpp"
#include "run_options.hpp"
#include "vocabulary.hpp"

namespace {

TEST(Vocabulary, ListsTheImplementationsInRegistryOrderWithTheirProperties) {
    const std::string json = vtb::scenarios::vocabulary_json(false);
    std::size_t last = 0;
    for (std::string_view name : vtb::scenarios::implementation_names()) {
        const std::size_t at = json.find("{\"name\":\"" + std::string(name) + "\"");
        ASSERT_NE(at, std::string::npos) << name;
        EXPECT_GT(at, last) << name << " is out of registry order";
        last = at;
    }
    EXPECT_NE(json.find(R"({"name":"task","value_task":false,"pooled":false})"), std::string::npos);
    EXPECT_NE(json.find(R"({"name":"value_task","value_task":true,"pooled":false})"), std::string::npos);
    EXPECT_NE(json.find(R"({"name":"value_task_source","value_task":true,"pooled":true})"), std::string::npos);
    EXPECT_NE(json.find(R"({"name":"pooled_value_task","value_task":true,"pooled":true})"), std::string::npos);
    EXPECT_NE(json.find(R"({"name":"std_future","value_task":false,"pooled":false})"), std::string::npos);
}

TEST(Vocabulary, PublishesSweepsPayloadsFormsAndAllocators) {
    const std::string json = vtb::scenarios::vocabulary_json(false);
    EXPECT_NE(json.find(R"("hit_percent_sweeps":{"full":[0,10,20,30,40,50,60,70,80,90,95,99,100],)"),
              std::string::npos);
    EXPECT_NE(json.find(R"("payloads":["int","string"])"), std::string::npos);
    EXPECT_NE(json.find(R"("db_modes":["async","sync"])"), std::string::npos);
    EXPECT_NE(json.find(R"("multi_await_vias":["task","as_task"])"), std::string::npos);
    EXPECT_NE(json.find(R"("multi_await_states":["completed","pending"])"), std::string::npos);
    EXPECT_NE(json.find(R"("allocators":["glibc","mimalloc","jemalloc","tcmalloc"])"), std::string::npos);
    EXPECT_NE(
        json.find(R"({"name":"value_task_inline","type":"vtb::ValueTask<int> holding its value","value_task":true})"),
        std::string::npos);
    EXPECT_NE(
        json.find(R"("scenarios":["cache_lookup","cache_lookup_mt","factory","footprint","copy_cost","multi_await"])"),
        std::string::npos);
}

TEST(Vocabulary, IndentedAndOneLineFormsAgree) {
    const std::string one_line = vtb::scenarios::vocabulary_json(false);
    const std::string indented = vtb::scenarios::vocabulary_json(true);
    EXPECT_NE(indented.find("\n  \"implementations\": ["), std::string::npos);
    EXPECT_EQ(compact_json(indented), one_line);
}

TEST(JsonWriter, EscapesWhatJsonRequires) {
    EXPECT_EQ(vtb::scenarios::json_writer::quoted("a\"b\\c\nd\x01"), R"("a\"b\\c\nd\u0001")");
    vtb::scenarios::json_writer out(false);
    out.begin_object().key("a").begin_array().end_array().key("b").begin_object().end_object().end_object();
    EXPECT_EQ(out.str(), R"({"a":[],"b":{}})");
}

}  // namespace
