// The counting allocator: replaces every replaceable global operator new and
// operator delete, forwards them to malloc/posix_memalign/free (so whichever allocator
// is LD_PRELOADed serves them) and counts allocations, requested bytes and live
// requested bytes. Only the counting pass (vtbench_counting, and the tests) links it:
// no time is ever measured through it.
//
// Compiled twice: with VTB_COUNTING=1 into vtb_alloc_counter (vtbench_counting and the
// tests), and with VTB_COUNTING=0 into the timing harness (vtbench) and under
// ThreadSanitizer, where operator new is the runtime's own and nothing is counted.
//
// Cost per allocation (counting build): two thread-local additions (calls and
// requested bytes), a 16-byte header write holding the requested size, and the
// live-bytes update (a load, an add, a compare); per deallocation, the header read and
// the live-bytes update. No call into the allocator beyond malloc/free, no atomic
// read-modify-write, no lock. Live bytes are requested bytes (read back from the
// header), so peak_live_bytes does not depend on the allocator's size classes or on
// the heap's prior layout. The header makes each block 16 bytes (or the alignment, for
// over-aligned new) larger than requested: the counting pass's allocator sees larger
// blocks than the timing pass's, which changes no count.
//
// Each thread's counters are std::atomic only so that other threads may read them; the
// owning thread updates them with a relaxed load and a relaxed store (plain moves on
// x86-64). A thread's counters join a registry (an intrusive list, so registering
// allocates nothing) on its first allocation, and are folded into a retired total
// when the thread exits, so totals never lose an exited thread's allocations.
#include "alloc_counter.hpp"

