// tests/scenarios/compact_json.hpp: JSON text without the whitespace between tokens, so a
// test can look for a member however the writer indented it.
#pragma once

#include <string>

inline std::string compact_json(const std::string& json) {
    std::string out;
    bool in_string = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (c == '"' && (i == 0 || json[i - 1] != '\\')) in_string = !in_string;
        if (in_string || (c != ' ' && c != '\n')) out += c;
    }
    return out;
}
