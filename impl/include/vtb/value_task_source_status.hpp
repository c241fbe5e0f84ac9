// vtb/value_task_source_status.hpp: ValueTaskSourceStatus, .NET's enum of the same name:
// the state of an operation (pending until it completes, then how it ended). The one
// status enum of the library: a stored result's state (detail/result_storage.hpp), a
// source's status() and ValueTask's queries all report it. No cost of its own.
#pragma once

namespace vtb {

enum class ValueTaskSourceStatus : unsigned char { pending, succeeded, faulted, canceled };

}  // namespace vtb
