// scenarios/allocation_meter.hpp: what the counting allocator saw (operator new calls and
// bytes requested, all threads) since a point, for figures taken outside a benchmark's
// timed loop (the footprint scenario) and for the scenarios' tests.
#pragma once

#include <cstdint>

#include "alloc_counter.hpp"

namespace vtb::scenarios {

struct measured_allocations {
    std::uint64_t allocs = 0;
    std::uint64_t bytes = 0;
};

class allocation_meter {
public:
    allocation_meter() : start_(vtb::harness::alloc_totals_now()) {}
    measured_allocations elapsed() const {
        const vtb::harness::alloc_totals now = vtb::harness::alloc_totals_now();
        return {now.allocs - start_.allocs, now.bytes - start_.bytes};
    }

private:
    vtb::harness::alloc_totals start_;
};

}  // namespace vtb::scenarios
