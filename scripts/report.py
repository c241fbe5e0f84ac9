"""Write RUN_DIR/REPORT.md: the environment, the verdict on each claim C1..C10, the charts,
GCC against Clang (coroutine frame elision), two threads at once, multi_await, the
footprint and misuse tables and the cross-checks of a vtbench run.

    /usr/bin/python3 scripts/report.py RUN_DIR

Every figure comes from the run's files (docs/results-format.md). Each claim has its own
function taking the loaded Run and returning a ClaimRow; unless a claim says otherwise it
reads the gcc + glibc configuration, int payload, async db. A section whose data the run
lacks says what is missing.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from markdown_table import table
from report_misuse import MISUSE_RULES, misuse_rule, misuse_verdict, value_task_implementations
from verdicts import NO_DATA, NOT_REPRODUCED, NUANCE, REPRODUCED
from report_dotnet import dotnet_cell, dotnet_misuse_section, dotnet_section
from report_costs import allocator_section, c5_split, costs_section, method_paragraph, wrong_way_section
from vtb_results import (
    CHART_NAMES, GOROUTINE_SPLIT, KNOWN_COMPILERS, Benchmark, Run, ScriptArgumentParser, atomic_write_text, cache_sweep,
    differs, format_allocs, format_bytes, format_ns, format_p_value, implementation_sort_key, load_run,
    multi_await_sweep, run_main, slower, u_test_p_value,
)

PROG = "report.py"


BASE_CONFIG = ("gcc", "glibc")
ALLOC_EPSILON = 0.005           # allocs/op below this count as zero (averaged counters)
TASK_BYTES_CLAIMED = (64, 136)  # C1: the article's size range of one Task object
GOROUTINE_STACK_CLAIMED = 2048  # C1: the article's minimum goroutine stack
WELL_UNDER_FRACTION = 0.25      # C1: "well under" = at most a quarter of the goroutine stack
ABOUT_SAME_RATIO = 0.10         # C5: within 10 % counts as "about the same"
SLIGHTLY_MORE_RATIO = 0.25      # C5: up to 25 % dearer counts as "slightly more"
IS_COMPLETED_RULE = "is_completed"           # C9: read the result after checking is_completed()
AS_TASK_RULE = "as_task_many_awaits"         # C9: convert once with as_task(), await many times
POOLED_IMPLEMENTATIONS = ("pooled_value_task", "value_task_source")  # C10: the allocation-free forms
FOOTPRINT_COUNTERS = ("handle_sizeof", "bytes_per_op", "allocs_per_op", "ops", "total_bytes", "peak_live_bytes")
MISUSE_MESSAGE_LIMIT = 80                                       # characters of a message in the misuse table
QUALIFIED_PREFIX = re.compile(r"^[A-Za-z_][\w:]*::\w+: ")      # 'std::future_error: ' opening a message

ELISION_TITLE = "GCC vs Clang: coroutine frame elision"
CONCURRENCY_TITLE = "Two threads at once (cache_lookup_mt, claim C10)"
MULTI_AWAIT_TITLE = "Awaiting one task many times (multi_await, claim C9)"
SECTION_CHARTS = {"multi_await"}  # shown in their own section, not under Charts
# Why an implementation's frame can be elided, as the library documents it (impl/include/vtb/).
ELIDABLE_SHAPES = {
    "lazy_task": "lazy_task is the shape impl/include/vtb/lazy_task.hpp documents as elidable: a lazy, uniquely "
                 "owned task awaited at once by a caller that does not catch exceptions across the await (the "
                 "benchmark's driver terminates instead, scenarios/drivers.hpp), so the caller sees the frame's "
                 "whole lifetime.",
}
TASK_NOT_ELIDED = ("task keeps its allocation under both compilers: its frame holds vtb::Task's shared, "
                   "reference-counted state, which is never elided.")
FACTORY_EXPECTED_ALLOCS = {
    "completed_task": 0, "from_result_cached": 0, "value_task_inline": 0,
    "from_result_uncached": 1, "from_exception": 1, "from_canceled": 1,
}

CLAIMS = {
    "C1": "A Task is light (64-136 B), a goroutine starts with a 2 KB stack",
    "C2": "Completed-task factories are cheap (cached results and CompletedTask allocate nothing)",
    "C3": "An async Task<T> method that completes synchronously still allocates its Task",
    "C4": "ValueTask<T> allocates nothing on the synchronous (hit) path",
    "C5": "On the asynchronous path ValueTask<T> costs about the same as Task<T>, or slightly more",
    "C6": "A reusable value-task source makes even the asynchronous path allocation-free",
    "C7": "ValueTask<T> is bigger than a Task reference, so copying it costs something",
    "C8": "A ValueTask must be awaited once, not read early, not awaited concurrently; a Task allows all three",
    "C9": "Safe ways out: check is_completed before reading the result; as_task() to await many times",
    "C10": "Await a ValueTask at once; hot paths that often complete synchronously gain the most",
}


@dataclass
class ClaimRow:
    claim_id: str
    claim: str
    figure: str
    verdict: str
    explanation: str


def row(claim_id: str, figure: str, verdict: str, explanation: str) -> ClaimRow:
    return ClaimRow(claim_id, CLAIMS[claim_id], figure, verdict, explanation)


def no_data(claim_id: str, needed: str, figure: str = "-") -> ClaimRow:
    return row(claim_id, figure, NO_DATA, f"The run lacks {needed}.")


def base_name() -> str:
    return "-".join(BASE_CONFIG)


def find(run: Run, scenario: str, **params: str | int) -> Benchmark | None:
    return run.find(*BASE_CONFIG, scenario, **params)


def select(run: Run, scenario: str) -> list[Benchmark]:
    bench_file = run.config(*BASE_CONFIG)
    return bench_file.select(scenario) if bench_file else []


def sweep(run: Run, impl: str) -> dict[int, Benchmark]:
    """hit % -> cache_lookup benchmark of one implementation (base configuration, int, async)."""
    bench_file = run.config(*BASE_CONFIG)
    return dict(cache_sweep(bench_file).get(impl, [])) if bench_file else {}


def cache(run: Run, impl: str, hit: int, compiler: str = "gcc") -> Benchmark | None:
    return run.find(compiler, "glibc", "cache_lookup", impl=impl, payload="int", db="async", hit=hit)


def counter(bench: Benchmark | None, name: str) -> float | None:
    """Median of a counter, or None when the benchmark or the counter is absent."""
    spread = bench.counter(name) if bench else None
    return spread.median if spread else None


def allocs_text(value: float | None) -> str:
    return "absent" if value is None else f"{format_allocs(value)} allocs/op"


def is_zero(allocs: float) -> bool:
    return abs(allocs) < ALLOC_EPSILON


def goroutine_bytes(run: Run) -> tuple[float, str]:
    """Bytes per goroutine to compare with: measured (goroutine.json) or, failing that, the article's figure."""
    if run.goroutine is not None and run.goroutine["available"]:
        measured = run.goroutine["bytes_per_goroutine"]
        return measured, f"goroutine: {format_bytes(measured)} (measured)"
    reason = run.goroutine["reason"] if run.goroutine is not None else "no goroutine.json"
    return GOROUTINE_STACK_CLAIMED, f"goroutine: not measured ({reason}), the article's {format_bytes(GOROUTINE_STACK_CLAIMED)} used"


