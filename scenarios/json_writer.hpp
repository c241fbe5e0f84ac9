// scenarios/json_writer.hpp: a small streaming JSON writer for what the scenarios publish
// (the vocabulary, misuse.json, the service's results): objects, arrays, strings, integers,
// finite numbers, booleans and null, on one line or indented by two spaces. Strings are
// escaped as JSON requires; a number that is not finite throws (JSON has none).
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vtb::scenarios {

class json_writer {
public:
    explicit json_writer(bool indented) : indented_(indented) {}

    json_writer& begin_object() { return open('{'); }
    json_writer& end_object() { return close('}'); }
    json_writer& begin_array() { return open('['); }
    json_writer& end_array() { return close(']'); }

    // The key of the next member of the object being written.
    json_writer& key(std::string_view name) {
        separate();
        text_ += quoted(name);
        text_ += indented_ ? ": " : ":";
        after_key_ = true;
        return *this;
    }

    json_writer& value(std::string_view text) { return scalar(quoted(text)); }
    json_writer& value(const char* text) { return value(std::string_view(text)); }
    json_writer& value(int number) { return scalar(std::to_string(number)); }
    json_writer& value(bool flag) { return scalar(flag ? "true" : "false"); }
    json_writer& value(std::int64_t number) { return scalar(std::to_string(number)); }
    json_writer& value(std::uint64_t number) { return scalar(std::to_string(number)); }
    json_writer& value(double number) {
        if (!std::isfinite(number)) throw std::domain_error("json_writer: a number that is not finite");
        char text[32];
        const auto written = std::to_chars(text, text + sizeof text, number);
        return scalar(std::string(text, written.ptr));
    }
    json_writer& null_value() { return scalar("null"); }

    const std::string& str() const { return text_; }

    static std::string quoted(std::string_view text) {
        std::string out = "\"";
        for (char c : text) {
            switch (c) {
                case '"':
                    out += "\\\"";
                    break;
                case '\\':
                    out += "\\\\";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20) {
                        char escaped[8];
                        std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                        out += escaped;
                    } else {
                        out += c;
                    }
            }
        }
        return out + "\"";
    }

private:
    // Before a value or key: a comma after an earlier sibling, then a new line in indented mode.
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (has_members_.empty()) return;
        if (has_members_.back()) text_ += ',';
        has_members_.back() = true;
        new_line(has_members_.size());
    }

    void new_line(std::size_t depth) {
        if (!indented_) return;
        text_ += '\n';
        text_.append(2 * depth, ' ');
    }

    json_writer& open(char bracket) {
        separate();
        text_ += bracket;
        has_members_.push_back(false);
        return *this;
    }

    json_writer& close(char bracket) {
        const bool had_members = has_members_.back();
        has_members_.pop_back();
        if (had_members) new_line(has_members_.size());
        text_ += bracket;
        return *this;
    }

    json_writer& scalar(const std::string& literal) {
        separate();
        text_ += literal;
        return *this;
    }

    bool indented_;
    bool after_key_ = false;
    std::vector<bool> has_members_;  // per open object or array: whether it has a member yet
    std::string text_;
};

}  // namespace vtb::scenarios
