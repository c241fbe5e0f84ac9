// Parses vtbench's own flags into run_options and checks every value, so that a bad
// value stops the run with one line naming it instead of silently selecting nothing.
#include "run_options.hpp"

#include "allocator_detect.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace vtb::harness {
namespace {

constexpr std::array<std::string_view, 2> payload_names{"int", "string"};
constexpr std::array<std::string_view, 2> db_mode_names{"async", "sync"};

bool contains(std::span<const std::string> selected, std::string_view name) {
  return std::find(selected.begin(), selected.end(), name) != selected.end();
}

std::string joined(std::span<const std::string_view> names) {
  std::string text;
  for (std::string_view name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

std::vector<std::string_view> split_list(std::string_view list) {
  std::vector<std::string_view> items;
  for (;;) {
    const std::size_t comma = list.find(',');
    items.push_back(list.substr(0, comma));
    if (comma == std::string_view::npos) return items;
    list.remove_prefix(comma + 1);
  }
}

template <class Integer>
bool parse_integer(std::string_view text, Integer& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

// One of our flags, as written ("--hit=150") and its value ("150").
struct flag {
  std::string_view text;
  std::string_view value;
};

std::vector<std::string> names_from(const flag& given, std::span<const std::string_view> known,
                                    std::string_view what) {
  std::vector<std::string> names;
  for (std::string_view name : split_list(given.value)) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw usage_error(std::string(given.text) + ": unknown " + std::string(what) + " '" + std::string(name) +
                        "' (known: " + joined(known) + ")");
    }
    names.emplace_back(name);
  }
  return names;
}

std::vector<int> hit_ratios_from(const flag& given) {
  std::vector<int> hit_ratios;
  for (std::string_view item : split_list(given.value)) {
    int hit_ratio = -1;
    if (!parse_integer(item, hit_ratio) || hit_ratio < 0 || hit_ratio > 100) {
      throw usage_error(std::string(given.text) + ": '" + std::string(item) +
                        "' is not a hit ratio (an integer from 0 to 100)");
    }
    hit_ratios.push_back(hit_ratio);
  }
  return hit_ratios;
}

benchmark::IterationCount iterations_from(const flag& given) {
  benchmark::IterationCount iterations = 0;
  if (!parse_integer(given.value, iterations) || iterations <= 0) {
    throw usage_error(std::string(given.text) + ": '" + std::string(given.value) +
                      "' is not a positive iteration count");
  }
  return iterations;
}

}  // namespace

bool run_options::selects_implementation(std::string_view name) const {
  return implementations.empty() || contains(implementations, name);
}

bool run_options::selects_payload(std::string_view payload) const {
  return payloads.empty() || contains(payloads, payload);
}

bool run_options::selects_db(std::string_view db_mode) const {
  return db_modes.empty() || contains(db_modes, db_mode);
}

std::vector<int> run_options::hit_ratios_or(std::span<const int> sweep) const {
  if (!hit_ratios.empty()) return hit_ratios;
  return {sweep.begin(), sweep.end()};
}

command_line parse_command_line(int& argc, char** argv, std::span<const std::string_view> implementation_names) {
  constexpr std::array<std::string_view, 6> value_flags{"--impl", "--hit", "--payload", "--db", "--iterations",
                                                        "--allocator"};
  command_line parsed;
  run_options& options = parsed.options;
  int kept = 1;
  for (int index = 1; index < argc; ++index) {
    const std::string_view argument = argv[index];
    const std::string_view name = argument.substr(0, argument.find('='));
    if (argument == "--help" || argument == "-h") {
      parsed.help = true;
      continue;
    }
    if (argument == "--list-impls") {
      parsed.list_implementations = true;
      continue;
    }
    if (std::find(value_flags.begin(), value_flags.end(), name) == value_flags.end()) {
      argv[kept++] = argv[index];
      continue;
    }
    if (name == argument) throw usage_error(std::string(argument) + " needs a value (" + std::string(name) + "=...)");
    const flag given{argument, argument.substr(name.size() + 1)};
    if (name == "--impl") {
      options.implementations = names_from(given, implementation_names, "implementation");
    } else if (name == "--hit") {
      options.hit_ratios = hit_ratios_from(given);
    } else if (name == "--payload") {
      options.payloads = names_from(given, payload_names, "payload");
    } else if (name == "--db") {
      options.db_modes = names_from(given, db_mode_names, "db mode");
    } else if (name == "--iterations") {
      options.iterations = iterations_from(given);
    } else {
      const std::vector<std::string> allocator = names_from(given, allocator_names(), "allocator");
      if (allocator.size() != 1) throw usage_error(std::string(argument) + ": name exactly one allocator");
      options.expected_allocator = allocator.front();
    }
  }
  argc = kept;
  argv[argc] = nullptr;
  return parsed;
}

std::string usage(std::string_view program_name) {
  const std::string program(program_name);
  return "usage: " + program + " [vtbench flags] [Google Benchmark flags]\n"
         "\n"
         "Runs the vtbench scenarios under Google Benchmark. Lists are comma-separated;\n"
         "a selection flag left out selects everything.\n"
         "\n"
         "  --impl=A,B          implementations to run (see --list-impls)\n"
         "  --hit=0,50,100      cache hit ratios in percent, integers 0..100\n"
         "  --payload=int,string  payload types\n"
         "  --db=async,sync     database modes\n"
         "  --iterations=N      run each selected benchmark for exactly N iterations\n"
         "                      (for heaptrack and callgrind cross-checks)\n"
         "  --allocator=NAME    the allocator you expect (" +
         joined(allocator_names()) +
         "); exit 2 if\n"
         "                      another one serves malloc (select one with LD_PRELOAD)\n"
         "  --list-impls        print the implementation names and exit\n"
         "  --help              print this help, then Google Benchmark's\n"
         "\n"
         "Exit status: 0 on success, 1 when no benchmark ran, 2 on a bad argument.\n";
}

}  // namespace vtb::harness