def claim_c1(run: Run) -> ClaimRow:
    completed_bytes = counter(find(run, "factory", kind="from_result_uncached"), "bytes_per_op")
    if completed_bytes is None:
        return no_data("C1", f"factory/kind:from_result_uncached bytes_per_op in {base_name()}")
    suspended_bytes = counter(find(run, "footprint", impl="task"), "bytes_per_op")
    fiber_bytes = counter(find(run, "footprint", impl="fiber"), "bytes_per_op")
    per_goroutine, goroutine_figure = goroutine_bytes(run)
    figure = [f"completed task state: {format_bytes(completed_bytes)}"]
    if suspended_bytes is not None:
        figure.append(f"suspended task frame: {format_bytes(suspended_bytes)}")
    if fiber_bytes is not None:
        figure.append(f"fiber: {format_bytes(fiber_bytes)}")
    figure = "; ".join(figure + [goroutine_figure])

    low, high = TASK_BYTES_CLAIMED
    if completed_bytes > per_goroutine * WELL_UNDER_FRACTION:
        return row("C1", figure, NOT_REPRODUCED,
                   f"A completed task's state takes {format_bytes(completed_bytes)}, more than a quarter "
                   f"of a goroutine's {format_bytes(per_goroutine)}.")
    differences = []
    if not low <= completed_bytes <= high:
        differences.append(f"a completed task's state takes {format_bytes(completed_bytes)}, "
                           f"outside .NET's {low}-{high} B")
    if suspended_bytes is not None and suspended_bytes > high:
        differences.append(f"a suspended coroutine frame (locals and awaiters included) takes "
                           f"{format_bytes(suspended_bytes)}")
    if differences:
        return row("C1", figure, NUANCE,
                   f"Still well under a goroutine's {format_bytes(per_goroutine)}, but {' and '.join(differences)}.")
    return row("C1", figure, REPRODUCED,
               f"A completed task's state ({format_bytes(completed_bytes)}) is within .NET's {low}-{high} B "
               f"and well under a goroutine's {format_bytes(per_goroutine)}.")


def claim_c2(run: Run) -> ClaimRow:
    measured = {kind: counter(find(run, "factory", kind=kind), "allocs_per_op") for kind in FACTORY_EXPECTED_ALLOCS}
    present = {kind: allocs for kind, allocs in measured.items() if allocs is not None}
    if "completed_task" not in present and "from_result_cached" not in present:
        return no_data("C2", f"factory/kind:completed_task and factory/kind:from_result_cached in {base_name()}")
    figure = ", ".join(f"{kind} {format_allocs(allocs)}" for kind, allocs in present.items()) + " allocs/op"
    missing = [kind for kind in FACTORY_EXPECTED_ALLOCS if kind not in present]
    missing_note = f" ({', '.join(missing)} not measured)" if missing else ""
    should_be_free = [kind for kind, allocs in present.items()
                      if FACTORY_EXPECTED_ALLOCS[kind] == 0 and not is_zero(allocs)]
    if should_be_free:
        return row("C2", figure, NOT_REPRODUCED,
                   f"{', '.join(should_be_free)} should reuse a pre-built result but allocate{missing_note}.")
    unlike_dotnet = [f"{kind} ({format_allocs(allocs)})" for kind, allocs in present.items()
                     if FACTORY_EXPECTED_ALLOCS[kind] == 1 and abs(allocs - 1) >= ALLOC_EPSILON]
    if unlike_dotnet:
        return row("C2", figure, NUANCE,
                   f"The cached and completed results are free, but {', '.join(unlike_dotnet)} do not allocate "
                   f"exactly one task state as .NET does{missing_note}.")
    return row("C2", figure, REPRODUCED,
               f"Cached and completed results reuse a pre-built task (no allocation); every other factory "
               f"allocates one task state, as in .NET{missing_note}.")


def claim_c3(run: Run) -> ClaimRow:
    task_allocs = counter(cache(run, "task", 100), "allocs_per_op")
    if task_allocs is None:
        return no_data("C3", f"cache_lookup task at hit:100 in {base_name()}")
    from_result_allocs = counter(cache(run, "task_from_result", 100), "allocs_per_op")
    task_bytes = counter(cache(run, "task", 100), "bytes_per_op")
    bytes_note = f" ({format_bytes(task_bytes)}/op)" if task_bytes is not None else ""
    figure = f"hit:100: task {allocs_text(task_allocs)}{bytes_note}; task_from_result {allocs_text(from_result_allocs)}"
    if task_allocs < 1 - ALLOC_EPSILON:
        return row("C3", figure, NOT_REPRODUCED,
                   f"A Task coroutine that finds the value in the cache allocates only "
                   f"{format_allocs(task_allocs)} times per call.")
    return row("C3", figure, REPRODUCED,
               f"Even on a cache hit the Task coroutine allocates {format_allocs(task_allocs)} times per call: "
               f"its frame is allocated when it is called, before the body finds the value.")


