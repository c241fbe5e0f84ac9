// Run-time detection of the allocator that really serves malloc in this process (glibc,
// or one selected with LD_PRELOAD), with its version. The allocators are the rows of
// harness/allocators.tsv, compiled in.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace vtb::harness {

struct allocator_info {
    std::string name;     // one of allocator_names(), or "unknown"
    std::string version;  // e.g. "2.0.9", "5.3.0", "gperftools 2.10", "glibc 2.36"; empty if unknown
    std::string library;  // the shared object that defines the malloc this process calls
};

// The allocators of harness/allocators.tsv, in table order.
std::span<const std::string_view> allocator_names();

// The allocator whose marker symbol (allocators.tsv) is defined by the same shared
// object as the malloc this process calls (both looked up as the dynamic linker binds
// them). Where allocator_detect.cpp has a probe for it, the probe must also find a block
// freshly obtained from malloc in that allocator's own accounting, and reads its version;
// otherwise the version is the shared object's file name.
allocator_info detect_allocator();

}  // namespace vtb::harness
