// Parsing vtbench's own flags: what the harness's flags (run_options.hpp) and the
// scenarios' flags share. Every bad value throws usage_error, whose message names the
// flag as written and what is wrong with it, so that main prints one line and exits 2.
#pragma once

#include <charconv>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vtb::harness {

// A bad command-line argument; the message names the flag and the bad value.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One of our flags as written ("--hit=150"), its name ("--hit") and value ("150"); a
// switch such as "--help" has no value.
struct flag {
    std::string_view text;
    std::string_view name;
    std::string_view value;
};

// Takes out of argv each argument that is one of `switches` or is `--name=value` for a
// name in `valued`, in order, lowering argc and leaving every other argument in its
// order (argv[argc] stays null); calls take(flag) for each. A valued flag without its
// value throws usage_error.
void take_flags(int& argc, char** argv, std::span<const std::string_view> switches,
                std::span<const std::string_view> valued, const std::function<void(const flag&)>& take);

// The comma-separated items of a flag's value; an item given twice throws usage_error.
std::vector<std::string_view> distinct_items(const flag& given);

// The comma-separated names of a flag's value, each one of `known` (else usage_error
// naming the known ones), none twice. `what` names the kind: "implementation".
std::vector<std::string> names_from(const flag& given, std::span<const std::string_view> known, std::string_view what);

// "a, b, c"
std::string joined(std::span<const std::string_view> names);

// Whether `name` is one of `names` (strings or string views).
template <class Names>
bool contains(const Names& names, std::string_view name) {
    for (const auto& each : names) {
        if (each == name) return true;
    }
    return false;
}

// Parses all of `text` as a decimal integer.
template <class Integer>
bool parse_integer(std::string_view text, Integer& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc{} && end == text.data() + text.size();
}

}  // namespace vtb::harness
