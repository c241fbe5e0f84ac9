// scenarios/misuse_table.cpp: vtb_misuse_table, the misuse table of claims C8 and C9.
// Runs every case of misuse_cases.hpp, prints the table to stdout and writes it as JSON
// to the path given (a temporary file renamed into place, so the file is whole or absent).
//
// JSON (docs/results-format.md, misuse.json, plus "claim", "exception" and
// "implementations"):
//   {
//     "implementations": {"task": "vtb::Task<int>", ...},        // every column, in order
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
// outcome is allowed, detected or undetected; an implementation that cannot express a
// rule has no entry in that rule's results.
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

#include "misuse_cases.hpp"

namespace {

namespace misuse = vtb::scenarios::misuse;

constexpr std::string_view usage_text =
    "usage: vtb_misuse_table [--help] OUTPUT.json\n"
    "\n"
    "Runs each ValueTask misuse (claim C8) and each safe alternative (claim C9) against every\n"
    "implementation that can express it, prints what happened as a table, and writes the\n"
    "table as JSON to OUTPUT.json (the misuse.json of docs/results-format.md).\n";

std::string json_string(std::string_view text) {
    std::string quoted = "\"";
    for (char c : text) {
        switch (c) {
            case '"': quoted += "\\\""; break;
            case '\\': quoted += "\\\\"; break;
            case '\n': quoted += "\\n"; break;
            case '\t': quoted += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                    quoted += escaped;
                } else {
                    quoted += c;
                }
        }
    }
    return quoted + "\"";
}

std::string to_json(const std::vector<misuse::rule_result>& rules) {
    std::ostringstream out;
    out << "{\n  \"implementations\": {";
    for (std::size_t i = 0; i < misuse::implementations.size(); ++i) {
        out << (i == 0 ? "\n" : ",\n") << "    " << json_string(misuse::implementations[i].name) << ": "
            << json_string(misuse::implementations[i].type);
    }
    out << "\n  },\n  \"rules\": [";
    for (std::size_t r = 0; r < rules.size(); ++r) {
        const misuse::rule_result& rule = rules[r];
        out << (r == 0 ? "\n" : ",\n") << "    {\"rule\": " << json_string(rule.rule)
            << ", \"claim\": " << json_string(rule.claim) << ",\n     \"description\": " << json_string(rule.description)
            << ",\n     \"results\": {";
        for (std::size_t i = 0; i < rule.results.size(); ++i) {
            const auto& [implementation, result] = rule.results[i];
            out << (i == 0 ? "\n" : ",\n") << "       " << json_string(implementation)
                << ": {\"outcome\": " << json_string(misuse::to_string(result.outcome))
                << ", \"exception\": " << json_string(result.exception) << ", \"message\": " << json_string(result.message)
                << "}";
        }
        out << "}}";
    }
    out << "\n  ]\n}\n";
    return out.str();
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
    for (const misuse::implementation& column : misuse::implementations)
        out << "  " << padded(column.name, std::max(outcome_width, column.name.size()));
    out << '\n';
    for (const misuse::rule_result& rule : rules) {
        out << padded(rule.rule, rule_width);
        for (const misuse::implementation& column : misuse::implementations) {
            const auto found = std::find_if(rule.results.begin(), rule.results.end(),
                                            [&](const auto& entry) { return entry.first == column.name; });
            const std::string_view text = found == rule.results.end() ? "-" : misuse::to_string(found->second.outcome);
            out << "  " << padded(text, std::max(outcome_width, column.name.size()));
        }
        out << '\n';
    }
    out << "\n(- : the implementation cannot express the rule)\n";
    for (const misuse::rule_result& rule : rules) {
        out << '\n' << rule.rule << " (" << rule.claim << "): " << rule.description << '\n';
        for (const auto& [implementation, result] : rule.results) {
            out << "  " << implementation << ": " << misuse::to_string(result.outcome);
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
        throw std::runtime_error("cannot rename " + temporary.string() + " to " + path.string() + ": " + error.message());
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
