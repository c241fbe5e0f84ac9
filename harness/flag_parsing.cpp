#include "flag_parsing.hpp"

#include <algorithm>

namespace vtb::harness {
namespace {

std::vector<std::string_view> split_list(std::string_view list) {
    std::vector<std::string_view> items;
    for (;;) {
        const std::size_t comma = list.find(',');
        items.push_back(list.substr(0, comma));
        if (comma == std::string_view::npos) return items;
        list.remove_prefix(comma + 1);
    }
}

}  // namespace

void take_flags(int& argc, char** argv, std::span<const std::string_view> switches,
                std::span<const std::string_view> valued, const std::function<void(const flag&)>& take) {
    int kept = 1;
    for (int index = 1; index < argc; ++index) {
        const std::string_view argument = argv[index];
        const std::string_view name = argument.substr(0, argument.find('='));
        if (contains(switches, argument)) {
            take(flag{argument, argument, {}});
        } else if (contains(valued, name)) {
            if (name == argument)
                throw usage_error(std::string(argument) + " needs a value (" + std::string(name) + "=...)");
            take(flag{argument, name, argument.substr(name.size() + 1)});
        } else {
            argv[kept++] = argv[index];
        }
    }
    argc = kept;
    argv[argc] = nullptr;
}

std::vector<std::string_view> distinct_items(const flag& given) {
    std::vector<std::string_view> items = split_list(given.value);
    for (auto item = items.begin(); item != items.end(); ++item) {
        if (std::find(items.begin(), item, *item) != item)
            throw usage_error(std::string(given.text) + ": '" + std::string(*item) + "' is given twice");
    }
    return items;
}

std::vector<std::string> names_from(const flag& given, std::span<const std::string_view> known, std::string_view what) {
    std::vector<std::string> names;
    for (std::string_view name : distinct_items(given)) {
        if (!contains(known, name)) {
            throw usage_error(std::string(given.text) + ": unknown " + std::string(what) + " '" + std::string(name) +
                              "' (known: " + joined(known) + ")");
        }
        names.emplace_back(name);
    }
    return names;
}

std::string joined(std::span<const std::string_view> names) {
    std::string text;
    for (std::string_view name : names) {
        if (!text.empty()) text += ", ";
        text += name;
    }
    return text;
}

}  // namespace vtb::harness
