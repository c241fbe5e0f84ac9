// vtb/value_task.hpp: ValueTask<T>, the equivalent of .NET's ValueTask<T> (ValueTask<void>
// of ValueTask).
//
// Semantics
// - Holds exactly one of: an inline result, a Task<T>, or a (ValueTaskSource<T>*, token)
//   pair. sizeof(ValueTask<int>) == 16 on x86-64, like .NET's.
// - It is consumed once: by co_await, by result() or by as_task()/preserve(). It is
//   move-only (a copy is how .NET code awaits twice), and a moved-from instance is dead.
// - co_await on an rvalue (`co_await f()`, `co_await std::move(vt)`) consumes the
//   instance like a move: the inline value, or the Task's result when this is its only
//   handle, is moved out. co_await on an lvalue (`co_await vt`) only reads it: the inline
//   value or the Task's result is copied (for a source, get_result decides).
// - Misuse throws vtb::invalid_operation in every build type, naming the rule: consumed
//   twice (awaited, read or converted before), used after a move, used after
//   as_task()/preserve(), a second awaiter while the first waits, result() before
//   completion; a stale token is caught by the source (see value_task_source.hpp).
//   The use tracking is one load and one store of a use byte per use, plain movs with no
//   locked instruction on any path: relaxed atomic ones (std::atomic_ref) for an lvalue
//   await and the queries, plain accesses for an owner's use (an rvalue await, result(),
//   as_task(), preserve(), a move), which the compiler folds away on an instance it has
//   just seen constructed (`co_await f()`). So its exact contract is:
//   * a second use that happens after the first (same thread, or after synchronising
//     with it) is always caught;
//   * two awaits of one lvalue instance at the same instant, on two threads, are
//     memory-safe and free of data races (each reads the value: no double move, no
//     double free; ThreadSanitizer has nothing to report), but the second may go
//     undetected, and both then receive the value. The same holds for a Task-backed
//     instance (both may register with the Task, which allows it, and both copy the
//     result). For a source-backed one the source decides: while it is pending, a
//     simultaneous second awaiter is always caught by its registration CAS ("second
//     continuation"); once completed, both call get_result, which the core allows (it
//     copies) but a source that recycles itself there (the pool's) does not: two
//     threads awaiting a pooled source's instance at once is a data race, as in .NET;
//   * an rvalue await, result(), as_task() or a move racing any other use of the same
//     instance is a data race, as two moves of any C++ object are.
//   VTB_MISUSE_CHECKS=0 (vtb/errors.hpp) compiles the use tracking out; the source's
//   checks, result() before completion and the empty-Task check stay.
// - Awaiting a source that completes between await_ready and the registration (the source
//   runs the continuation inside on_completed) does not suspend; otherwise the source's
//   continuation resumes the awaiting coroutine. Told apart with a thread-local record of
//   the registering await, not an atomic exchange.
// - as_task() returns the wrapped Task itself, a completed Task for an inline result, or
//   an adapter Task for a source. preserve() returns an instance that no longer depends on
//   a source (a Task-backed one for a source, itself otherwise).
// - As a coroutine return type (the naive `async ValueTask<T>`), the body runs eagerly and
//   the result lives in the coroutine frame, which the ValueTask references.
//
// Cost (allocations per call, counted at operator new)
// - From a value: 0. From a Task or a source: 0 beyond what they cost. Awaiting an
//   rvalue: 0. Awaiting an lvalue: 0 beyond the copy of the value (for a T that owns
//   memory, such as a long std::string, that copy allocates).
// - As a coroutine return type: 1 on every path (the frame), as for Task<T>; only a
//   plain function returning a value, a pooled source, or pooled_value_task avoids it.
// - as_task(): 0 for a Task, Task::from_result's cost for a value, 1 for a source.
// - A move: for a T that is trivially copyable and fills the 16 bytes (int), two 8-byte
//   loads and stores and one 4-byte store marking the source, no branch; otherwise T's
//   move and a branch on what the instance holds.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <type_traits>
#include <utility>

#include "vtb/errors.hpp"
#include "vtb/task.hpp"
#include "vtb/value_task_source.hpp"