def claim_c4(run: Run) -> ClaimRow:
    value_task_allocs = counter(cache(run, "value_task", 100), "allocs_per_op")
    if value_task_allocs is None:
        return no_data("C4", f"cache_lookup value_task at hit:100 in {base_name()}")
    frame = {compiler: counter(cache(run, "value_task_coroutine", 100, compiler), "allocs_per_op")
             for compiler in KNOWN_COMPILERS}
    lazy = {compiler: counter(cache(run, "lazy_task", 100, compiler), "allocs_per_op") for compiler in KNOWN_COMPILERS}
    figure = [f"hit:100: value_task {allocs_text(value_task_allocs)}", f"value_task_coroutine {per_compiler(frame)}"]
    if lazy["clang"] is not None:
        figure.append(f"lazy_task {per_compiler(lazy)}")
    figure = "; ".join(figure)
    if not is_zero(value_task_allocs):
        return row("C4", figure, NOT_REPRODUCED,
                   f"value_task allocates {format_allocs(value_task_allocs)} times per call on the hit path.")
    allocating = [f"{compiler} ({format_allocs(allocs)})" for compiler, allocs in frame.items()
                  if allocs is not None and not is_zero(allocs)]
    if not allocating:
        return row("C4", figure, REPRODUCED, "The hit path allocates nothing, whether the value is returned from a "
                                             "plain function or from a ValueTask coroutine.")
    if frame["clang"] is None:
        clang_note = "clang was not measured"
    elif is_zero(frame["clang"]):
        clang_note = f"clang elides it ({format_allocs(frame['clang'])})"
    else:
        clang_note = "Clang does not elide it"
    return row("C4", figure, NUANCE,
               f"Returning the value from a plain function allocates nothing, but a ValueTask-returning coroutine "
               f"still allocates its frame on the hit path under {' and '.join(allocating)}: {clang_note}."
               f"{lazy_elision_note(lazy)}")


def per_compiler(allocs: dict[str, float | None]) -> str:
    """'gcc 1.00 allocs/op, clang 0.00 allocs/op'."""
    return ", ".join(f"{compiler} {allocs_text(value)}" for compiler, value in allocs.items())


def lazy_elision_note(lazy: dict[str, float | None]) -> str:
    """C4's remark on lazy_task at hit:100: whether Clang removed the frame GCC allocates."""
    gcc, clang = lazy["gcc"], lazy["clang"]
    if gcc is None or clang is None:
        return ""
    if clang < gcc - ALLOC_EPSILON:
        return (f" Clang does remove lazy_task's frame (gcc {format_allocs(gcc)}, clang {format_allocs(clang)}; "
                f"see \"{ELISION_TITLE}\").")
    return f" Clang keeps lazy_task's frame too (gcc {format_allocs(gcc)}, clang {format_allocs(clang)})."


def claim_c5(run: Run) -> ClaimRow:
    value_task, task = cache(run, "value_task", 0), cache(run, "task", 0)
    if value_task is None or task is None:
        return no_data("C5", f"cache_lookup value_task and task at hit:0 in {base_name()}")
    ratio = value_task.real_time_ns.median / task.real_time_ns.median
    value_task_allocs, task_allocs = counter(value_task, "allocs_per_op"), counter(task, "allocs_per_op")
    figure = (f"hit:0: value_task {format_ns(value_task.real_time_ns)} vs task {format_ns(task.real_time_ns)}, "
              f"ratio {ratio:.2f}; {allocs_text(value_task_allocs)} vs {allocs_text(task_allocs)}")
    within_spread = not differs(value_task.real_time_ns, task.real_time_ns)
    figure += f", U test p {format_p_value(u_test_p_value(value_task.real_time_ns, task.real_time_ns))}"
    split = c5_split(run)
    if split is not None:
        figure += f"; {split}"
    if not within_spread and ratio < 1 - ABOUT_SAME_RATIO:
        return row("C5", figure, NOT_REPRODUCED,
                   f"On the miss path value_task is faster than task (ratio {ratio:.2f}), not about as costly.")
    if not within_spread and ratio > 1 + SLIGHTLY_MORE_RATIO:
        return row("C5", figure, NOT_REPRODUCED,
                   f"On the miss path value_task costs {(ratio - 1) * 100:.0f} % more than task, beyond 'slightly'.")
    cost = "no significant difference" if within_spread else f"{(ratio - 1) * 100:+.0f} %"
    if value_task_allocs is not None and task_allocs is not None and value_task_allocs > task_allocs + ALLOC_EPSILON:
        return row("C5", figure, NUANCE,
                   f"Time is close to task ({cost}), but the C++ wrapper allocates "
                   f"{format_allocs(value_task_allocs - task_allocs)} more times per call.")
    return row("C5", figure, REPRODUCED,
               f"On the miss path value_task wraps a task and costs about the same ({cost}).")


def claim_c6(run: Run) -> ClaimRow:
    sources = {impl: points for impl in ("value_task_source", "pooled_value_task") if (points := sweep(run, impl))}
    if not sources:
        return no_data("C6", f"cache_lookup value_task_source or pooled_value_task in {base_name()}")
    max_allocs = {impl: max((counter(bench, "allocs_per_op") or 0.0) for bench in points.values())
                  for impl, points in sources.items()}
    value_task_miss = cache(run, "value_task", 0)
    figure = ["max allocs/op over hits " + ", ".join(f"{impl} {format_allocs(allocs)}"
                                                     for impl, allocs in max_allocs.items())]
    miss_times = [f"{impl} {format_ns(bench.real_time_ns)}" for impl in sources
                  if (bench := cache(run, impl, 0)) is not None]
    if value_task_miss is not None:
        figure.append(f"value_task at hit:0 {allocs_text(counter(value_task_miss, 'allocs_per_op'))}")
        miss_times.append(f"value_task {format_ns(value_task_miss.real_time_ns)}")
    figure.append("hit:0: " + ", ".join(miss_times))
    free = [impl for impl, allocs in max_allocs.items() if is_zero(allocs)]
    allocating = [impl for impl in max_allocs if impl not in free]
    if not free:
        return row("C6", "; ".join(figure), NOT_REPRODUCED,
                   f"{' and '.join(allocating)} still allocate on the miss path.")
    if allocating:
        why = {"value_task_source": "a reusable source removes the operation's allocation, but in C++ the calling "
                                    "coroutine's frame needs a pool too",
               "pooled_value_task": "the frame pool does not serve every call"}
        return row("C6", "; ".join(figure), NUANCE,
                   f"{' and '.join(free)} never allocate{'s' if len(free) == 1 else ''}, but "
                   f"{' and '.join(allocating)} still do{'es' if len(allocating) == 1 else ''}: "
                   f"{'; '.join(why[impl] for impl in allocating)}.")
    return row("C6", "; ".join(figure), REPRODUCED,
               f"{' and '.join(free)} allocate nothing at any hit ratio, including the asynchronous path.")


