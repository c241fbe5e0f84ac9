// scenarios/misuse_table.cpp: vtb_misuse_table, the misuse table of claims C8 and C9.
// Runs every case of misuse_cases.hpp, prints the table to stdout and writes it as JSON
// to the path given (a temporary file renamed into place, so the file is whole or absent).
//
// JSON (docs/results-format.md, misuse.json):
//   {
//     "forms": [{"name": "task", "type": "vtb::Task<int>", "value_task": false}, ...],  // the columns
//     "rules": [
//       {"rule": "await_twice", "claim": "C8", "description": "...",
//        "results": {
//          "task": {"outcome": "allowed", "exception": "", "message": "both awaits returned 42, 42"},
//          "value_task_inline": {"outcome": "detected", "exception": "vtb::invalid_operation",
//                                "message": "vtb::ValueTask consumed twice: ..."},
//          "asio_awaitable": {"outcome": "undetected", "exception": "",
//                             "message": "undefined behaviour (unchecked design; not run)"}}}
//     ]
//   }
// outcome is allowed, detected or undetected; a form that cannot express a rule has no
// entry in that rule's results.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "json_writer.hpp"
#include "misuse_cases.hpp"

namespace {

namespace misuse = vtb::scenarios::misuse;

constexpr std::string_view usage_text =
    "usage: vtb_misuse_table [--help] OUTPUT.json\n"
    "\n"
    "Runs each ValueTask misuse (claim C8) and each safe alternative (claim C9) against every\n"
    "form that can express it, prints what happened as a table, and writes the\n"
    "table as JSON to OUTPUT.json (the misuse.json of docs/results-format.md).\n";

std::string to_json(const std::vector<misuse::rule_result>& rules) {
    vtb::scenarios::json_writer out(true);
    out.begin_object().key("forms").begin_array();
    for (const vtb::scenarios::form& column : misuse::columns) {
        out.begin_object()
            .key("name")
            .value(column.name)
            .key("type")
            .value(column.type)
            .key("value_task")
            .value(column.value_task)
            .end_object();
    }
    out.end_array().key("rules").begin_array();
    for (const misuse::rule_result& rule : rules) {
        out.begin_object().key("rule").value(rule.rule).key("claim").value(rule.claim);
        out.key("description").value(rule.description).key("results").begin_object();
        for (const auto& [form_name, result] : rule.results) {
            out.key(form_name)
                .begin_object()
                .key("outcome")
                .value(misuse::to_string(result.outcome))
                .key("exception")
                .value(result.exception)
                .key("message")
                .value(result.message)
                .end_object();
        }
        out.end_object().end_object();
    }
    out.end_array().end_object();
    return out.str() + "\n";
}

// The outcome grid, then every cell's exception and message.
void print_table(std::ostream& out, const std::vector<misuse::rule_result>& rules) {
    constexpr std::size_t outcome_width = 10;  // "undetected"
    std::size_t rule_width = 4;
    for (const misuse::rule_result& rule : rules) rule_width = std::max(rule_width, rule.rule.size());
    auto padded = [](std::string_view text, std::size_t width) {
        return std::string(text) + std::string(width - std::min(width, text.size()), ' ');
    };
    out << padded("", rule_width);
    for (const vtb::scenarios::form& column : misuse::columns)
        out << "  " << padded(column.name, std::max(outcome_width, column.name.size()));
    out << '\n';
    for (const misuse::rule_result& rule : rules) {
        out << padded(rule.rule, rule_width);
        for (const vtb::scenarios::form& column : misuse::columns) {
            const auto found = std::find_if(rule.results.begin(), rule.results.end(),
                                            [&](const auto& entry) { return entry.first == column.name; });
            const std::string_view text = found == rule.results.end() ? "-" : misuse::to_string(found->second.outcome);
            out << "  " << padded(text, std::max(outcome_width, column.name.size()));
        }
        out << '\n';
    }
    out << "\n(- : the form cannot express the rule)\n";
    for (const misuse::rule_result& rule : rules) {
        out << '\n' << rule.rule << " (" << rule.claim << "): " << rule.description << '\n';
        for (const auto& [form_name, result] : rule.results) {
            out << "  " << form_name << ": " << misuse::to_string(result.outcome);
            if (!result.exception.empty()) out << " (" << result.exception << ")";
            out << ": " << result.message << '\n';
        }
    }
}

// Writes `text` to a temporary file beside `path`, then renames it over `path`.
void write_atomically(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::path temporary = path;
    temporary += ".tmp." + std::to_string(::getpid());
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        if (!file) throw std::runtime_error("cannot create " + temporary.string());
        file << text;
        file.close();
        if (!file) {
            std::filesystem::remove(temporary);
            throw std::runtime_error("cannot write " + temporary.string());
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::filesystem::remove(temporary);
        throw std::runtime_error("cannot rename " + temporary.string() + " to " + path.string() + ": " +
                                 error.message());
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string_view> arguments(argv + 1, argv + argc);
    if (std::find(arguments.begin(), arguments.end(), "--help") != arguments.end()) {
        std::cout << usage_text;
        return 0;
    }
    std::string problem;
    if (arguments.empty())
        problem = "missing the OUTPUT.json argument";
    else if (arguments.size() > 1)
        problem = "expected one argument (OUTPUT.json), got " + std::to_string(arguments.size());
    else if (arguments[0].empty())
        problem = "the output path is empty";
    else if (arguments[0].starts_with("-"))
        problem = "unknown option '" + std::string(arguments[0]) + "'";
    if (!problem.empty()) {
        std::cerr << "vtb_misuse_table: " << problem << " (see --help)\n";
        return 2;
    }
    const std::vector<misuse::rule_result> rules = misuse::run_all_cases();
    print_table(std::cout, rules);
    try {
        write_atomically(std::filesystem::path(arguments[0]), to_json(rules));
    } catch (const std::exception& error) {
        std::cerr << "vtb_misuse_table: " << error.what() << '\n';
        return 1;
    }
    std::cout << "\nwrote " << arguments[0] << '\n';
    return 0;
}