namespace vtb {

template <class T = void>
class ValueTask;

namespace detail {

template <class T>
struct inline_slot {
    inline_slot() noexcept {}
    ~inline_slot() {}
    union {
        T value;
    };
};
template <>
struct inline_slot<void> {};

// What has happened to a ValueTask: each consumed state names the rule a further use breaks.
// `awaiting`: an await of a Task- or source-backed instance began (it stays so after the
// await: the operation's state tells a concurrent awaiter from a second, later one);
// `awaited`: an inline value was awaited.
enum class value_task_use : unsigned char { fresh, awaiting, awaited, result_read, converted, moved_from };

// `pending`: the operation had not completed (so an `awaiting` instance is being awaited now).
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_unusable(value_task_use use, bool pending) {
    switch (use) {
        case value_task_use::awaiting:
            if (pending)
                throw invalid_operation(
                    "vtb::ValueTask awaited concurrently: a second awaiter arrived while the first was waiting; "
                    "a ValueTask supports one awaiter (use as_task() to share it)");
            break;
        case value_task_use::moved_from:
            throw invalid_operation("vtb::ValueTask used after a move: the moved-from instance is empty");
        case value_task_use::converted:
            throw invalid_operation("vtb::ValueTask used after as_task()/preserve(): the conversion consumed it");
        default:
            break;
    }
    throw invalid_operation(
        "vtb::ValueTask consumed twice: it was already awaited or its result() read; "
        "a ValueTask may be awaited at most once (use as_task() to await many times)");
}

// The await of a source-backed ValueTask that is registering its continuation on this
// thread (ValueTask::basic_awaiter::suspend_on_source), so that the continuation can tell a
// source that runs it inside on_completed from one that runs it later or elsewhere.
struct source_registration {
    const void* awaiter;
    bool completed_inline;
};

inline constinit thread_local source_registration* current_source_registration = nullptr;

// Makes `registration` current on this thread for its lifetime (restoring the outer one:
// a source's on_completed may itself await another source).
class source_registration_scope {
public:
    explicit source_registration_scope(source_registration& registration) noexcept
        : outer_(std::exchange(current_source_registration, &registration)) {}
    source_registration_scope(const source_registration_scope&) = delete;
    source_registration_scope& operator=(const source_registration_scope&) = delete;
    ~source_registration_scope() { current_source_registration = outer_; }

private:
    source_registration* outer_;
};

// Task adapter for a source-backed ValueTask (as_task, preserve): 1 allocation.
template <class T>
class source_task_state final : public task_state<T> {
public:
    static Task<T> start(ValueTaskSource<T>& source, std::uint16_t token) {
        auto* state = new source_task_state(source, token);
        Task<T> task = Task<T>::adopt(state);
        try {
            source.on_completed(&on_source_completed, state, token);
        } catch (...) {
            state->release();  // the registration's reference
            throw;
        }
        return task;
    }

private:
    // References: the returned Task's and the pending registration's.
    source_task_state(ValueTaskSource<T>& source, std::uint16_t token) noexcept
        : task_state<T>([](task_state<T>* self) noexcept { delete static_cast<source_task_state*>(self); }, 2),
          source_(&source),
          token_(token) {}

    static void on_source_completed(void* raw) {
        auto* self = static_cast<source_task_state*>(raw);
        try {
            if constexpr (std::is_void_v<T>) {
                self->source_->get_result(self->token_);
                self->result.set_value();
            } else {
                self->result.set_value(self->source_->get_result(self->token_));
            }
        } catch (...) {
            self->result.set_caught_exception(std::current_exception());  // canceled for operation_canceled
        }
        self->complete_and_wake();
        self->release();
    }

    ValueTaskSource<T>* source_;
    std::uint16_t token_;
};

template <class T>
struct pooled_value_task_promise;

template <class T>
struct value_task_promise : task_promise<T, value_task_promise<T>> {
    ValueTask<T> get_return_object() noexcept { return ValueTask<T>(Task<T>::adopt(this)); }
};

}  // namespace detail

template <class T>
class [[nodiscard]] ValueTask {
    using use = detail::value_task_use;
    // released: a Task-backed instance whose Task reference went elsewhere (moved from,
    // converted): nothing to release.
    enum class kind : unsigned char { value, task, source, released };
    // Bytes 0-3 of a ValueTask: what the instance holds (the lowest byte), its use state and
    // the source token, as one 32-bit word that is only ever stored whole. Held as separate
    // fields, they were stored with narrow stores (a move's field-by-field copy, a use mark
    // into one byte) that the next move's wide load of the same bytes could not be forwarded
    // from: a store-to-load forwarding stall on every move, visible in time, not in
    // instruction counts. The contents byte comes first so that a destructor's one-byte read
    // of it starts where a move's 4-byte mark of the source starts. The word is the first
    // member: at bytes 12-15 (after the pointer and the value), the same instructions took
    // ValueTask<int> 16-18 ns through copy_cost's 8 calls against Task's 9-10 on this
    // project's AMD EPYC (Zen 5), with GCC and Clang alike; at bytes 0-3, 9.7-9.9 ns. Written
    // out in assembly, the slow case also depended on where the argument sat in the caller's
    // frame: an effect of the marked bytes' address (memory renaming or store forwarding; no
    // hardware counters here to tell which), not of the work.
    class control_word {
    public:
        control_word() noexcept = default;  // unset: only for a move that copies the word
        constexpr explicit control_word(kind contents, std::uint16_t token = 0, use state = use::fresh) noexcept
            : bits_(std::uint32_t{static_cast<unsigned char>(contents)} |
                    std::uint32_t{static_cast<unsigned char>(state)} << state_shift |
                    std::uint32_t{token} << token_shift) {}