def claim_c7(run: Run) -> ClaimRow:
    task_size = counter(find(run, "footprint", impl="task"), "handle_sizeof")
    value_task_sizes = {impl: size for impl in ("value_task_inline", "value_task_wrapping_task", "value_task_source")
                        if (size := counter(find(run, "footprint", impl=impl), "handle_sizeof")) is not None}
    if task_size is None or not value_task_sizes:
        return no_data("C7", f"footprint handle_sizeof for task and the value_task rows in {base_name()}")
    figure = [f"sizeof: task {task_size:.0f} B, " + ", ".join(f"{impl} {size:.0f} B"
                                                               for impl, size in value_task_sizes.items())]
    bigger = all(size > task_size for size in value_task_sizes.values())
    if not bigger:
        return row("C7", "; ".join(figure), NOT_REPRODUCED,
                   "Not every value_task handle is bigger than a task handle.")
    copies = {(b.params.get("type"), b.params.get("depth")): b for b in select(run, "copy_cost")}
    depths = sorted((depth for (kind, depth) in copies if kind == "value_task" and ("task", depth) in copies), key=int)
    if not depths:
        return no_data("C7", f"copy_cost for type:value_task and type:task at a common depth in {base_name()}",
                       "; ".join(figure))
    figure += [f"copy_cost depth:{depth}: value_task {format_ns(copies[('value_task', depth)].real_time_ns)} "
               f"vs task {format_ns(copies[('task', depth)].real_time_ns)}" for depth in depths]
    depth = depths[-1]
    value_task_copy, task_copy = copies[("value_task", depth)].real_time_ns, copies[("task", depth)].real_time_ns
    if slower(value_task_copy, task_copy):
        return row("C7", "; ".join(figure), REPRODUCED,
                   f"The bigger handle costs {value_task_copy.median - task_copy.median:.1f} ns more to pass "
                   f"and return through {depth} calls.")
    return row("C7", "; ".join(figure), NUANCE,
               f"The handle is bigger, but passing it through {depth} calls costs no measurable extra "
               f"(no significant difference, or task is dearer).")


def claim_c8(run: Run) -> ClaimRow:
    verdict = misuse_verdict(run.misuse, NUANCE)
    if verdict is None:
        return no_data("C8", f"misuse.json with the rules {', '.join(MISUSE_RULES)} for task")
    return row("C8", verdict.figure, verdict.verdict, verdict.explanation)


def claim_c9(run: Run) -> ClaimRow:
    bench_file = run.config(*BASE_CONFIG)
    sweeps = {key: dict(points) for key, points in (multi_await_sweep(bench_file) if bench_file else {}).items()}
    figure, extra_allocs = [], {}
    for (via, state), as_task in sweeps.items():
        task = sweeps.get(("task", state), {})
        common = sorted(set(as_task) & set(task))
        if via == "as_task" and common:
            most = common[-1]
            figure.append(f"multi_await {state}, {most} awaiters: as_task {format_ns(as_task[most].real_time_ns)}, "
                          f"{allocs_text(counter(as_task[most], 'allocs_per_op'))} vs task "
                          f"{format_ns(task[most].real_time_ns)}, {allocs_text(counter(task[most], 'allocs_per_op'))}")
            extra_allocs[state] = max((counter(as_task[count], "allocs_per_op") or 0.0)
                                      - (counter(task[count], "allocs_per_op") or 0.0) for count in common)
    if figure:
        figure.append(f"every awaiter count: see \"{MULTI_AWAIT_TITLE}\"")
    rule = misuse_rule(run.misuse, IS_COMPLETED_RULE)
    checked = value_task_implementations(rule["results"]) if rule else []
    if checked:
        figure.append("is_completed check: " + ", ".join(f"{impl} {rule['results'][impl]['outcome']}"
                                                         for impl in checked))
    missing = ([f"multi_await via:as_task and via:task in {base_name()}"] if not extra_allocs else []) + \
              ([f"the {IS_COMPLETED_RULE} rule for value tasks in misuse.json"] if not checked else [])
    if missing:
        return no_data("C9", " and ".join(missing), "; ".join(figure) or "-")
    unsafe = [f"{impl} ({IS_COMPLETED_RULE})" for impl in checked if rule["results"][impl]["outcome"] != "allowed"]
    many_awaits = misuse_rule(run.misuse, AS_TASK_RULE)
    if many_awaits:
        converted = value_task_implementations(many_awaits["results"])
        figure.append(f"{AS_TASK_RULE}: " + ", ".join(f"{impl} {many_awaits['results'][impl]['outcome']}"
                                                      for impl in converted))
        unsafe += [f"{impl} ({AS_TASK_RULE})" for impl in converted
                   if many_awaits["results"][impl]["outcome"] != "allowed"]
    if unsafe:
        return row("C9", "; ".join(figure), NOT_REPRODUCED,
                   f"A way out fails for {', '.join(unsafe)}.")
    if extra_allocs.get("pending", 0.0) > ALLOC_EPSILON:
        return row("C9", "; ".join(figure), NUANCE,
                   f"Both ways out work, but as_task() on a pending value task allocates up to "
                   f"{format_allocs(extra_allocs['pending'])} more times per op than awaiting the task, "
                   f"where .NET returns the wrapped Task itself.")
    pending_note = ("; on a pending value task it allocates no more per operation than awaiting a task"
                    if "pending" in extra_allocs else "")
    return row("C9", "; ".join(figure), REPRODUCED,
               f"Checking is_completed before reading is safe and as_task() lets several awaiters share one "
               f"result{pending_note}.")


