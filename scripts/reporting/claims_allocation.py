"""Claims about allocation: C2 (completed-task factories are cheap), C3 (an async Task that
completes synchronously still allocates), C4 (a ValueTask on the hit path allocates
nothing) and C6 (a reusable source makes the asynchronous path allocation-free), in C++
and on .NET."""

from __future__ import annotations

from dotnet_results import DotnetRun, find_row
from formats import format_allocs, format_bytes, format_ns
from reporting.claim_registry import ClaimResult, claim, dotnet_answer, no_data, result
from reporting.common import (
    ALLOC_EPSILON, BASE_COMPILER, ELIDING_COMPILER, allocs_text, base_name, cache, counter, find, is_zero, sweep,
)
from reporting.dotnet import bytes_text, dotnet_cache, dotnet_missing, dotnet_sweep, ns_text
from reporting.elision import TITLE as ELISION_TITLE
from verdicts import DOTNET_NUANCE, NOT_REPRODUCED, NUANCE, REPRODUCED
from vtb_results import Run

# C2: what each factory allocates per call on .NET (the claim's facts): cached results and
# CompletedTask reuse a pre-built task, the others make one task state.
FACTORY_ALLOCATIONS = {"from_result_cached": 0, "from_result_cached_bool": 0, "completed_task": 0,
                       "value_task_inline": 0, "from_result_uncached": 1, "from_exception": 1, "from_canceled": 1}
# C6: why a pooled implementation may still allocate in C++.
POOLING_GAPS = {"value_task_source": "a reusable source removes the operation's allocation, but in C++ the calling "
                                     "coroutine's frame needs a pool too",
                "pooled_value_task": "the frame pool does not serve every call"}


@claim("C2", "Completed-task factories are cheap (cached results and CompletedTask allocate nothing)")
def cheap_factories(run: Run) -> ClaimResult:
    kinds = run.vocabulary.factory_kinds
    present = {kind: allocs for kind in kinds
               if (allocs := counter(find(run, "factory", kind=kind), "allocs_per_op")) is not None}
    if "completed_task" not in present and "from_result_cached" not in present:
        return no_data(f"factory/kind:completed_task and factory/kind:from_result_cached in {base_name()}")
    figures = [", ".join(f"{kind} {format_allocs(allocs)}" for kind, allocs in present.items()) + " allocs/op"]
    missing = [kind for kind in kinds if kind not in present]
    missing_note = f" ({', '.join(missing)} not measured)" if missing else ""
    should_be_free = [kind for kind, allocs in present.items()
                      if FACTORY_ALLOCATIONS.get(kind) == 0 and not is_zero(allocs)]
    if should_be_free:
        return result(figures, NOT_REPRODUCED, f"{', '.join(should_be_free)} should reuse a pre-built result but "
                                               f"allocate{missing_note}.")
    unlike_dotnet = [f"{kind} ({format_allocs(allocs)})" for kind, allocs in present.items()
                     if FACTORY_ALLOCATIONS.get(kind) == 1 and abs(allocs - 1) >= ALLOC_EPSILON]
    if unlike_dotnet:
        return result(figures, NUANCE, f"The cached and completed results are free, but {', '.join(unlike_dotnet)} "
                                       f"do not allocate exactly one task state as .NET does{missing_note}.")
    return result(figures, REPRODUCED, f"Cached and completed results reuse a pre-built task (no allocation); every "
                                       f"other factory allocates one task state, as in .NET{missing_note}.")


@dotnet_answer("C2")
def cheap_factories_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    rows = {kind: row for kind in FACTORY_ALLOCATIONS if (row := find_row(dotnet.rows, "factory", kind)) is not None}
    if not rows:
        return dotnet_missing("the Factory benchmarks")
    figures = [", ".join(f"{kind} {row.bytes_per_op:.0f} B" for kind, row in rows.items()) + " per call"]
    free = all(row.bytes_per_op == 0 for kind, row in rows.items() if FACTORY_ALLOCATIONS[kind] == 0)
    allocating = all(row.bytes_per_op > 0 for kind, row in rows.items() if FACTORY_ALLOCATIONS[kind] == 1)
    return result(figures, REPRODUCED if free and allocating else NOT_REPRODUCED)