        std::uint16_t token() const noexcept { return static_cast<std::uint16_t>(bits_ >> token_shift); }
        kind contents() const noexcept { return static_cast<kind>(bits_ & 0xff); }
        use state() const noexcept { return static_cast<use>(bits_ >> state_shift & 0xff); }
        control_word with_contents(kind next) const noexcept { return control_word(next, token(), state()); }
        control_word with_state(use next) const noexcept { return control_word(contents(), token(), next); }
        // Holds `held` and is fresh: one comparison.
        bool is_fresh_with(kind held) const noexcept {
            return static_cast<std::uint16_t>(bits_) == static_cast<std::uint16_t>(control_word(held).bits_);
        }

    private:
        static constexpr unsigned state_shift = 8;
        static constexpr unsigned token_shift = 16;
        std::uint32_t bits_;
    };
    static_assert(sizeof(control_word) == sizeof(std::uint32_t));

public:
    using value_type = T;
    using promise_type = detail::value_task_promise<T>;

    // A completed ValueTask (like `default(ValueTask)` in .NET).
    ValueTask() noexcept requires std::is_void_v<T> : control_{kind::value} {}

    template <class U = T>
        requires(!std::is_void_v<T> && std::is_constructible_v<T, U&&>)
    explicit ValueTask(U&& value) : control_{kind::value} {
        std::construct_at(std::addressof(slot_.value), std::forward<U>(value));
    }

    explicit ValueTask(Task<T>&& task) : control_{kind::task}, object_(std::exchange(task.state_, nullptr)) {
        if (object_ == nullptr) [[unlikely]]
            detail::throw_invalid_operation("vtb::ValueTask: constructed from an empty Task");
    }
    explicit ValueTask(const Task<T>& task) : ValueTask(Task<T>(task)) {}

    ValueTask(ValueTaskSource<T>& source, std::uint16_t token) noexcept
        : control_{kind::source, token}, object_(&source) {}

    // Moving is not an atomic operation (moving one object from two threads is a race
    // in any type), so plain loads and stores suffice: no locked instruction per move.
    ValueTask(ValueTask&& other) noexcept { move_from(other); }

    // Member by member, never by destroying and re-creating *this, which would be undefined
    // when *this is the ValueTask base of a pooled_value_task.
    ValueTask& operator=(ValueTask&& other) noexcept {
        if (this != &other) {
            release();
            move_from(other);
        }
        return *this;
    }

    [[gnu::always_inline]] ~ValueTask() { release(); }

    bool is_completed() const { return status<true>() != ValueTaskSourceStatus::pending; }
    bool is_completed_successfully() const { return status<true>() == ValueTaskSourceStatus::succeeded; }
    bool is_faulted() const { return status<true>() == ValueTaskSourceStatus::faulted; }
    bool is_canceled() const { return status<true>() == ValueTaskSourceStatus::canceled; }

    // The result of a completed instance; consumes it (like a move: one thread at a time).
    // Throws invalid_operation before completion.
    T result() {
        if (status<false>() == ValueTaskSourceStatus::pending)
            detail::throw_invalid_operation(
                "vtb::ValueTask::result() called before completion: await it, "
                "or check is_completed() first (a ValueTask must not be blocked on)");
        begin_use(use::result_read);
        return take_result();
    }

    // A Task for the same operation, which may be awaited any number of times; consumes this.
    Task<T> as_task() {
        begin_use(use::converted);
        switch (control_.contents()) {
            case kind::task:
                control_ = control_.with_contents(kind::released);
                return Task<T>::adopt(task_state());
            case kind::source:
                return detail::source_task_state<T>::start(*source(), control_.token());
            case kind::value:
                break;
            case kind::released:
                detail::throw_unusable(use::moved_from, false);
        }
        if constexpr (std::is_void_v<T>)
            return Task<T>::completed_task();
        else
            return Task<T>::from_result(std::move(slot_.value));
    }

