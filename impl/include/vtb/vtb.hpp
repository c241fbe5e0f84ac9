// vtb/vtb.hpp: the whole library in one include.
#pragma once

#include "vtb/errors.hpp"
#include "vtb/lazy_task.hpp"
#include "vtb/pooling.hpp"
#include "vtb/run_loop.hpp"
#include "vtb/sync_wait.hpp"
#include "vtb/task.hpp"
#include "vtb/thread_pool.hpp"
#include "vtb/value_task.hpp"
#include "vtb/value_task_source.hpp"
#include "vtb/value_task_source_status.hpp"
