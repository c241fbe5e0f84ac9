// Allocator detection under the allocator ctest preloads: the detected name must be the
// one the test is told to expect (VTB_EXPECTED_ALLOCATOR), with its version and the
// shared object that serves malloc; the compiled-in table must be harness/allocators.tsv.
#include "allocator_detect.hpp"

#include <gnu/libc-version.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

// The allocator this process should be running on: named by ctest, or glibc when
// nothing is preloaded.
std::string expected_allocator() {
    if (const char* expected = std::getenv("VTB_EXPECTED_ALLOCATOR")) return expected;
    const char* preload = std::getenv("LD_PRELOAD");
    return preload == nullptr || *preload == '\0' ? "glibc" : "";
}

// The rows of allocators.tsv: name -> library ("-" for none), in table order.
std::vector<std::pair<std::string, std::string>> table_rows() {
    std::ifstream table(VTB_ALLOCATOR_TABLE);
    std::vector<std::pair<std::string, std::string>> rows;
    for (std::string line; std::getline(table, line);) {
        if (line.empty() || line.front() == '#') continue;
        std::istringstream fields(line);
        std::string name, package, library;
        fields >> name >> package >> library;
        rows.emplace_back(name, library);
    }
    return rows;
}

TEST(AllocatorDetect, KnowsTheAllocatorsOfTheTableInItsOrder) {
    std::vector<std::string> from_table;
    for (const auto& [name, library] : table_rows()) from_table.push_back(name);
    ASSERT_FALSE(from_table.empty()) << VTB_ALLOCATOR_TABLE;
    const auto names = vtb::harness::allocator_names();
    EXPECT_EQ(std::vector<std::string>(names.begin(), names.end()), from_table);
}

TEST(AllocatorDetect, DetectsTheAllocatorServingMallocWithItsVersionAndLibrary) {
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
    for (const auto& [name, library] : table_rows()) {
        if (name != expected) continue;
        const std::string file = library == "-" ? "libc.so" : library;
        EXPECT_NE(detected.library.find(file), std::string::npos) << detected.library << " is not " << file;
    }
}

}  // namespace