    // An instance that stays valid however long it is kept (detached from any source).
    ValueTask preserve() {
        if (control_.contents() == kind::source) return ValueTask(as_task());
        begin_use(use::converted);
        return ValueTask(*this, control_.with_state(use::fresh));
    }

    // `co_await` on an rvalue (Claim) consumes the instance like a move: the inline value
    // or the Task's result is moved out. On an lvalue the instance is only read: the
    // inline value or the Task's result is copied, so two threads awaiting one lvalue at
    // once are memory-safe (see the header comment).
    template <bool Claim>
    class basic_awaiter {
    public:
        // The kind is read once, here: the await's three steps dispatch on this copy, which
        // the compiler can follow from the code that built the instance.
        explicit basic_awaiter(ValueTask& self) noexcept
            : self_(self), held_(self.template load_control<!Claim>().contents()) {}

        // One load and one store of the use state per await (plain movs: no locked
        // instruction on any path; relaxed atomic ones for an lvalue, see load_control).
        [[gnu::always_inline]] bool await_ready() {
            if (self_.template fresh_with<!Claim>(kind::task)) {
                self_.template mark<!Claim>(use::awaiting);  // a second awaiter arriving meanwhile is caught
                return self_.task_state()->is_completed();
            }
            if (self_.template fresh_with<!Claim>(kind::value)) return true;  // marked awaited in await_resume
            self_.template check_fresh<!Claim>();                             // throws for a used instance
            self_.template mark<!Claim>(use::awaiting);
            return self_.source()->status(self_.template load_control<!Claim>().token()) !=
                   ValueTaskSourceStatus::pending;
        }

        [[gnu::always_inline]] bool await_suspend(std::coroutine_handle<> awaiting) {
            if (held_ == kind::task) {
                auto* node = ::new (static_cast<void*>(node_)) detail::continuation_node;  // default-initialised
                node->coroutine = awaiting.address();
                node->callback = nullptr;
                return self_.task_state()->waiters.try_add(node);
            }
            return suspend_on_source(awaiting);
        }

        // Out of line: keeps the awaiting coroutine's code small for the other kinds.
        // A concurrent second awaiter of a source-backed instance is caught by the source's
        // own registration CAS (a second continuation). The source may run the
        // continuation inside on_completed, on this thread (it completed meanwhile): the
        // continuation then finds this await's registration record current on its thread,
        // marks it and returns, and this function tells the coroutine not to suspend, so
        // the resumption never nests inside await_suspend. Run anywhere else (another
        // thread, or later), it resumes the coroutine. No atomic read-modify-write: the
        // record is thread-local, and the source's own registration publishes `awaiting_`.
        [[gnu::noinline]] bool suspend_on_source(std::coroutine_handle<> awaiting) {
            awaiting_ = awaiting.address();
            detail::source_registration registration{this, false};
            const detail::source_registration_scope current(registration);
            self_.source()->on_completed(&on_source_completed, this, self_.template load_control<!Claim>().token());
            // From here on the coroutine may be running on another thread, or be gone:
            // only the record, on this stack, is read.
            return !registration.completed_inline;
        }

        static void on_source_completed(void* raw) {
            detail::source_registration* registering = detail::current_source_registration;
            if (registering != nullptr && registering->awaiter == raw) [[unlikely]] {
                registering->completed_inline = true;  // suspend_on_source resumes by not suspending
                return;
            }
            std::coroutine_handle<>::from_address(static_cast<basic_awaiter*>(raw)->awaiting_).resume();
        }

        // The inline value is tested first: it is the path that must cost next to nothing.
        [[gnu::always_inline]] T await_resume() {
            if (held_ == kind::value) [[likely]] {
                self_.template mark<!Claim>(use::awaited);
                return self_.template inline_result<Claim>();
            }
            if (held_ == kind::source) return self_.source()->get_result(self_.template load_control<!Claim>().token());
            if constexpr (Claim)
                return self_.task_state()->take_or_copy();
            else
                return std::as_const(*self_.task_state()).result.get();
        }