def claim_c10(run: Run) -> ClaimRow:
    value_task, task = sweep(run, "value_task"), sweep(run, "task")
    hits = sorted(set(value_task) & set(task))
    if len(hits) < 2:
        return no_data("C10", f"a cache_lookup sweep of value_task and task over two or more hit ratios "
                              f"in {base_name()}")
    alloc_hit = next((hit for hit in hits if (counter(value_task[hit], "allocs_per_op") or 0.0)
                      < (counter(task[hit], "allocs_per_op") or 0.0) - ALLOC_EPSILON), None)
    time_hit = next((hit for hit in hits if slower(task[hit].real_time_ns, value_task[hit].real_time_ns)), None)
    gain = {hit: task[hit].real_time_ns.median - value_task[hit].real_time_ns.median for hit in hits}
    figure = [f"fewer allocs/op from {alloc_hit} % hits" if alloc_hit is not None else "never fewer allocs/op",
              f"significantly faster from {time_hit} % hits" if time_hit is not None else "never faster",
              f"gain {gain[hits[0]]:.1f} ns at {hits[0]} %, {gain[hits[-1]]:.1f} ns at {hits[-1]} %"]
    pooling_figure, pooling_sentence = pooling_at_miss(run)
    figure += pooling_figure
    if time_hit is not None and gain[hits[-1]] > gain[hits[0]]:
        return row("C10", "; ".join(figure), REPRODUCED,
                   f"value_task's advantage over task grows with the hit ratio ({gain[hits[-1]]:.1f} ns per call "
                   f"at {hits[-1]} % hits); {pooling_sentence}")
    return row("C10", "; ".join(figure), NOT_REPRODUCED,
               f"value_task does not pull ahead of task as the hit ratio grows; {pooling_sentence}")


def pooling_at_miss(run: Run) -> tuple[list[str], str]:
    """C10's question: at hit:0, does pooling raise throughput over value_task or only cut allocations?"""
    value_task = cache(run, "value_task", 0)
    if value_task is None:
        return [], "pooling could not be judged (no value_task at hit:0)."
    times, verdicts = [f"value_task {format_ns(value_task.real_time_ns)}"], []
    for impl in POOLED_IMPLEMENTATIONS:
        pooled = cache(run, impl, 0)
        if pooled is None:
            continue
        times.append(f"{impl} {format_ns(pooled.real_time_ns)}")
        faster = slower(value_task.real_time_ns, pooled.real_time_ns)
        pooled_allocs, plain_allocs = counter(pooled, "allocs_per_op"), counter(value_task, "allocs_per_op")
        fewer = pooled_allocs is not None and plain_allocs is not None and pooled_allocs < plain_allocs - ALLOC_EPSILON
        allocs_change = f"{format_allocs(plain_allocs)} -> {format_allocs(pooled_allocs)} allocs/op" if fewer else ""
        if faster:
            verdicts.append(f"{impl} raises throughput" + (f" and cuts allocations ({allocs_change})" if fewer else ""))
        elif fewer:
            verdicts.append(f"{impl} only cuts allocations ({allocs_change}), its time is not significantly lower")
        else:
            verdicts.append(f"{impl} neither raises throughput nor cuts allocations")
    if not verdicts:
        return [], "pooling could not be judged (no pooled_value_task or value_task_source at hit:0)."
    return ["hit:0: " + ", ".join(times)], "at hit:0 " + "; ".join(verdicts) + "."


CLAIM_FUNCTIONS: list[Callable[[Run], ClaimRow]] = [
    claim_c1, claim_c2, claim_c3, claim_c4, claim_c5, claim_c6, claim_c7, claim_c8, claim_c9, claim_c10,
]


def recorded(mapping: dict[str, Any], key: str) -> str:
    value = mapping.get(key)
    return "not recorded" if value in (None, "", []) else str(value)


