// tests/unit/alloc_probe.hpp: the unit tests' allocation counting: alloc_probe, how many
// operator-new calls (and bytes), on every thread, happened since it was constructed; and
// counted_allocations, the fixture of every test that checks such counts. Built on the
// project's counting allocator (harness/alloc_counter.hpp, target vtb_alloc_counter).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>

#include "alloc_counter.hpp"

namespace vtb::test {

class alloc_probe {
public:
    alloc_probe() : start_(harness::alloc_totals_now()) {}

    // Calls to operator new since construction.
    std::uint64_t allocs() const { return harness::alloc_totals_now().allocs - start_.allocs; }

    // Bytes requested from operator new since construction.
    std::uint64_t bytes() const { return harness::alloc_totals_now().bytes - start_.bytes; }

private:
    harness::alloc_totals start_;
};

// Skips the test in a build where operator new is not counted (harness/CMakeLists.txt
// compiles the counting out under ThreadSanitizer), rather than compare against zeros.
class counted_allocations : public ::testing::Test {
protected:
    void SetUp() override {
        if (!harness::counting_enabled())
            GTEST_SKIP() << "operator new is not counted in this build (vtb::harness::counting_enabled() is false)";
    }
};

}  // namespace vtb::test