    private:
        ValueTask& self_;
        kind held_;
        // Neither is initialised unless the awaiter suspends, so a ready await costs nothing
        // for them: the Task's waiter node (constructed in await_suspend), or for a source
        // the awaiting coroutine's address.
        union {
            alignas(detail::continuation_node) unsigned char node_[sizeof(detail::continuation_node)];
            void* awaiting_;
        };
    };

    using awaiter = basic_awaiter<false>;

    basic_awaiter<false> operator co_await() & noexcept { return basic_awaiter<false>(*this); }
    basic_awaiter<true> operator co_await() && noexcept { return basic_awaiter<true>(*this); }

private:
    // Takes over `from`'s contents, which is left holding nothing to release; `control` is
    // from's control word, or a copy of it with another use state.
    ValueTask(ValueTask& from, control_word control) noexcept : control_(control) { take_contents(from); }

    // What this instance holds, released (the destructor's work).
    [[gnu::always_inline]] void release() noexcept {
        if (control_.contents() == kind::task) {
            task_state()->release();
        } else if (control_.contents() == kind::value) {
            if constexpr (!std::is_void_v<T>) std::destroy_at(std::addressof(slot_.value));
        }
    }

    // A move of a ValueTask whose members fill it without padding (ValueTask<int>: 8 + 4 + 4
    // bytes) and whose T needs no move constructor or destructor copies it as 8-byte words
    // and marks the source with one constant 4-byte store, with no branch on what it holds.
    // The words go through general-purpose registers (the empty asm keeps GCC's vectoriser
    // from merging them into one 16-byte XMM copy, whose chain of store-to-load forwards
    // measured slower on this project's AMD EPYC): the next move's loads are the same width
    // and address as this move's stores, so each is forwarded. Only the members' bytes are
    // copied, never a derived class's (pooled_value_task adds none).
    static constexpr bool moves_as_words() noexcept {
        constexpr std::size_t members = sizeof(void*) + sizeof(detail::inline_slot<T>) + sizeof(control_word);
        return (std::is_void_v<T> || (std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>)) &&
               members == sizeof(ValueTask) && members % sizeof(std::uint64_t) == 0;
    }

    // A move's work (this holds nothing to release): `from`'s contents and control word taken over,
    // `from` marked moved-from.
    [[gnu::always_inline]] void move_from(ValueTask& from) noexcept {
        if constexpr (moves_as_words()) {
            copy_words(from);
        } else {
            control_ = from.control_;
            take_contents(from);
            from.mark<false>(use::moved_from);
        }
    }

    [[gnu::always_inline]] void copy_words(ValueTask& from) noexcept {
        std::uint64_t words[sizeof(ValueTask) / sizeof(std::uint64_t)];
        std::memcpy(words, static_cast<const void*>(&from), sizeof words);
        for (std::uint64_t& word : words) asm("" : "+r"(word));
        std::memcpy(static_cast<void*>(this), words, sizeof words);
        from.control_ = control_word(kind::released, 0, use::moved_from);  // nothing to release, unusable
    }

    // Takes over `from`'s contents (this holds nothing, and has its control word already),
    // leaving it nothing to release.
    [[gnu::always_inline]] void take_contents(ValueTask& from) noexcept {
        const kind contents = from.control_.contents();
        if (contents == kind::value) {
            if constexpr (!std::is_void_v<T>)
                std::construct_at(std::addressof(slot_.value), std::move(from.slot_.value));
            return;
        }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // object_ is set for every kind but value
#endif
        object_ = from.object_;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
        if (contents == kind::task) from.control_ = from.control_.with_contents(kind::released);
    }

    detail::task_state<T>* task_state() const noexcept { return static_cast<detail::task_state<T>*>(object_); }
    ValueTaskSource<T>* source() const noexcept { return static_cast<ValueTaskSource<T>*>(object_); }

    // The use tracking: one load and one store of the control word per use, plain movs on x86-64 (no
    // locked instruction). A second use is always caught when it follows the first (on one
    // thread, or after synchronising with it); two uses at the same instant may both pass
    // the check. Compiled out with VTB_MISUSE_CHECKS=0.
    // Shared: the uses that may meet another thread's use of the same instance without
    // being a data race by the contract (an lvalue await, the queries) access the control word through
    // std::atomic_ref, relaxed, so that two of them at once are race-free. The others (an
    // rvalue await, result(), as_task(), preserve(), a move) are an owner's, as a move is,
    // and access it plainly: on an instance the compiler has just seen constructed (the
    // `co_await f()` of every hot path) the check and the marking then fold away.
    // The control word as a shared use reads it (relaxed, whole: a shared mark stores the
    // whole word), or as an owner does (plainly).
    template <bool Shared>
    [[gnu::always_inline]] control_word load_control() const noexcept {
        if constexpr (Shared)
            return std::atomic_ref<control_word>(const_cast<control_word&>(control_)).load(std::memory_order_relaxed);
        else
            return control_;
    }

