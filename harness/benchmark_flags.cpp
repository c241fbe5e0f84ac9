#include "benchmark_flags.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "flag_parsing.hpp"

namespace vtb::harness {
namespace {

constexpr std::array<std::string_view, 3> formats{"console", "json", "csv"};
constexpr std::array<std::string_view, 4> time_units{"ns", "us", "ms", "s"};
constexpr std::array<std::string_view, 8> booleans{"true", "false", "yes", "no", "on", "off", "1", "0"};

enum class rule { format, time_unit, boolean, positive_count, positive_seconds, seconds };

struct checked_flag {
    std::string_view name;
    rule allowed;
};

constexpr std::array<checked_flag, 11> checked_flags{{
    {"--benchmark_format", rule::format},
    {"--benchmark_out_format", rule::format},
    {"--benchmark_time_unit", rule::time_unit},
    {"--benchmark_enable_random_interleaving", rule::boolean},
    {"--benchmark_report_aggregates_only", rule::boolean},
    {"--benchmark_display_aggregates_only", rule::boolean},
    {"--benchmark_counters_tabular", rule::boolean},
    {"--benchmark_list_tests", rule::boolean},
    {"--benchmark_repetitions", rule::positive_count},
    {"--benchmark_min_time", rule::positive_seconds},
    {"--benchmark_min_warmup_time", rule::seconds},
}};

bool is_seconds(std::string_view value, double& seconds) {
    const std::string text(value);
    std::size_t used = 0;
    try {
        seconds = std::stod(text, &used);
    } catch (const std::exception&) {
        return false;
    }
    return used == text.size() && std::isfinite(seconds);
}

// What is wrong with `value` under `allowed`, or empty when it is allowed.
std::string problem(rule allowed, std::string_view value) {
    double seconds = 0;
    std::int64_t count = 0;
    switch (allowed) {
        case rule::format:
            return contains(formats, value) ? "" : "is not one of " + joined(formats);
        case rule::time_unit:
            return contains(time_units, value) ? "" : "is not one of " + joined(time_units);
        case rule::boolean:
            return contains(booleans, value) ? "" : "is not one of " + joined(booleans);
        case rule::positive_count:
            return parse_integer(value, count) && count >= 1 && count <= std::numeric_limits<std::int32_t>::max()
                       ? ""
                       : "is not an integer from 1 to 2147483647";
        case rule::positive_seconds:
            return is_seconds(value, seconds) && seconds > 0 ? "" : "is not a number of seconds above 0";
        case rule::seconds:
            return is_seconds(value, seconds) && seconds >= 0 ? "" : "is not a number of seconds >= 0";
    }
    return "";
}

}  // namespace

void check_benchmark_flags(int argc, char** argv) {
    for (int index = 1; index < argc; ++index) {
        const std::string_view argument = argv[index];
        const std::size_t equals = argument.find('=');
        if (equals == std::string_view::npos) continue;
        const std::string_view name = argument.substr(0, equals);
        const std::string_view value = argument.substr(equals + 1);
        for (const checked_flag& checked : checked_flags) {
            if (checked.name != name) continue;
            if (const std::string wrong = problem(checked.allowed, value); !wrong.empty())
                throw usage_error(std::string(argument) + ": '" + std::string(value) + "' " + wrong);
        }
    }
}

}  // namespace vtb::harness
