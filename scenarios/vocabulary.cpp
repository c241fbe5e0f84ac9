// scenarios/vocabulary.cpp: the vocabulary, read off the registries.
#include "vocabulary.hpp"

#include <string>
#include <vector>

#include "allocator_detect.hpp"
#include "factory_kinds.hpp"
#include "forms.hpp"
#include "implementations.hpp"
#include "json_writer.hpp"
#include "multi_await_rounds.hpp"
#include "run_options.hpp"
#include "scenario_registry.hpp"
#include "sweeps.hpp"

namespace vtb::scenarios {
namespace {

template <class List>
std::vector<std::string_view> names_of() {
    std::vector<std::string_view> names;
    List::for_each([&]<class Entry>() { names.push_back(Entry::name); });
    return names;
}

void write_names(json_writer& out, std::string_view key, std::span<const std::string_view> names) {
    out.key(key).begin_array();
    for (std::string_view name : names) out.value(name);
    out.end_array();
}

}  // namespace

std::span<const std::string_view> implementation_names() {
    static const std::vector<std::string_view> names = names_of<all_implementations>();
    return names;
}

std::span<const std::string_view> payload_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> collected;
        all_payloads::for_each([&]<class Payload>() { collected.push_back(payload_traits<Payload>::name); });
        return collected;
    }();
    return names;
}

std::span<const std::string_view> db_mode_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> collected;
        for (db_mode db : all_db_modes) collected.push_back(to_string(db));
        return collected;
    }();
    return names;
}

std::string vocabulary_json(bool indented) {
    json_writer out(indented);
    out.begin_object();
    out.key("implementations").begin_array();
    all_implementations::for_each([&]<class Impl>() {
        out.begin_object()
            .key("name")
            .value(Impl::name)
            .key("value_task")
            .value(returns_value_task<Impl>)
            .key("pooled")
            .value(is_pooled<Impl>)
            .end_object();
    });
    out.end_array();
    out.key("forms").begin_array();
    for (const form& each : forms::all) {
        out.begin_object()
            .key("name")
            .value(each.name)
            .key("type")
            .value(each.type)
            .key("value_task")
            .value(each.value_task)
            .end_object();
    }
    out.end_array();
    out.key("scenarios").begin_array();
    for (const scenario& each : all_scenarios) out.value(each.name);
    out.end_array();
    out.key("hit_percent_sweeps").begin_object();
    for (const hit_sweep& sweep : sweeps::all) {
        out.key(sweep.name).begin_array();
        for (int hit_percent : sweep.hit_percents) out.value(hit_percent);
        out.end_array();
    }
    out.end_object();
    write_names(out, "payloads", payload_names());
    write_names(out, "db_modes", db_mode_names());
    write_names(out, "factory_kinds", names_of<factory_kinds::all_kinds>());
    write_names(out, "multi_await_vias", names_of<all_producers>());
    std::vector<std::string_view> states;
    for (completion_state state : all_completion_states) states.push_back(to_string(state));
    write_names(out, "multi_await_states", states);
    write_names(out, "allocators", vtb::harness::allocator_names());
    out.end_object();
    return out.str();
}

}  // namespace vtb::scenarios
