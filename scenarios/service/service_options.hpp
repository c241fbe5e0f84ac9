// scenarios/service/service_options.hpp: vtbench_service's command line. Every list is
// comma-separated; a flag left out takes its default (usage() prints them). A bad value
// throws vtb::harness::usage_error naming the flag.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vtb::scenarios::service {

struct service_options {
    bool help = false;
    std::string conninfo;  // libpq's; empty: the PG* environment variables
    std::string out;       // the results file (docs/service-format.md)
    std::vector<std::string> implementations;
    std::vector<double> hit_percents{0, 50, 90, 99, 99.9, 100};
    std::vector<int> clients_per_worker{1, 16, 64};
    std::vector<int> workers{1, 2};
    bool closed_loop = true;
    bool open_loop = true;
    std::vector<int> open_load_percents{50, 90};   // of the closed loop's best throughput
    std::vector<int> open_clients_per_worker{16};  // the open loop runs at these only
    std::vector<int> open_workers{1};
    double repetition_seconds = 0.05;
    double warm_up_seconds = 0.02;
    int repetitions = 5;  // the U test needs 4 a side to reach p < 0.05 at all
    std::string payload = "int";
};

// `known_implementations`: the names --impl accepts (and selects when it is left out).
service_options parse_service_options(int argc, char** argv, std::span<const std::string_view> known_implementations);
std::string service_usage(std::string_view program, std::span<const std::string_view> known_implementations);

}  // namespace vtb::scenarios::service
