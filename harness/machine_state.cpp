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
    // A reload of the word just stored, then an add and a store, per step: store-to-load
    // forwarding is the kind of work whose speed toggles (a chain of multiplies in registers
    // keeps its speed in both states). Written in assembly on x86-64 so that GCC and Clang
    // run the same instructions and their calibrations mean the same thing.
    std::uint64_t word = 0;
    std::uint64_t* slot = &word;
    for (std::uint64_t step = 0; step < chain_length; ++step) {
#if defined(__x86_64__)
        asm volatile("movq (%0), %%rdx\n\taddq %1, %%rdx\n\tmovq %%rdx, (%0)"
                     :
                     : "r"(slot), "r"(step)
                     : "rdx", "memory");
#else
        *static_cast<volatile std::uint64_t*>(slot) = *static_cast<volatile std::uint64_t*>(slot) + step;
#endif
    }
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
    state.counters["calibration_ns"] =
        benchmark::Counter(std::max(before_ns_, after_ns), benchmark::Counter::kAvgThreads);
}

}  // namespace vtb::harness
