// The calibration loop of machine_state.hpp.
#include "machine_state.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace vtb::harness {
namespace {

constexpr int chain_length = 4000;  // about 3 to 6 microseconds
constexpr int attempts = 3;

double one_calibration_ns() {
  const auto start = std::chrono::steady_clock::now();
  // A store and a reload of one memory word per step: the kind of work whose speed
  // toggles (a chain of multiplies in registers keeps its speed in both states).
  volatile std::uint64_t value = 0;
  for (int step = 0; step < chain_length; ++step) value = value + static_cast<std::uint64_t>(step);
  const auto stop = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(stop - start).count();
}

}  // namespace

double calibration_ns() {
  double best = one_calibration_ns();
  for (int attempt = 1; attempt < attempts; ++attempt) best = std::min(best, one_calibration_ns());
  return best;
}

machine_state_probe::machine_state_probe() : before_ns_(calibration_ns()) {}

void machine_state_probe::report(benchmark::State& state) const {
  const double after_ns = calibration_ns();
  state.counters["calibration_ns"] = benchmark::Counter(std::max(before_ns_, after_ns), benchmark::Counter::kAvgThreads);
}

}  // namespace vtb::harness
