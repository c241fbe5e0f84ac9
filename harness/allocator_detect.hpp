// Run-time detection of the allocator that really serves malloc in this process
// (glibc, or mimalloc, jemalloc or tcmalloc selected with LD_PRELOAD), with its version.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace vtb::harness {

struct allocator_info {
  std::string name;     // one of allocator_names(), or "unknown"
  std::string version;  // e.g. "2.0.9", "5.3.0", "gperftools 2.10", "glibc 2.36"; empty if unknown
};

// The allocators the suite knows: glibc, mimalloc, jemalloc, tcmalloc.
std::span<const std::string_view> allocator_names();

// Finds each allocator's introspection functions with dlsym(RTLD_DEFAULT, ...) and
// accepts it only if it owns (or accounts for) a block freshly obtained from malloc.
allocator_info detect_allocator();

}  // namespace vtb::harness