@claim("C3", "An async Task<T> method that completes synchronously still allocates its Task")
def task_allocates_on_a_hit(run: Run) -> ClaimResult:
    task_allocs = counter(cache(run, "task", 100), "allocs_per_op")
    if task_allocs is None:
        return no_data(f"cache_lookup task at hit:100 in {base_name()}")
    from_result_allocs = counter(cache(run, "task_from_result", 100), "allocs_per_op")
    task_bytes = counter(cache(run, "task", 100), "bytes_per_op")
    bytes_note = f" ({format_bytes(task_bytes)}/op)" if task_bytes is not None else ""
    figures = [f"hit:100: task {allocs_text(task_allocs)}{bytes_note}",
               f"task_from_result {allocs_text(from_result_allocs)}"]
    if task_allocs < 1 - ALLOC_EPSILON:
        return result(figures, NOT_REPRODUCED, f"A Task coroutine that finds the value in the cache allocates only "
                                               f"{format_allocs(task_allocs)} times per call.")
    return result(figures, REPRODUCED, f"Even on a cache hit the Task coroutine allocates {format_allocs(task_allocs)} "
                                       f"times per call: its frame is allocated when it is called, before the body "
                                       f"finds the value.")


@dotnet_answer("C3")
def task_allocates_on_a_hit_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    task = dotnet_cache(dotnet, "task", 100)
    if task is None:
        return dotnet_missing("cache_lookup task at hit 100")
    figure = f"async Task<int> at 100 % hits: {bytes_text(task)}"
    runtime_async = dotnet_cache(dotnet, "task", 100, "runtime_async")
    if runtime_async is not None:
        figure += f" (runtime-async preview: {bytes_text(runtime_async)})"
    return result([figure], REPRODUCED if task.bytes_per_op > 0 else NOT_REPRODUCED)


def per_compiler(allocs: dict[str, float | None]) -> str:
    """'gcc 1.00 allocs/op, clang 0.00 allocs/op'."""
    return ", ".join(f"{compiler} {allocs_text(value)}" for compiler, value in allocs.items())


def lazy_elision_note(lazy: dict[str, float | None]) -> str:
    """C4's remark on lazy_task at hit:100: whether Clang removed the frame GCC allocates."""
    gcc, clang = lazy[BASE_COMPILER], lazy[ELIDING_COMPILER]
    if gcc is None or clang is None:
        return ""
    if clang < gcc - ALLOC_EPSILON:
        return (f" Clang does remove lazy_task's frame (gcc {format_allocs(gcc)}, clang {format_allocs(clang)}; "
                f"see \"{ELISION_TITLE}\").")
    return f" Clang keeps lazy_task's frame too (gcc {format_allocs(gcc)}, clang {format_allocs(clang)})."


@claim("C4", "ValueTask<T> allocates nothing on the synchronous (hit) path")
def value_task_free_on_a_hit(run: Run) -> ClaimResult:
    value_task_allocs = counter(cache(run, "value_task", 100), "allocs_per_op")
    if value_task_allocs is None:
        return no_data(f"cache_lookup value_task at hit:100 in {base_name()}")
    compilers = (BASE_COMPILER, ELIDING_COMPILER)
    frame = {compiler: counter(cache(run, "value_task_coroutine", 100, compiler), "allocs_per_op")
             for compiler in compilers}
    lazy = {compiler: counter(cache(run, "lazy_task", 100, compiler), "allocs_per_op") for compiler in compilers}
    figures = [f"hit:100: value_task {allocs_text(value_task_allocs)}", f"value_task_coroutine {per_compiler(frame)}"]
    if lazy[ELIDING_COMPILER] is not None:
        figures.append(f"lazy_task {per_compiler(lazy)}")
    if not is_zero(value_task_allocs):
        return result(figures, NOT_REPRODUCED, f"value_task allocates {format_allocs(value_task_allocs)} times per "
                                               f"call on the hit path.")
    allocating = [f"{compiler} ({format_allocs(allocs)})" for compiler, allocs in frame.items()
                  if allocs is not None and not is_zero(allocs)]
    if not allocating:
        return result(figures, REPRODUCED, "The hit path allocates nothing, whether the value is returned from a "
                                           "plain function or from a ValueTask coroutine.")
    eliding = frame[ELIDING_COMPILER]
    if eliding is None:
        clang_note = f"{ELIDING_COMPILER} was not measured"
    elif is_zero(eliding):
        clang_note = f"{ELIDING_COMPILER} elides it ({format_allocs(eliding)})"
    else:
        clang_note = "Clang does not elide it"
    return result(figures, NUANCE, f"Returning the value from a plain function allocates nothing, but a "
                                   f"ValueTask-returning coroutine still allocates its frame on the hit path under "
                                   f"{' and '.join(allocating)}: {clang_note}.{lazy_elision_note(lazy)}")


