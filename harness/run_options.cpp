// Parses the harness's flags into run_options and checks every value, so that a bad
// value stops the run with one line naming it.
#include "run_options.hpp"

#include <array>

#include "allocator_detect.hpp"

namespace vtb::harness {
namespace {

benchmark::IterationCount iterations_from(const flag& given) {
    benchmark::IterationCount iterations = 0;
    if (!parse_integer(given.value, iterations) || iterations <= 0) {
        throw usage_error(std::string(given.text) + ": '" + std::string(given.value) +
                          "' is not a positive iteration count");
    }
    return iterations;
}

std::string allocator_from(const flag& given) {
    const std::vector<std::string> allocator = names_from(given, allocator_names(), "allocator");
    if (allocator.size() != 1) throw usage_error(std::string(given.text) + ": name exactly one allocator");
    return allocator.front();
}

}  // namespace

command_line parse_command_line(int& argc, char** argv) {
    constexpr std::array<std::string_view, 3> switches{"--help", "-h", "--list"};
    constexpr std::array<std::string_view, 2> valued{"--iterations", "--allocator"};
    command_line parsed;
    take_flags(argc, argv, switches, valued, [&](const flag& given) {
        if (given.name == "--list") {
            parsed.list = true;
        } else if (given.name == "--iterations") {
            parsed.options.iterations = iterations_from(given);
        } else if (given.name == "--allocator") {
            parsed.options.expected_allocator = allocator_from(given);
        } else {
            parsed.help = true;
        }
    });
    return parsed;
}

std::string usage(std::string_view program_name) {
    const std::string program(program_name);
    return "usage: " + program +
           " [vtbench flags] [scenario flags] [Google Benchmark flags]\n"
           "\n"
           "Runs the vtbench scenarios under Google Benchmark.\n"
           "\n"
           "  --iterations=N      run each selected benchmark for exactly N iterations\n"
           "                      (for the counting pass and the heaptrack and cachegrind cross-checks)\n"
           "  --allocator=NAME    the allocator you expect (" +
           joined(allocator_names()) +
           "); exit 2 if\n"
           "                      another one serves malloc (select one with LD_PRELOAD)\n"
           "  --list              print the vocabulary (implementations, sweeps, ...) as JSON and exit\n"
           "  --help              print this help, then Google Benchmark's\n"
           "\n"
           "Exit status: 0 on success, 1 when no benchmark ran, 2 on a bad argument.\n";
}

}  // namespace vtb::harness
