// tests/command_line_arguments.hpp: main's argv for the tests of vtbench's flag parsers,
// which take their flags out of argv and leave the rest; and the usage_error a parse
// throws, as its message.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "flag_parsing.hpp"

// "vtbench" followed by the given arguments, as argc/argv a parser may rearrange.
struct command_line_arguments {
    explicit command_line_arguments(std::vector<std::string> given) : text(std::move(given)) {
        text.insert(text.begin(), "vtbench");
        for (std::string& argument : text) pointers.push_back(argument.data());
        pointers.push_back(nullptr);
        argc = static_cast<int>(text.size());
    }
    char** argv() { return pointers.data(); }
    // What the parser left for the next one, in order.
    std::vector<std::string> left() const { return {pointers.begin() + 1, pointers.begin() + argc}; }

    std::vector<std::string> text;
    std::vector<char*> pointers;
    int argc = 0;
};

// The message of the usage_error that parse(arguments) throws for `argument`, or "" if
// it accepts it.
template <class Parse>
std::string usage_error_for(const std::string& argument, Parse&& parse) {
    command_line_arguments arguments({argument});
    try {
        parse(arguments);
    } catch (const vtb::harness::usage_error& error) {
        return error.what();
    }
    return "";
}