@dotnet_answer("C4")
def value_task_free_on_a_hit_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    value_task = dotnet_cache(dotnet, "value_task", 100)
    if value_task is None:
        return dotnet_missing("cache_lookup value_task at hit 100")
    figures = [f"ValueTask<int> returned on a hit, 100 % hits: {bytes_text(value_task)}"]
    coroutine = dotnet_cache(dotnet, "value_task_coroutine", 100)
    if coroutine is not None:
        figures.append(f"async ValueTask<int>: {bytes_text(coroutine)}")
    return result(figures, REPRODUCED if value_task.bytes_per_op == 0 else NOT_REPRODUCED)


@claim("C6", "A reusable value-task source makes even the asynchronous path allocation-free")
def pooled_source_free(run: Run) -> ClaimResult:
    pooled = run.vocabulary.pooled_implementations()
    sources = {impl: points for impl in pooled if (points := sweep(run, impl))}
    if not sources:
        return no_data(f"cache_lookup {' or '.join(pooled)} in {base_name()}")
    max_allocs = {impl: max((counter(bench, "allocs_per_op") or 0.0) for bench in points.values())
                  for impl, points in sources.items()}
    value_task_miss = cache(run, "value_task", 0)
    figures = ["max allocs/op over hits " + ", ".join(f"{impl} {format_allocs(allocs)}"
                                                      for impl, allocs in max_allocs.items())]
    miss_times = [f"{impl} {format_ns(bench.real_time_ns)}" for impl in sources
                  if (bench := cache(run, impl, 0)) is not None and bench.real_time_ns is not None]
    if value_task_miss is not None and value_task_miss.real_time_ns is not None:
        figures.append(f"value_task at hit:0 {allocs_text(counter(value_task_miss, 'allocs_per_op'))}")
        miss_times.append(f"value_task {format_ns(value_task_miss.real_time_ns)}")
    figures.append("hit:0: " + ", ".join(miss_times))
    free = [impl for impl, allocs in max_allocs.items() if is_zero(allocs)]
    allocating = [impl for impl in max_allocs if impl not in free]
    if not free:
        return result(figures, NOT_REPRODUCED, f"{' and '.join(allocating)} still allocate on the miss path.")
    if allocating:
        gaps = "; ".join(POOLING_GAPS.get(impl, "its pool does not serve every call") for impl in allocating)
        return result(figures, NUANCE, f"{' and '.join(free)} never allocate{'s' if len(free) == 1 else ''}, but "
                                       f"{' and '.join(allocating)} still do{'es' if len(allocating) == 1 else ''}: "
                                       f"{gaps}.")
    return result(figures, REPRODUCED, f"{' and '.join(free)} allocate nothing at any hit ratio, including the "
                                       f"asynchronous path.")


@dotnet_answer("C6")
def pooled_source_free_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    sweeps = dotnet_sweep(dotnet, run)
    present = {impl: sweeps[impl] for impl in run.vocabulary.pooled_implementations() if impl in sweeps}
    if not present:
        return dotnet_missing(f"cache_lookup {' and '.join(run.vocabulary.pooled_implementations())}")
    most = {impl: max(row.bytes_per_op for row in rows) for impl, rows in present.items()}
    figures = ["max B/op over hits: " + ", ".join(f"{impl} {value:.0f}" for impl, value in most.items())]
    value_task = dotnet_cache(dotnet, "value_task", 0)
    at_miss = [f"{impl} {ns_text(row)}" for impl in present if (row := dotnet_cache(dotnet, impl, 0)) is not None]
    if value_task is not None:
        at_miss.append(f"value_task {ns_text(value_task)}, {bytes_text(value_task)}")
    figures.append("hit 0: " + ", ".join(at_miss))
    free = [impl for impl, value in most.items() if value == 0]
    return result(figures, REPRODUCED if len(free) == len(most) else DOTNET_NUANCE if free else NOT_REPRODUCED)