    template <bool Shared>
    [[gnu::always_inline]] void mark(use next) noexcept {
        if constexpr (misuse_checks) {
            if constexpr (Shared) {
                const std::atomic_ref<control_word> shared(control_);
                shared.store(shared.load(std::memory_order_relaxed).with_state(next), std::memory_order_relaxed);
            } else {
                control_ = control_.with_state(next);
            }
        }
    }

    template <bool Shared>
    [[gnu::always_inline]] void check_usable() const {
        if constexpr (misuse_checks) {
            const control_word now = load_control<Shared>();
            const use current = now.state();
            if (current != use::fresh && (current != use::awaiting || !operation_pending(now))) [[unlikely]]
                detail::throw_unusable(current, false);
        }
    }

    template <bool Shared>
    [[gnu::always_inline]] void check_fresh() const {
        if constexpr (misuse_checks) {
            const control_word now = load_control<Shared>();
            const use current = now.state();
            if (current != use::fresh) [[unlikely]]
                detail::throw_unusable(current, current == use::awaiting && operation_pending(now));
        }
    }

    // For the misuse messages: a Task or source that has not completed yet (`now`: the
    // control word as the caller read it).
    [[gnu::cold]] bool operation_pending(control_word now) const noexcept {
        try {
            switch (now.contents()) {
                case kind::task:
                    return !task_state()->is_completed();
                case kind::source:
                    return source()->status(now.token()) == ValueTaskSourceStatus::pending;
                case kind::value:
                case kind::released:
                    break;
            }
        } catch (...) {  // a stale token: the operation ended
        }
        return false;
    }

    // Fresh (unused) and of kind `held`. An owner (not Shared) reads the control word with
    // a plain load: one compare.
    template <bool Shared>
    [[gnu::always_inline]] bool fresh_with(kind held) const noexcept {
        if constexpr (!misuse_checks)
            return load_control<Shared>().contents() == held;
        else
            return load_control<Shared>().is_fresh_with(held);
    }

    // pooled_value_task's synchronous completion: this fresh instance, which holds the
    // coroutine's own frame, takes the result inline instead. The frame's references are
    // not released: no one else ever saw it, and the coroutine frees it as it ends.
    template <class>
    friend struct detail::pooled_value_task_promise;
    template <class... Value>
    void hold_inline_result(Value&&... value) noexcept {
        if constexpr (!std::is_void_v<T>) std::construct_at(std::addressof(slot_.value), std::forward<Value>(value)...);
        control_ = control_word(kind::value);
    }

    // An owner's use (result(), as_task(), preserve()).
    void begin_use(use next) {
        check_fresh<false>();
        mark<false>(next);
    }

    // While an await is in progress, queries stay allowed.
    template <bool Shared>
    ValueTaskSourceStatus status() const {
        check_usable<Shared>();
        const control_word now = load_control<Shared>();
        switch (now.contents()) {
            case kind::value:
                return ValueTaskSourceStatus::succeeded;
            case kind::source:
                return source()->status(now.token());
            case kind::task:
                break;
            case kind::released:
                detail::throw_unusable(use::moved_from, false);
        }
        const detail::task_state<T>& state = *task_state();
        return state.is_completed() ? state.state() : ValueTaskSourceStatus::pending;
    }

    // result(): the value moved out (the caller consumes the instance).
    T take_result() {
        if (control_.contents() == kind::task) return task_state()->take_or_copy();
        if (control_.contents() == kind::source) return source()->get_result(control_.token());
        return inline_result<true>();
    }

    // Claim: move the inline value out; else copy it.
    template <bool Claim>
    [[gnu::always_inline]] T inline_result() {
        if constexpr (!std::is_void_v<T>) {
            if constexpr (Claim)
                return std::move(slot_.value);
            else
                return slot_.value;
        }
    }

    control_word control_;
    [[no_unique_address]] detail::inline_slot<T> slot_;
    void* object_;  // task_state<T>* or ValueTaskSource<T>*, by control_.contents() (unset for an inline value)
};

#if defined(__x86_64__)
static_assert(sizeof(ValueTask<int>) == 16, "ValueTask<int> must stay as small as .NET's (16 bytes on x86-64)");
#endif

}  // namespace vtb