def wall_time_text(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return "not recorded"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def is_debug_build(context: dict[str, Any]) -> bool:
    return "debug" in (context.get("library_build_type"), context.get("vtb_benchmark_library_build"))


def environment_section(run: Run) -> list[str]:
    meta = run.meta
    machine = meta.get("machine") if isinstance(meta.get("machine"), dict) else {}
    compilers = meta.get("compilers") if isinstance(meta.get("compilers"), dict) else {}
    machine_parts = [recorded(machine, "cpu"), f"{recorded(machine, 'cores')} cores",
                     f"{recorded(machine, 'memory_gib')} GiB", f"kernel {recorded(machine, 'kernel')}",
                     recorded(machine, "os")]
    pinned = meta.get("pinned_core")
    rows = [
        ["Run", f"{recorded(meta, 'run_id')} (`{recorded(meta, 'command')}`)"],
        ["Started / finished", f"{recorded(meta, 'started')} / {recorded(meta, 'finished')}"],
        ["Wall time", wall_time_text(meta.get("wall_seconds"))],
        ["Git revision", recorded(meta, "git_revision")],
        ["Machine", ", ".join(machine_parts)],
        ["Compilers", ", ".join(f"{name} {version}" for name, version in compilers.items()) or "not recorded"],
        ["Flags", recorded(meta, "cxx_flags")],
        ["Repetitions", f"{recorded(meta, 'repetitions')} per benchmark, min time {recorded(meta, 'min_time')} s"
                        + (f", pinned to core {pinned}" if pinned is not None else ", not pinned")],
    ]
    lines = ["## Environment", ""] + table(["", ""], rows)
    config_rows = []
    for name, bench_file in run.configs.items():
        context = bench_file.context
        config_rows.append([
            name,
            f"{recorded(context, 'vtb_compiler')} {recorded(context, 'vtb_compiler_version')}",
            f"{recorded(context, 'vtb_allocator')} ({recorded(context, 'vtb_allocator_version')})",
            f"{recorded(context, 'vtb_counting')} / {recorded(bench_file.counting_context, 'vtb_counting')}",
            recorded(context, "vtb_cxx_flags"),
            recorded(context, "vtb_build_type"),
            recorded(context, "vtb_git_revision")[:12],
            len(bench_file.benchmarks),
        ])
    lines += ["Configurations (from each benchmark file's context):", ""]
    lines += table(["configuration", "compiler", "allocator (version)", "counting (timing / counting pass)",
                    "C++ flags", "build",
                    "git revision", "benchmarks"], config_rows)
    debug = [name for name, bench_file in run.configs.items() if is_debug_build(bench_file.context)]
    if debug:
        lines += [f"Google Benchmark's library was built as DEBUG (Debian's package) in {', '.join(debug)}: "
                  f"it prints \"Library was built as DEBUG\", which concerns its own bookkeeping only; "
                  f"the timed loop is our code, built with the flags above.", ""]
    notes = meta.get("notes") if isinstance(meta.get("notes"), list) else []
    if notes:
        lines += ["Notes recorded by the run:", ""] + [f"- {note}" for note in notes] + [""]
    return lines


def claims_section(run: Run) -> list[str]:
    rows = []
    for claim in CLAIM_FUNCTIONS:
        cpp = claim(run)
        dotnet = dotnet_cell(run, cpp.claim_id)
        rows.append([cpp.claim_id, cpp.claim, dotnet.figure, f"**{dotnet.verdict}**", cpp.figure, f"**{cpp.verdict}**",
                     cpp.explanation])
    intro = (f"Times are medians of the timing pass's repetitions with the (min-max) range; \"different\" means "
             f"a two-sided Mann-Whitney U test at p < 0.05; unless stated, {base_name()}, int payload, async db.")
    return ["## Claims", "", intro, ""] + table(["ID", "claim", ".NET 10 measured", ".NET verdict", "C++ measured",
                                                 "C++ verdict", "C++ nuance"], rows)


def charts_section(run: Run) -> list[str]:
    """The cache_lookup charts; a chart that belongs to a section of its own is shown there."""
    names = [name for name in CHART_NAMES if name not in SECTION_CHARTS]
    present = [name for name in names if (run.directory / "charts" / f"{name}.png").is_file()]
    if not present:
        return ["## Charts", "", "No charts in charts/ (run scripts/charts.py first).", ""]
    lines = ["## Charts", ""]
    for name in present:
        lines += [f"![{name}](charts/{name}.png)", ""]
    return lines


def allocs_by_hit(run: Run, compiler: str) -> dict[str, dict[int, float]]:
    """implementation -> hit % -> median allocs/op of cache_lookup under compiler + glibc (int payload, async db)."""
    bench_file = run.config(compiler, "glibc")
    if bench_file is None:
        return {}
    return {impl: {hit: allocs for hit, bench in points if (allocs := counter(bench, "allocs_per_op")) is not None}
            for impl, points in cache_sweep(bench_file).items()}


def elision_cell(gcc: float | None, clang: float | None) -> str:
    """'1.00 / 0.00 (-1.00)': gcc / clang (clang - gcc), bold when Clang allocates less."""
    if gcc is None or clang is None:
        return f"{'-' if gcc is None else format_allocs(gcc)} / {'-' if clang is None else format_allocs(clang)}"
    difference = clang - gcc
    text = f"{format_allocs(gcc)} / {format_allocs(clang)} " \
           f"({format_allocs(0.0) if is_zero(difference) else f'{difference:+.2f}'})"
    return f"**{text}**" if difference < -ALLOC_EPSILON else text


def allocs_changes(changes: list[tuple[int, float, float]], hits: list[int]) -> str:
    """'1.00 -> 0.00 allocs/op at every hit ratio measured (0, 100 %)', or per hit:
    '2.00 -> 1.00 at 0 %; 1.00 -> 0.00 at 100 %'."""
    by_pair: dict[tuple[str, str], list[int]] = {}
    for hit, gcc, clang in changes:
        by_pair.setdefault((format_allocs(gcc), format_allocs(clang)), []).append(hit)
    if len(by_pair) == 1 and next(iter(by_pair.values())) == hits:
        (gcc, clang), = by_pair
        return f"{gcc} -> {clang} allocs/op at every hit ratio measured ({', '.join(map(str, hits))} %)"
    return "; ".join(f"{gcc} -> {clang} at {', '.join(map(str, pair_hits))} %"
                     for (gcc, clang), pair_hits in by_pair.items())


def elision_summary(gcc: dict[str, dict[int, float]], clang: dict[str, dict[int, float]]) -> str:
    """The generated sentences under the elision table: what Clang removed (or added), and why, per the library."""
    removed: dict[str, list[tuple[int, float, float]]] = {}
    added: dict[str, list[tuple[int, float, float]]] = {}
    common_hits: dict[str, list[int]] = {}
    for impl in sorted(set(gcc) & set(clang), key=implementation_sort_key):
        common_hits[impl] = sorted(set(gcc[impl]) & set(clang[impl]))
        for hit in common_hits[impl]:
            before, after = gcc[impl][hit], clang[impl][hit]
            if after < before - ALLOC_EPSILON:
                removed.setdefault(impl, []).append((hit, before, after))
            elif after > before + ALLOC_EPSILON:
                added.setdefault(impl, []).append((hit, before, after))
    if not removed and not added:
        return ("No implementation's allocs/op differ between gcc and clang at any hit ratio measured: "
                "Clang removed no allocation that GCC keeps.")
    sentences = []
    if removed:
        sentences.append("Clang removed an allocation that GCC keeps in " + "; ".join(
            f"{impl} ({allocs_changes(changes, common_hits[impl])})" for impl, changes in removed.items()) + ".")
        sentences += [ELIDABLE_SHAPES[impl] for impl in removed if impl in ELIDABLE_SHAPES]
        undocumented = [impl for impl in removed if impl not in ELIDABLE_SHAPES]
        if undocumented:
            sentences.append(f"The library documents no elidable shape for {', '.join(undocumented)}.")
    if added:
        sentences.append("Clang allocates more than GCC in " + "; ".join(
            f"{impl} ({allocs_changes(changes, common_hits[impl])})" for impl, changes in added.items()) + ".")
    task_kept = "task" in common_hits and "task" not in removed and any(
        not is_zero(clang["task"][hit]) for hit in common_hits["task"])
    if task_kept:
        sentences.append(TASK_NOT_ELIDED)
    return " ".join(sentences)


def elision_section(run: Run) -> list[str]:
    heading = [f"## {ELISION_TITLE}", ""]
    gcc, clang = allocs_by_hit(run, "gcc"), allocs_by_hit(run, "clang")
    missing = [config for config, sweep in (("gcc-glibc", gcc), ("clang-glibc", clang)) if not sweep]
    if missing:
        return heading + [f"The run lacks cache_lookup allocs_per_op (int payload, async db) in "
                          f"{' and '.join(missing)}: the comparison needs both compilers with glibc.", ""]
    implementations = sorted(set(gcc) | set(clang), key=implementation_sort_key)
    hits = sorted({hit for sweep in (gcc, clang) for points in sweep.values() for hit in points})
    rows = [[impl] + [elision_cell(gcc.get(impl, {}).get(hit), clang.get(impl, {}).get(hit)) for hit in hits]
            for impl in implementations]
    intro = ("Allocations per operation of cache_lookup (int payload, async db, glibc) under gcc / clang, with the "
             "difference clang - gcc in brackets; bold: Clang allocates less, i.e. it elided an allocation.")
    return heading + [intro, ""] + table(["implementation"] + [f"hit {hit} %" for hit in hits], rows) + \
        [elision_summary(gcc, clang), ""]


def concurrency_summary(run: Run, concurrent: dict[str, list[tuple[int, Benchmark]]]) -> str:
    """Whether the pooled forms stay allocation-free on several threads, and how their time per op changes."""
    threads = sorted({bench.params.get("threads", "several") for points in concurrent.values() for _, bench in points})
    parts = []
    for impl in POOLED_IMPLEMENTATIONS:
        points = [(hit, bench, cache(run, impl, hit)) for hit, bench in concurrent.get(impl, [])]
        allocs = [(hit, value) for hit, bench, _ in points if (value := counter(bench, "allocs_per_op")) is not None]
        if not allocs:
            continue
        hits = ", ".join(str(hit) for hit, _ in allocs)
        worst_hit, worst = max(allocs, key=lambda point: point[1])
        if is_zero(worst):
            residue = f"; at most {worst:.1g} measured" if worst > 0 else ""
            alloc_text = f"stays at 0 allocs/op at every hit ratio ({hits} %{residue})"
        else:
            alloc_text = f"does not stay at 0 allocs/op: {format_allocs(worst)} at {worst_hit} %"
        paired = [(bench.real_time_ns, single.real_time_ns) for _, bench, single in points if single is not None]
        if paired:
            ratios = [two.median / one.median for two, one in paired]
            higher = sum(slower(two, one) for two, one in paired)
            lower = sum(slower(one, two) for two, one in paired)
            alloc_text += (f", and its time per operation is {min(ratios):.2f}-{max(ratios):.2f}x the single-thread "
                           f"figure (significantly higher at {higher}, lower at {lower} of {len(paired)} hit ratios)")
        parts.append(f"{impl} {alloc_text}")
    if not parts:
        return f"Neither {' nor '.join(POOLED_IMPLEMENTATIONS)} ran on several threads, so pooling under " \
               f"concurrency is not judged."
    return f"On {' or '.join(threads)} threads " + "; ".join(parts) + "."


def concurrency_section(run: Run) -> list[str]:
    heading = [f"## {CONCURRENCY_TITLE}", ""]
    bench_file = run.config(*BASE_CONFIG)
    concurrent = cache_sweep(bench_file, scenario="cache_lookup_mt") if bench_file else {}
    if not concurrent:
        return heading + [f"The run lacks cache_lookup_mt (int payload, async db) in {base_name()}.", ""]
    rows = []
    for impl, points in concurrent.items():
        for hit, bench in points:
            single = cache(run, impl, hit)
            ratio = f"{bench.real_time_ns.median / single.real_time_ns.median:.2f}x" if single else "-"
            rows.append([impl, hit, bench.params.get("threads", "-"),
                         format_ns(single.real_time_ns) if single else "absent", format_ns(bench.real_time_ns), ratio,
                         median_text(single, "allocs_per_op", format_allocs) if single else "absent",
                         median_text(bench, "allocs_per_op", format_allocs)])
    machine = run.meta.get("machine") if isinstance(run.meta.get("machine"), dict) else {}
    intro = (f"cache_lookup_mt runs the same lookup on each of several threads at once (each thread with its own "
             f"cache and loop; allocator and pools shared); {base_name()}, int payload, async db, on a machine with "
             f"{recorded(machine, 'cores')} cores. Its time is real (wall-clock) time per operation on each thread; "
             f"allocs/op counts every thread's allocations over every thread's operations.")
    return heading + [intro, ""] + table(
        ["implementation", "hit %", "threads", "1 thread ns/op", "N threads ns/op (real time)", "N / 1 time",
         "1 thread allocs/op", "N threads allocs/op"], rows) + [concurrency_summary(run, concurrent), ""]


def multi_await_section(run: Run) -> list[str]:
    heading = [f"## {MULTI_AWAIT_TITLE}", ""]
    bench_file = run.config(*BASE_CONFIG)
    sweeps = multi_await_sweep(bench_file) if bench_file else {}
    if not sweeps:
        return heading + [f"The run lacks multi_await benchmarks in {base_name()}.", ""]
    chart = run.directory / "charts" / "multi_await.png"
    lines = heading + (["![multi_await](charts/multi_await.png)", ""] if chart.is_file()
                       else ["No multi_await chart in charts/ (run scripts/charts.py first).", ""])
    counts = sorted({count for points in sweeps.values() for count, _ in points})
    rows = []
    for (via, state), points in sweeps.items():
        times = dict(points)
        allocs = sorted({format_allocs(value) for _, bench in points
                         if (value := counter(bench, "allocs_per_op")) is not None}, key=float)
        rows.append([f"via:{via}", state]
                    + [f"{times[count].real_time_ns.median:.1f}" if count in times else "-" for count in counts]
                    + ["-" if not allocs else allocs[0] if len(allocs) == 1 else f"{allocs[0]}-{allocs[-1]}"])
    intro = (f"One task (via:task a Task<int>; via:as_task a value task converted once with as_task()), completed "
             f"or pending, awaited by N awaiters; median ns per operation, {base_name()}. allocs/op counts making "
             f"the task (the awaiters' frames are made once, before the timed loop).")
    header = ["producer", "state"] + [f"{count} awaiter{'s' * (count != 1)}" for count in counts] + ["allocs/op"]
    return lines + [intro, ""] + table(header, rows)


def heaptrack_section(run: Run) -> list[str]:
    heading = ["## heaptrack cross-check", ""]
    if run.heaptrack is None:
        return heading + ["The run has no heaptrack.json (scripts/heaptrack_check.py writes it).", ""]
    data = run.heaptrack
    rows = [[r["benchmark"], format_allocs(r["heaptrack_allocs_per_op"]), format_allocs(r["counted_allocs_per_op"]),
             "yes" if r["agree"] else "**no**"] for r in data["rows"]]
    iterations = data.get("iterations", [])
    agreement = "all rows agree" if all(r["agree"] for r in data["rows"]) else "some rows disagree"
    runs = " and ".join(map(str, iterations)) or "N and 2N"
    intro = (f"heaptrack counted the malloc calls of runs of {runs} iterations; the difference per iteration "
             f"is compared with the counting allocator's allocs_per_op (tolerance {data['tolerance']}, relative, "
             f"absolute below 1 alloc/op): {agreement}.")
    return heading + [intro, ""] + table(["benchmark", "heaptrack allocs/op", "counted allocs/op", "agree"], rows)


def median_text(bench: Benchmark, counter_name: str, fmt: Callable[[float], str]) -> str:
    spread = bench.counter(counter_name)
    return fmt(spread.median) if spread else "-"


def footprint_note(impl: str, bench: Benchmark) -> str:
    """Counters beyond the usual ones, or for the fiber, where its stack is counted."""
    extra = [f"{name} {spread.median:,.0f}" for name, spread in bench.counters.items()
             if name not in FOOTPRINT_COUNTERS]
    if extra:
        return ", ".join(extra)
    if impl == "fiber":
        return "its stack comes from operator new and is counted in bytes per op; the results do not record " \
               "the stack size apart"
    return ""


def goroutine_row(goroutine: dict[str, Any]) -> list[str]:
    split = ", ".join(f"{part} {format_bytes(goroutine[key])}" for part, key in zip(("stack", "heap"), GOROUTINE_SPLIT)
                      if key in goroutine)
    ops = goroutine.get("goroutines")
    return ["goroutine", f"go {goroutine.get('go_version', '(version not recorded)')}", "-",
            format_bytes(goroutine["bytes_per_goroutine"]), "-", f"{ops:,}" if isinstance(ops, int) else "-",
            f"{split} (measured)" if split else "no stack/heap split recorded"]


def footprint_section(run: Run) -> list[str]:
    """One row per implementation and set of configurations with the same figures (allocators rarely differ)."""
    heading = ["## Footprint", ""]
    groups: dict[str, dict[tuple[str, ...], list[str]]] = {}  # impl -> figures -> configurations
    for name, bench_file in run.configs.items():
        for bench in bench_file.select("footprint"):  # in the order the scenario registers them
            impl = bench.params.get("impl", bench.name)
            figures = (median_text(bench, "handle_sizeof", format_bytes),
                       median_text(bench, "bytes_per_op", format_bytes), median_text(bench, "allocs_per_op", format_allocs),
                       median_text(bench, "ops", lambda ops: f"{ops:,.0f}"), footprint_note(impl, bench))
            groups.setdefault(impl, {}).setdefault(figures, []).append(name)
    measured = [name for name, bench_file in run.configs.items() if bench_file.select("footprint")]
    rows = [[impl, "every configuration" if configs == measured else ", ".join(configs), *figures]
            for impl, by_figures in groups.items() for figures, configs in by_figures.items()]
    if run.goroutine is not None and run.goroutine["available"]:
        rows.append(goroutine_row(run.goroutine))
    if not rows:
        return heading + ["The run has no footprint benchmarks and no measured goroutine (goroutine.json).", ""]
    intro = ("One operation held suspended, many at once. bytes per op: what operator new was asked for per held "
             "operation; handle sizeof: what the caller keeps for it; configurations with the same figures share "
             "a row. The goroutine row is Go's runtime.MemStats growth per parked goroutine (goroutine.json).")
    return heading + [intro, ""] + table(["implementation", "configurations", "handle sizeof", "bytes per op",
                                          "allocs per op", "ops held", "notes"], rows)


def first_clause(text: str) -> str:
    """The text up to the first '; ' or ': ' outside brackets."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text[index:index + 2] in ("; ", ": "):
            return text[:index]
    return text


def short_message(message: str) -> str:
    """A misuse message cut to its gist: no leading 'ns::type: ', the first clause, at most MISUSE_MESSAGE_LIMIT."""
    text = first_clause(QUALIFIED_PREFIX.sub("", message, count=1))
    if len(text) <= MISUSE_MESSAGE_LIMIT:
        return text
    return text[:MISUSE_MESSAGE_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def misuse_cell(result: dict[str, Any] | None) -> str:
    """'detected (vtb::invalid_operation): stale token 0 (current version 1)', or '-' when not expressible."""
    if result is None:
        return "-"
    exception = f" ({result['exception']})" if result.get("exception") else ""
    message = f": {short_message(result['message'])}" if result["message"] else ""
    return f"{result['outcome']}{exception}{message}"


def misuse_section(run: Run) -> list[str]:
    heading = ["## Misuse (claims C8, C9)", ""]
    if run.misuse is None:
        return heading + ["The run has no misuse.json (scenarios/vtb_misuse_table writes it).", ""] + \
            dotnet_misuse_section(run, misuse_cell)
    rules = run.misuse["rules"]
    declared = run.misuse.get("implementations", {})
    seen = {impl for rule in rules for impl in rule["results"]}
    columns = list(declared) + sorted(seen - set(declared), key=implementation_sort_key)
    rows = [[rule["rule"], rule.get("claim", "-"), rule.get("description", "")]
            + [misuse_cell(rule["results"].get(impl)) for impl in columns] for rule in rules]
    intro = ("Every rule in misuse.json tried on every implementation that can express it (-: it cannot). A cell is "
             "the outcome (allowed: it works as for a Task; detected: refused with the exception shown; undetected: "
             "unnoticed), then the message, shortened (misuse.json has it in full).")
    lines = heading + [intro, ""] + table(["rule", "claim", "description"] + columns, rows)
    if declared:
        lines += ["Columns:", ""] + [f"- {impl}: {kind}" for impl, kind in declared.items()] + [""]
    return lines + dotnet_misuse_section(run, misuse_cell)


def errors_section(run: Run) -> list[str]:
    rows = [[name, bench, message] for name, bench_file in run.configs.items() for bench, message in bench_file.errors]
    if not rows:
        return []
    return ["## Benchmarks that reported an error", ""] + table(["configuration", "benchmark", "message"], rows)


def build_report(run: Run) -> str:
    title = f"# vtbench report: {recorded(run.meta, 'run_id')}"
    sections = [environment_section, claims_section, dotnet_section, charts_section, wrong_way_section,
                allocator_section, elision_section, concurrency_section, multi_await_section, footprint_section, misuse_section,
                heaptrack_section, costs_section, errors_section]
    lines = [title, "", method_paragraph(run), ""]
    for section in sections:
        lines += section(run)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="results/<run-id> directory")
    args = parser.parse_args(argv)

    def body() -> int:
        run = load_run(args.run_dir)
        report_path = args.run_dir / "REPORT.md"
        atomic_write_text(report_path, build_report(run))
        print(f"{PROG}: wrote {report_path}")
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
