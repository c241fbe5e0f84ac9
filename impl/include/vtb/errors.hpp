// vtb/errors.hpp: the two exception types of the library.
//
// invalid_operation: a rule of use was broken (.NET's InvalidOperationException): a
//   ValueTask consumed twice or awaited concurrently, a result read before completion,
//   a value-task source completed twice or used with a stale token. The message names
//   the rule. Thrown in every build type (NDEBUG changes nothing). The one switch is
//   VTB_MISUSE_CHECKS (see below).
// operation_canceled: the operation was canceled (.NET's OperationCanceledException).
//   A coroutine Task whose body lets it escape ends in the canceled state.
//
// VTB_MISUSE_CHECKS (default 1): 0 compiles out ValueTask's use tracking (consumed twice,
//   used after a move or a conversion, a second awaiter while the first waits), so a
//   benchmark can show what that tracking costs. Checks .NET itself makes stay in: a
//   value-task source's stale token, get_result before completion, a second completion or
//   continuation; an empty Task; ValueTask::result() before completion. Define it the same
//   way in every translation unit of a program (on the target, not in one file).
#pragma once

#include <stdexcept>

#ifndef VTB_MISUSE_CHECKS
#define VTB_MISUSE_CHECKS 1
#endif

namespace vtb {

// Whether ValueTask tracks its uses (VTB_MISUSE_CHECKS).
inline constexpr bool misuse_checks = VTB_MISUSE_CHECKS != 0;

class invalid_operation : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

class operation_canceled : public std::runtime_error {
public:
    operation_canceled() : std::runtime_error("vtb: the operation was canceled") {}
    using std::runtime_error::runtime_error;
};

namespace detail {

// Out of line and cold, so that a check on a hot path stays a compare and a branch.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_invalid_operation(const char* rule) {
    throw invalid_operation(rule);
}

}  // namespace detail

}  // namespace vtb