#if VTB_COUNTING

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace vtb::harness {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

// Bytes in front of every block returned by the unaligned forms; the requested size is
// stored in the last 8 of them (the block keeps malloc's 16-byte alignment).
constexpr std::size_t header_bytes = 16;

struct thread_counters {
    std::atomic<std::uint64_t> allocs{0};
    std::atomic<std::uint64_t> bytes{0};
    // Live bytes may go negative: a thread can free blocks another thread allocated.
    std::atomic<std::int64_t> live_bytes{0};
    // The peak is restarted lazily: a thread that sees a new peak epoch takes its live
    // bytes at that moment as its baseline before applying its next change.
    std::atomic<std::uint64_t> peak_epoch{0};
    std::atomic<std::int64_t> live_bytes_at_peak_start{0};
    std::atomic<std::int64_t> peak_live_bytes{0};
    thread_counters* next = nullptr;
    thread_counters* previous = nullptr;
};

// The window op_counters measure, shared by all threads of a benchmark run: opened by
// the latest op_counters construction (after every thread's setup), closed by the
// first report after it (before any thread's teardown).
struct measurement_window {
    alloc_totals at_open;
    bool closed = false;
    alloc_totals at_close;
    std::int64_t peak_live_bytes = 0;  // above the level at opening, taken at closing
};

struct counter_registry {
    std::mutex mutex;
    thread_counters* first = nullptr;  // threads still running
    // What exited threads counted, and their peaks above baseline in the current epoch.
    std::uint64_t retired_allocs = 0;
    std::uint64_t retired_bytes = 0;
    std::int64_t retired_peak_above_start = 0;
    measurement_window window;
};

constinit counter_registry registry;
constinit std::atomic<std::uint64_t> current_peak_epoch{1};

enum class thread_state : unsigned char { unregistered, registered, exited };

constinit thread_local thread_counters this_thread_counters;
constinit thread_local thread_state this_thread_state = thread_state::unregistered;

void add(std::atomic<std::uint64_t>& counter, std::uint64_t amount) {
    counter.store(counter.load(relaxed) + amount, relaxed);
}

std::int64_t peak_above_start(const thread_counters& counters, std::uint64_t epoch) {
    if (counters.peak_epoch.load(std::memory_order_acquire) != epoch) return 0;
    return counters.peak_live_bytes.load(relaxed) - counters.live_bytes_at_peak_start.load(relaxed);
}

// Its destructor runs when the thread exits: it folds the thread's counts into the
// retired totals and unlinks them from the registry.
struct thread_exit_hook {
    thread_exit_hook() = default;
    thread_exit_hook(const thread_exit_hook&) = delete;
    thread_exit_hook& operator=(const thread_exit_hook&) = delete;
    ~thread_exit_hook() {
        thread_counters& counters = this_thread_counters;
        const std::lock_guard lock(registry.mutex);
        registry.retired_allocs += counters.allocs.load(relaxed);
        registry.retired_bytes += counters.bytes.load(relaxed);
        registry.retired_peak_above_start += peak_above_start(counters, current_peak_epoch.load(relaxed));
        if (counters.previous != nullptr) {
            counters.previous->next = counters.next;
        } else {
            registry.first = counters.next;
        }
        if (counters.next != nullptr) counters.next->previous = counters.previous;
        this_thread_state = thread_state::exited;
    }
};

thread_local thread_exit_hook this_thread_exit_hook;

void register_this_thread() {
    {
        const std::lock_guard lock(registry.mutex);
        thread_counters& counters = this_thread_counters;
        counters.next = registry.first;
        if (registry.first != nullptr) registry.first->previous = &counters;
        registry.first = &counters;
    }
    // Constructing the thread_local hook registers its destructor for thread exit
    // (glibc records it with calloc, not operator new, so this does not recurse).
    [[maybe_unused]] const thread_exit_hook& hook = this_thread_exit_hook;
    this_thread_state = thread_state::registered;
}

void change_live_bytes(thread_counters& counters, std::int64_t change) {
    std::int64_t live = counters.live_bytes.load(relaxed);
    const std::uint64_t epoch = current_peak_epoch.load(relaxed);
    if (counters.peak_epoch.load(relaxed) != epoch) [[unlikely]] {
        counters.live_bytes_at_peak_start.store(live, relaxed);
        counters.peak_live_bytes.store(live, relaxed);
        counters.peak_epoch.store(epoch, std::memory_order_release);
    }
    live += change;
    counters.live_bytes.store(live, relaxed);
    if (live > counters.peak_live_bytes.load(relaxed)) counters.peak_live_bytes.store(live, relaxed);
}

void count_allocation(std::size_t requested_bytes) {
    if (this_thread_state != thread_state::registered) [[unlikely]] {
        if (this_thread_state == thread_state::unregistered) {
            register_this_thread();
        } else {
            // Thread-exit code running after the hook: count it straight into the retired
            // totals (its live bytes no longer matter).
            const std::lock_guard lock(registry.mutex);
            ++registry.retired_allocs;
            registry.retired_bytes += requested_bytes;
            return;
        }
    }
    thread_counters& counters = this_thread_counters;
    add(counters.allocs, 1);
    add(counters.bytes, requested_bytes);
    change_live_bytes(counters, static_cast<std::int64_t>(requested_bytes));
}

void count_deallocation(std::size_t requested_bytes) {
    if (this_thread_state != thread_state::registered) [[unlikely]] {
        if (this_thread_state == thread_state::exited) return;
        register_this_thread();
    }
    change_live_bytes(this_thread_counters, -static_cast<std::int64_t>(requested_bytes));
}

// The header of a block whose user part starts at `user`: the requested size is in the
// 8 bytes just before it.
void store_size(void* user, std::size_t size) {
    std::memcpy(static_cast<char*>(user) - sizeof size, &size, sizeof size);
}

std::size_t stored_size(void* user) {
    std::size_t size = 0;
    std::memcpy(&size, static_cast<char*>(user) - sizeof size, sizeof size);
    return size;
}

// Where the user part starts in an over-aligned block: the header takes one alignment
// unit (at least header_bytes), so the user part keeps the alignment.
std::size_t aligned_offset(std::align_val_t alignment) {
    return std::max(static_cast<std::size_t>(alignment), header_bytes);
}

// Calls the new handler, as operator new must before it gives up; false if there is none.
bool call_new_handler() {
    const std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) return false;
    handler();
    return true;
}

void* allocate(std::size_t size) {
    for (;;) {
        if (void* block = std::malloc(size + header_bytes)) {
            void* user = static_cast<char*>(block) + header_bytes;
            store_size(user, size);
            count_allocation(size);
            return user;
        }
        if (!call_new_handler()) throw std::bad_alloc();
    }
}

void* allocate_aligned(std::size_t size, std::align_val_t alignment) {
    const std::size_t offset = aligned_offset(alignment);
    // posix_memalign needs a power of two that is a multiple of sizeof(void*).
    const std::size_t block_alignment = std::max(static_cast<std::size_t>(alignment), sizeof(void*));
    for (;;) {
        void* block = nullptr;
        if (posix_memalign(&block, block_alignment, size + offset) == 0) {
            void* user = static_cast<char*>(block) + offset;
            store_size(user, size);
            count_allocation(size);
            return user;
        }
        if (!call_new_handler()) throw std::bad_alloc();
    }
}

void deallocate(void* user) noexcept {
    if (user == nullptr) return;
    count_deallocation(stored_size(user));
    std::free(static_cast<char*>(user) - header_bytes);
}

