// scenarios/factory_kinds.hpp: claim C2's completed-task factories, one callable per
// `factory/kind:K` benchmark (factory.cpp) and its tests. Each kind is constructed before
// the timed loop (anything it prepares is not the factory's cost) and called once per
// iteration; the call's result is what the caller would hold.
#pragma once

#include <exception>
#include <stdexcept>
#include <string_view>

#include "type_list.hpp"
#include "vtb/task.hpp"
#include "vtb/value_task.hpp"

namespace vtb::scenarios::factory_kinds {

// Task<int>::from_result of a value .NET and vtb cache (-1..8): a shared immortal task.
struct from_result_cached {
    static constexpr std::string_view name = "from_result_cached";
    Task<int> operator()() const { return Task<int>::from_result(3); }
};

// Task<int>::from_result of a value outside the cache: a new completed state.
struct from_result_uncached {
    static constexpr std::string_view name = "from_result_uncached";
    Task<int> operator()() const { return Task<int>::from_result(1000); }
};

// Task<void>::completed_task(): a singleton.
struct completed_task {
    static constexpr std::string_view name = "completed_task";
    Task<void> operator()() const { return Task<void>::completed_task(); }
};

// Task<int>::from_exception of an exception made once, before the loop.
struct from_exception {
    static constexpr std::string_view name = "from_exception";
    std::exception_ptr error = std::make_exception_ptr(std::runtime_error("factory benchmark error"));
    Task<int> operator()() const { return Task<int>::from_exception(error); }
};

// Task<int>::from_canceled(): makes its operation_canceled exception on every call.
struct from_canceled {
    static constexpr std::string_view name = "from_canceled";
    Task<int> operator()() const { return Task<int>::from_canceled(); }
};

// ValueTask<int> holding its value.
struct value_task_inline {
    static constexpr std::string_view name = "value_task_inline";
    ValueTask<int> operator()() const { return ValueTask<int>(1000); }
};

// The registry, in the order the vocabulary lists them.
using all_kinds = vtb::scenarios::type_list<from_result_cached, from_result_uncached, completed_task, from_exception,
                                            from_canceled, value_task_inline>;

}  // namespace vtb::scenarios::factory_kinds
