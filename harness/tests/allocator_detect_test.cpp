// Allocator detection under the allocator ctest preloads: the detected name must be
// the one the test is told to expect (VTB_EXPECTED_ALLOCATOR), with its version.
#include "allocator_detect.hpp"

#include <gnu/libc-version.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <string>

namespace {

// The allocator this process should be running on: named by ctest, or glibc when
// nothing is preloaded.
std::string expected_allocator() {
  if (const char* expected = std::getenv("VTB_EXPECTED_ALLOCATOR")) return expected;
  const char* preload = std::getenv("LD_PRELOAD");
  return preload == nullptr || *preload == '\0' ? "glibc" : "";
}

TEST(allocator_detect, knows_the_four_allocators) {
  const auto names = vtb::harness::allocator_names();
  EXPECT_EQ(std::vector<std::string_view>(names.begin(), names.end()),
            (std::vector<std::string_view>{"glibc", "mimalloc", "jemalloc", "tcmalloc"}));
}

TEST(allocator_detect, detects_the_allocator_serving_malloc_with_its_version) {
  const std::string expected = expected_allocator();
  if (expected.empty()) GTEST_SKIP() << "LD_PRELOAD is set: name the allocator in VTB_EXPECTED_ALLOCATOR";
  const vtb::harness::allocator_info detected = vtb::harness::detect_allocator();
  EXPECT_EQ(detected.name, expected);
  const std::regex version_pattern(expected == "glibc"      ? R"(glibc \d+\.\d+)"
                                   : expected == "tcmalloc" ? R"(gperftools \d+\.\d+.*)"
                                                            : R"(\d+\.\d+\.\d+)");
  EXPECT_TRUE(std::regex_match(detected.version, version_pattern)) << detected.version;
  if (expected == "glibc") {
    EXPECT_EQ(detected.version, std::string("glibc ") + gnu_get_libc_version());
  }
}

}  // namespace
