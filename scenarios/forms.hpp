// scenarios/forms.hpp: the forms an operation's result can take in the caller's hands
// (a Task, a ValueTask holding its value, wrapping a Task or backed by a source, ...),
// registered in one list. The footprint scenario (`footprint/form:F`) and the misuse
// table (misuse.json's columns) name what they hold by these; the vocabulary publishes
// them with the property the report reads (value_task: the form is a ValueTask).
#pragma once

#include <array>
#include <string_view>

namespace vtb::scenarios {

struct form {
    std::string_view name;
    std::string_view type;  // the C++ type it stands for
    bool value_task;        // whether it is a ValueTask, bound by ValueTask's rules of use
};

namespace forms {
inline constexpr form task{"task", "vtb::Task<int>", false};
inline constexpr form value_task_inline{"value_task_inline", "vtb::ValueTask<int> holding its value", true};
inline constexpr form value_task_wrapping_task{"value_task_wrapping_task",
                                               "vtb::ValueTask<int> wrapping a vtb::Task<int>", true};
inline constexpr form value_task_source{"value_task_source",
                                        "vtb::ValueTask<int> from a vtb::value_task_source_pool<int> source", true};
inline constexpr form pooled_value_task{
    "pooled_value_task", "vtb::pooled_value_task<int> coroutine (a ValueTask<int> with a pooled frame)", true};
inline constexpr form source_core{"source_core", "vtb::ManualResetValueTaskSourceCore<int> used directly", false};
inline constexpr form std_future{"std_future", "std::future<int> from a std::promise<int>", false};
inline constexpr form asio_awaitable{"asio_awaitable", "asio::awaitable<int>", false};
inline constexpr form fiber{"fiber", "a boost::context fiber parked on its own stack", false};

// The registry, in the order tables show them.
inline constexpr std::array<form, 9> all{task,
                                         value_task_inline,
                                         value_task_wrapping_task,
                                         value_task_source,
                                         pooled_value_task,
                                         source_core,
                                         std_future,
                                         asio_awaitable,
                                         fiber};
}  // namespace forms

}  // namespace vtb::scenarios