void deallocate_aligned(void* user, std::align_val_t alignment) noexcept {
    if (user == nullptr) return;
    count_deallocation(stored_size(user));
    std::free(static_cast<char*>(user) - aligned_offset(alignment));
}

template <class Allocate>
void* allocate_or_null(Allocate allocate_block) noexcept {
    try {
        return allocate_block();
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

// The two readers below need registry.mutex held.
alloc_totals totals_of_all_threads() {
    alloc_totals totals{registry.retired_allocs, registry.retired_bytes};
    for (const thread_counters* counters = registry.first; counters != nullptr; counters = counters->next) {
        totals.allocs += counters->allocs.load(relaxed);
        totals.bytes += counters->bytes.load(relaxed);
    }
    return totals;
}

std::int64_t peak_live_bytes_of_all_threads() {
    const std::uint64_t epoch = current_peak_epoch.load(relaxed);
    std::int64_t peak_live_bytes = registry.retired_peak_above_start;
    for (const thread_counters* counters = registry.first; counters != nullptr; counters = counters->next) {
        peak_live_bytes += peak_above_start(*counters, epoch);
    }
    return peak_live_bytes;
}

}  // namespace

alloc_totals alloc_totals_now() {
    const std::lock_guard lock(registry.mutex);
    return totals_of_all_threads();
}

bool counting_enabled() { return true; }

op_counters::op_counters() {
    const std::lock_guard lock(registry.mutex);
    current_peak_epoch.fetch_add(1, relaxed);
    registry.retired_peak_above_start = 0;
    registry.window = measurement_window{};
    registry.window.at_open = totals_of_all_threads();
}

void op_counters::report(benchmark::State& state) const {
    measurement_window window;
    {
        const std::lock_guard lock(registry.mutex);
        if (!registry.window.closed) {
            registry.window.at_close = totals_of_all_threads();
            registry.window.peak_live_bytes = peak_live_bytes_of_all_threads();
            registry.window.closed = true;
        }
        window = registry.window;
    }
    if (state.thread_index() != 0) return;
    using benchmark::Counter;
    state.counters["allocs_per_op"] =
        Counter(static_cast<double>(window.at_close.allocs - window.at_open.allocs), Counter::kAvgIterations);
    state.counters["bytes_per_op"] =
        Counter(static_cast<double>(window.at_close.bytes - window.at_open.bytes), Counter::kAvgIterations);
    state.counters["peak_live_bytes"] = Counter(static_cast<double>(window.peak_live_bytes));
}

}  // namespace vtb::harness

// The twenty replaceable global allocation and deallocation functions.
using vtb::harness::allocate;
using vtb::harness::allocate_aligned;
using vtb::harness::allocate_or_null;
using vtb::harness::deallocate;
using vtb::harness::deallocate_aligned;

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, std::align_val_t alignment) { return allocate_aligned(size, alignment); }
void* operator new[](std::size_t size, std::align_val_t alignment) { return allocate_aligned(size, alignment); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return allocate_or_null([size] { return allocate(size); });
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return allocate_or_null([size] { return allocate(size); });
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return allocate_or_null([size, alignment] { return allocate_aligned(size, alignment); });
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return allocate_or_null([size, alignment] { return allocate_aligned(size, alignment); });
}

void operator delete(void* block) noexcept { deallocate(block); }
void operator delete[](void* block) noexcept { deallocate(block); }
void operator delete(void* block, std::size_t) noexcept { deallocate(block); }
void operator delete[](void* block, std::size_t) noexcept { deallocate(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { deallocate(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { deallocate(block); }
void operator delete(void* block, std::align_val_t alignment) noexcept { deallocate_aligned(block, alignment); }
void operator delete[](void* block, std::align_val_t alignment) noexcept { deallocate_aligned(block, alignment); }
void operator delete(void* block, std::size_t, std::align_val_t alignment) noexcept {
    deallocate_aligned(block, alignment);
}
void operator delete[](void* block, std::size_t, std::align_val_t alignment) noexcept {
    deallocate_aligned(block, alignment);
}
void operator delete(void* block, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    deallocate_aligned(block, alignment);
}
void operator delete[](void* block, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    deallocate_aligned(block, alignment);
}

#else  // counting compiled out

namespace vtb::harness {

alloc_totals alloc_totals_now() { return {}; }

bool counting_enabled() { return false; }

op_counters::op_counters() = default;

void op_counters::report(benchmark::State&) const {}

}  // namespace vtb::harness

#endif
