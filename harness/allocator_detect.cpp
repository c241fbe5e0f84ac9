// Detects which allocator serves malloc: a symbol that merely exists proves nothing
// (a library may be loaded without being the process's malloc), so each candidate is
// asked about a block freshly obtained from malloc. None of the allocators is linked:
// their functions are looked up with dlsym, so one binary serves every LD_PRELOAD.
#include "allocator_detect.hpp"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>

namespace vtb::harness {
namespace {

// A malloc'd block the optimiser cannot remove: its address escapes to a volatile.
void* volatile escaped_block = nullptr;

class fresh_block {
 public:
  explicit fresh_block(std::size_t size) : block_(std::malloc(size)) { escaped_block = block_; }
  ~fresh_block() { std::free(block_); }
  fresh_block(const fresh_block&) = delete;
  fresh_block& operator=(const fresh_block&) = delete;
  const void* get() const { return block_; }

 private:
  void* block_;
};

template <class Function>
Function* find_function(const char* name) {
  return reinterpret_cast<Function*>(dlsym(RTLD_DEFAULT, name));
}

// mimalloc.h: int mi_version(void); bool mi_is_in_heap_region(const void*).
std::optional<std::string> mimalloc_version() {
  auto* version = find_function<int()>("mi_version");
  auto* is_in_heap_region = find_function<bool(const void*)>("mi_is_in_heap_region");
  if (version == nullptr || is_in_heap_region == nullptr) return std::nullopt;
  const fresh_block block(64);
  if (block.get() == nullptr || !is_in_heap_region(block.get())) return std::nullopt;
  const int encoded = version();  // 209 for 2.0.9
  return std::to_string(encoded / 100) + "." + std::to_string(encoded / 10 % 10) + "." +
         std::to_string(encoded % 10);
}

// jemalloc.h: int mallctl(const char* name, void* old, size_t* old_len, void* new, size_t new_len).
std::optional<std::string> jemalloc_version() {
  auto* mallctl = find_function<int(const char*, void*, std::size_t*, void*, std::size_t)>("mallctl");
  if (mallctl == nullptr) return std::nullopt;
  const auto thread_allocated = [mallctl]() -> std::optional<std::uint64_t> {
    std::uint64_t allocated = 0;
    std::size_t length = sizeof allocated;
    if (mallctl("thread.allocated", &allocated, &length, nullptr, 0) != 0) return std::nullopt;
    return allocated;
  };
  constexpr std::size_t block_size = 4096;
  const std::optional<std::uint64_t> before = thread_allocated();
  const fresh_block block(block_size);
  const std::optional<std::uint64_t> after = thread_allocated();
  if (!before || !after || block.get() == nullptr || *after < *before + block_size) return std::nullopt;
  const char* version = nullptr;
  std::size_t length = sizeof version;
  if (mallctl("version", &version, &length, nullptr, 0) != 0 || version == nullptr) return std::nullopt;
  const std::string full_version = version;  // "5.3.0-0-g54eaed1..."
  return full_version.substr(0, full_version.find('-'));
}

// gperftools: const char* tc_version(int*, int*, const char**);
// MallocExtension_Ownership MallocExtension_GetOwnership(const void*), kOwned == 1.
std::optional<std::string> tcmalloc_version() {
  auto* version = find_function<const char*(int*, int*, const char**)>("tc_version");
  auto* ownership = find_function<int(const void*)>("MallocExtension_GetOwnership");
  if (version == nullptr || ownership == nullptr) return std::nullopt;
  constexpr int owned = 1;
  const fresh_block block(64);
  if (block.get() == nullptr || ownership(block.get()) != owned) return std::nullopt;
  int major = 0;
  int minor = 0;
  const char* patch = nullptr;
  return std::string(version(&major, &minor, &patch));  // "gperftools 2.10"
}

// glibc's arena statistics grow by at least a block's size when glibc serves it. The
// block is larger than the per-thread cache's largest size and smaller than the mmap
// threshold, so it comes from (and is counted in) an arena.
std::optional<std::string> glibc_version() {
  constexpr std::size_t block_size = 16 * 1024;
  const std::size_t before = mallinfo2().uordblks;
  const fresh_block block(block_size);
  const std::size_t after = mallinfo2().uordblks;
  if (block.get() == nullptr || after < before + block_size) return std::nullopt;
  return std::string("glibc ") + gnu_get_libc_version();
}

constexpr std::array<std::string_view, 4> known_allocators{"glibc", "mimalloc", "jemalloc", "tcmalloc"};

}  // namespace

std::span<const std::string_view> allocator_names() { return known_allocators; }

allocator_info detect_allocator() {
  // The replacements first: glibc's functions exist in every process.
  if (auto version = mimalloc_version()) return {"mimalloc", *version};
  if (auto version = jemalloc_version()) return {"jemalloc", *version};
  if (auto version = tcmalloc_version()) return {"tcmalloc", *version};
  if (auto version = glibc_version()) return {"glibc", *version};
  return {"unknown", ""};
}

}  // namespace vtb::harness
