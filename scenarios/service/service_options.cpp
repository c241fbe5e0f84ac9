#include "service/service_options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <sstream>

#include "cache_service.hpp"
#include "flag_parsing.hpp"

namespace vtb::scenarios::service {
namespace {

using vtb::harness::flag;
using vtb::harness::usage_error;

constexpr std::array<std::string_view, 1> switches{"--help"};
constexpr std::array<std::string_view, 14> valued{
    "--conninfo",  "--out",          "--impl",         "--hit",     "--clients",         "--workers",     "--loop",
    "--open-load", "--open-clients", "--open-workers", "--seconds", "--warm-up-seconds", "--repetitions", "--payload"};
constexpr std::array<std::string_view, 2> payloads{"int", "string"};
constexpr std::array<std::string_view, 2> loops{"closed", "open"};

double positive_number(const flag& given, double at_most) {
    double value = 0;
    const auto [end, error] = std::from_chars(given.value.data(), given.value.data() + given.value.size(), value);
    if (error != std::errc() || end != given.value.data() + given.value.size() || !(value > 0) || value > at_most)
        throw usage_error(std::string(given.text) + ": not a number of seconds in (0, " + std::to_string(at_most) +
                          "]");
    return value;
}

std::vector<int> integers(const flag& given, int lowest, int highest) {
    std::vector<int> values;
    for (std::string_view item : vtb::harness::distinct_items(given)) {
        int value = 0;
        if (!vtb::harness::parse_integer(item, value) || value < lowest || value > highest)
            throw usage_error(std::string(given.text) + ": '" + std::string(item) + "' is not an integer within " +
                              std::to_string(lowest) + ".." + std::to_string(highest));
        values.push_back(value);
    }
    return values;
}

std::vector<double> hit_percents(const flag& given) {
    std::vector<double> values;
    for (std::string_view item : vtb::harness::distinct_items(given)) {
        double value = -1;
        const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
        const double keys = value * cache_params{}.key_count / 100;
        if (error != std::errc() || end != item.data() + item.size() || !(value >= 0 && value <= 100) ||
            std::abs(keys - std::round(keys)) > 1e-6)
            throw usage_error(std::string(given.text) + ": '" + std::string(item) +
                              "' is not a hit percent within 0..100 that is a whole number of the " +
                              std::to_string(cache_params{}.key_count) + " keys");
        values.push_back(value);
    }
    return values;
}

void check_subset(const std::vector<int>& part, const std::vector<int>& whole, std::string_view part_flag,
                  std::string_view whole_flag) {
    for (int value : part) {
        if (std::find(whole.begin(), whole.end(), value) == whole.end())
            throw usage_error(std::string(part_flag) + ": " + std::to_string(value) + " is not among " +
                              std::string(whole_flag) + " (the open loop's rate comes from the closed loop's run)");
    }
}

}  // namespace

service_options parse_service_options(int argc, char** argv, std::span<const std::string_view> known_implementations) {
    service_options options;
    options.implementations.assign(known_implementations.begin(), known_implementations.end());
    vtb::harness::take_flags(argc, argv, switches, valued, [&](const flag& given) {
        if (given.name == "--help")
            options.help = true;
        else if (given.name == "--conninfo")
            options.conninfo = given.value;
        else if (given.name == "--out")
            options.out = given.value;
        else if (given.name == "--impl")
            options.implementations = vtb::harness::names_from(given, known_implementations, "implementation");
        else if (given.name == "--hit")
            options.hit_percents = hit_percents(given);
        else if (given.name == "--clients")
            options.clients_per_worker = integers(given, 1, 256);
        else if (given.name == "--workers")
            options.workers = integers(given, 1, 8);
        else if (given.name == "--open-load")
            options.open_load_percents = integers(given, 1, 200);
        else if (given.name == "--open-clients")
            options.open_clients_per_worker = integers(given, 1, 256);
        else if (given.name == "--open-workers")
            options.open_workers = integers(given, 1, 8);
        else if (given.name == "--seconds")
            options.repetition_seconds = positive_number(given, 60);
        else if (given.name == "--warm-up-seconds")
            options.warm_up_seconds = positive_number(given, 60);
        else if (given.name == "--repetitions")
            options.repetitions = integers(given, 1, 1000).front();
        else if (given.name == "--payload")
            options.payload = vtb::harness::names_from(given, payloads, "payload").front();
        else if (given.name == "--loop") {
            const auto chosen = vtb::harness::names_from(given, loops, "loop");
            options.closed_loop = std::find(chosen.begin(), chosen.end(), "closed") != chosen.end();
            options.open_loop = std::find(chosen.begin(), chosen.end(), "open") != chosen.end();
        }
    });
    if (argc > 1) throw usage_error(std::string("unknown argument '") + argv[1] + "' (--help lists the flags)");
    if (options.help) return options;
    if (options.out.empty()) throw usage_error("--out=FILE is required: where the results go");
    if (options.open_loop && !options.closed_loop)
        throw usage_error("--loop=open needs closed too: the open loop's rate comes from the closed loop's throughput");
    if (options.open_loop) {
        check_subset(options.open_clients_per_worker, options.clients_per_worker, "--open-clients", "--clients");
        check_subset(options.open_workers, options.workers, "--open-workers", "--workers");
    }
    return options;
}

std::string service_usage(std::string_view program, std::span<const std::string_view> known_implementations) {
    const service_options defaults;
    const auto list = [](const auto& values) {
        std::ostringstream text;
        for (std::size_t i = 0; i < values.size(); ++i) text << (i ? "," : "") << values[i];
        return text.str();
    };
    std::ostringstream usage;
    usage << "usage: " << program << " --out=FILE [flags]\n"
          << "The article's cache in front of a PostgreSQL server, under concurrent load: every implementation\n"
          << "whose miss can await I/O, closed and open loop (docs/service-format.md describes FILE).\n"
          << "  --conninfo=STR        libpq connection string (default: libpq's PG* environment variables)\n"
          << "  --impl=A,B            implementations (default: all: " << vtb::harness::joined(known_implementations)
          << ")\n"
          << "  --hit=H,...           hit percents in steps of 0.1 (default " << list(defaults.hit_percents) << ")\n"
          << "  --clients=C,...       requests in flight per worker (default " << list(defaults.clients_per_worker)
          << ")\n"
          << "  --workers=W,...       worker threads, each with its own connection and cache (default "
          << list(defaults.workers) << ")\n"
          << "  --loop=closed,open    which loops (default both; open needs closed)\n"
          << "  --open-load=P,...     open-loop rates, % of the best closed-loop throughput (default "
          << list(defaults.open_load_percents) << ")\n"
          << "  --open-clients=C,...  --open-workers=W,...  where the open loop runs (default "
          << list(defaults.open_clients_per_worker) << " and " << list(defaults.open_workers) << ")\n"
          << "  --seconds=S           each repetition's length (default " << defaults.repetition_seconds << ")\n"
          << "  --warm-up-seconds=S   the unrecorded run before each configuration's first (default "
          << defaults.warm_up_seconds << ")\n"
          << "  --repetitions=N       repetitions per configuration, interleaved across implementations (default "
          << defaults.repetitions << ")\n"
          << "  --payload=int|string  the payload (default " << defaults.payload << ")\n";
    return usage.str();
}

}  // namespace vtb::scenarios::service
