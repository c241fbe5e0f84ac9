// vtb/errors.hpp: the two exception types of the library.
//
// invalid_operation: a rule of use was broken (.NET's InvalidOperationException): a
//   ValueTask consumed twice or awaited concurrently, a result read before completion,
//   a value-task source completed twice or used with a stale token. The message names
//   the rule. Thrown in every build type, never compiled out.
// operation_canceled: the operation was canceled (.NET's OperationCanceledException).
//   A coroutine Task whose body lets it escape ends in the canceled state.
#pragma once

#include <stdexcept>

namespace vtb {

class invalid_operation : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

class operation_canceled : public std::runtime_error {
public:
    operation_canceled() : std::runtime_error("vtb: the operation was canceled") {}
    using std::runtime_error::runtime_error;
};

}  // namespace vtb
