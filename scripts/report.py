"""Write RUN_DIR/REPORT.md: the environment, the verdict on each claim C1..C10, the charts
and the cross-check tables of a vtbench run.

    /usr/bin/python3 scripts/report.py RUN_DIR

Every figure comes from the run's files (docs/results-format.md). Each claim has its own
function taking the loaded Run and returning a ClaimRow; unless a claim says otherwise it
reads the gcc + glibc configuration, int payload, async db.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from vtb_results import (
    CHART_NAMES, Benchmark, Run, ScriptArgumentParser, atomic_write_text, cache_sweep, format_allocs, format_bytes,
    format_ns, implementation_sort_key, load_run, parse_benchmark_name, run_main, split_config_name,
)

PROG = "report.py"

REPRODUCED = "reproduced"
NUANCE = "reproduced with a C++ nuance"
NOT_REPRODUCED = "not reproduced"
NO_DATA = "no data"

BASE_CONFIG = ("gcc", "glibc")
ALLOC_EPSILON = 0.005           # allocs/op below this count as zero (averaged counters)
TASK_BYTES_CLAIMED = (64, 136)  # C1: the article's size range of one Task object
GOROUTINE_STACK_CLAIMED = 2048  # C1: the article's minimum goroutine stack
WELL_UNDER_FRACTION = 0.25      # C1: "well under" = at most a quarter of the goroutine stack
ABOUT_SAME_RATIO = 0.10         # C5: within 10 % counts as "about the same"
SLIGHTLY_MORE_RATIO = 0.25      # C5: up to 25 % dearer counts as "slightly more"
MISUSE_RULES = ("await_twice", "result_before_completion", "concurrent_await")
IS_COMPLETED_RULE = "is_completed"
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
    figure = f"hit:100: task {allocs_text(task_allocs)}; task_from_result {allocs_text(from_result_allocs)}"
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
    gcc_frame = counter(cache(run, "value_task_coroutine", 100), "allocs_per_op")
    clang_frame = counter(cache(run, "value_task_coroutine", 100, compiler="clang"), "allocs_per_op")
    figure = (f"hit:100: value_task {allocs_text(value_task_allocs)}; value_task_coroutine gcc "
              f"{allocs_text(gcc_frame)}, clang {allocs_text(clang_frame)}")
    if not is_zero(value_task_allocs):
        return row("C4", figure, NOT_REPRODUCED,
                   f"value_task allocates {format_allocs(value_task_allocs)} times per call on the hit path.")
    if gcc_frame is not None and not is_zero(gcc_frame):
        if clang_frame is None:
            clang_note = "clang was not measured"
        elif is_zero(clang_frame):
            clang_note = "clang elides that allocation (HALO)"
        else:
            clang_note = f"clang does not elide it either ({format_allocs(clang_frame)})"
        return row("C4", figure, NUANCE,
                   f"Returning the value from a plain function allocates nothing, but a ValueTask-returning "
                   f"coroutine still allocates its frame under gcc ({format_allocs(gcc_frame)}); {clang_note}.")
    return row("C4", figure, REPRODUCED, "The hit path returns the value inline without any allocation.")


def claim_c5(run: Run) -> ClaimRow:
    value_task, task = cache(run, "value_task", 0), cache(run, "task", 0)
    if value_task is None or task is None:
        return no_data("C5", f"cache_lookup value_task and task at hit:0 in {base_name()}")
    ratio = value_task.real_time_ns.median / task.real_time_ns.median
    value_task_allocs, task_allocs = counter(value_task, "allocs_per_op"), counter(task, "allocs_per_op")
    figure = (f"hit:0: value_task {format_ns(value_task.real_time_ns)} vs task {format_ns(task.real_time_ns)}, "
              f"ratio {ratio:.2f}; {allocs_text(value_task_allocs)} vs {allocs_text(task_allocs)}")
    within_spread = value_task.real_time_ns.overlaps(task.real_time_ns)
    if not within_spread and ratio < 1 - ABOUT_SAME_RATIO:
        return row("C5", figure, NOT_REPRODUCED,
                   f"On the miss path value_task is faster than task (ratio {ratio:.2f}), not about as costly.")
    if not within_spread and ratio > 1 + SLIGHTLY_MORE_RATIO:
        return row("C5", figure, NOT_REPRODUCED,
                   f"On the miss path value_task costs {(ratio - 1) * 100:.0f} % more than task, beyond 'slightly'.")
    cost = "within the repetitions' spread" if within_spread else f"{(ratio - 1) * 100:+.0f} %"
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
    depths = [depth for (kind, depth) in copies if kind == "value_task" and ("task", depth) in copies]
    if not depths:
        return no_data("C7", f"copy_cost for type:value_task and type:task at a common depth in {base_name()}",
                       "; ".join(figure))
    depth = max(depths, key=int)
    value_task_copy, task_copy = copies[("value_task", depth)].real_time_ns, copies[("task", depth)].real_time_ns
    figure.append(f"copy_cost depth:{depth}: value_task {format_ns(value_task_copy)} vs task {format_ns(task_copy)}")
    if value_task_copy.low > task_copy.high:
        return row("C7", "; ".join(figure), REPRODUCED,
                   f"The bigger handle costs {value_task_copy.median - task_copy.median:.1f} ns more to pass "
                   f"and return through {depth} calls.")
    return row("C7", "; ".join(figure), NUANCE,
               f"The handle is bigger, but passing it through {depth} calls costs no measurable extra "
               f"(the ranges overlap or task is dearer).")


def value_task_implementations(results: dict[str, Any]) -> list[str]:
    return sorted((impl for impl in results if "value_task" in impl), key=implementation_sort_key)


def misuse_rule(run: Run, name: str) -> dict[str, Any] | None:
    for rule in (run.misuse or {}).get("rules", []):
        if rule["rule"] == name:
            return rule
    return None


def claim_c8(run: Run) -> ClaimRow:
    rules = {name: misuse_rule(run, name) for name in MISUSE_RULES}
    if run.misuse is None or any(rule is None or "task" not in rule["results"] for rule in rules.values()):
        return no_data("C8", f"misuse.json with the rules {', '.join(MISUSE_RULES)} for task")
    figure, task_refuses, undetected_everywhere, tolerated = [], [], [], []
    for name, rule in rules.items():
        results = rule["results"]
        detected = [impl for impl in value_task_implementations(results) if results[impl]["outcome"] == "detected"]
        figure.append(f"{name}: detected by {', '.join(detected) or 'none'}")
        if results["task"]["outcome"] != "allowed":
            task_refuses.append(name)
        if not detected:
            undetected_everywhere.append(name)
        tolerated += [f"{impl} ({name}: {results[impl]['outcome']})" for impl in value_task_implementations(results)
                      if results[impl]["outcome"] != "detected"]
    figure.append("task allows " + ("all three" if not task_refuses else f"all but {', '.join(task_refuses)}"))
    if task_refuses or undetected_everywhere:
        problems = [f"task refuses {', '.join(task_refuses)}"] if task_refuses else []
        problems += [f"no value task detects {', '.join(undetected_everywhere)}"] if undetected_everywhere else []
        sentence = "; ".join(problems)
        return row("C8", "; ".join(figure), NOT_REPRODUCED, f"{sentence[0].upper()}{sentence[1:]}.")
    if tolerated:
        return row("C8", "; ".join(figure), NUANCE,
                   f"Each misuse is detected by a token-checked value task, but not by every one: "
                   f"{', '.join(tolerated)}.")
    return row("C8", "; ".join(figure), REPRODUCED,
               "Every value task implementation detects all three misuses, which a task allows.")


def claim_c9(run: Run) -> ClaimRow:
    multi_await = {(b.params.get("via"), b.params.get("state")): b for b in select(run, "multi_await")}
    states = sorted({state for (via, state) in multi_await if via == "as_task" and ("task", state) in multi_await})
    figure = []
    for state in states:
        as_task, task = multi_await[("as_task", state)], multi_await[("task", state)]
        figure.append(f"multi_await {state} ({as_task.params.get('awaiters', '?')} awaiters): as_task "
                      f"{format_ns(as_task.real_time_ns)}, {allocs_text(counter(as_task, 'allocs_per_op'))} vs task "
                      f"{format_ns(task.real_time_ns)}, {allocs_text(counter(task, 'allocs_per_op'))}")
    rule = misuse_rule(run, IS_COMPLETED_RULE)
    checked = value_task_implementations(rule["results"]) if rule else []
    if checked:
        figure.append("is_completed check: " + ", ".join(f"{impl} {rule['results'][impl]['outcome']}"
                                                         for impl in checked))
    missing = ([f"multi_await via:as_task and via:task in {base_name()}"] if not states else []) + \
              ([f"the {IS_COMPLETED_RULE} rule for value tasks in misuse.json"] if not checked else [])
    if missing:
        return no_data("C9", " and ".join(missing), "; ".join(figure) or "-")
    unsafe = [impl for impl in checked if rule["results"][impl]["outcome"] != "allowed"]
    if unsafe:
        return row("C9", "; ".join(figure), NOT_REPRODUCED,
                   f"Reading the result after checking is_completed is not safe for {', '.join(unsafe)}.")
    extra = {state: (counter(multi_await[("as_task", state)], "allocs_per_op") or 0.0)
             - (counter(multi_await[("task", state)], "allocs_per_op") or 0.0) for state in states}
    if extra.get("pending", 0.0) > ALLOC_EPSILON:
        return row("C9", "; ".join(figure), NUANCE,
                   f"Both ways out work, but as_task() on a pending value task allocates "
                   f"{format_allocs(extra['pending'])} more times per op than awaiting the task, "
                   f"where .NET returns the wrapped Task itself.")
    return row("C9", "; ".join(figure), REPRODUCED,
               "Checking is_completed before reading is safe and as_task() lets several awaiters share one "
               "result.")


def claim_c10(run: Run) -> ClaimRow:
    value_task, task = sweep(run, "value_task"), sweep(run, "task")
    hits = sorted(set(value_task) & set(task))
    if len(hits) < 2:
        return no_data("C10", f"a cache_lookup sweep of value_task and task over two or more hit ratios "
                              f"in {base_name()}")
    alloc_hit = next((hit for hit in hits if (counter(value_task[hit], "allocs_per_op") or 0.0)
                      < (counter(task[hit], "allocs_per_op") or 0.0) - ALLOC_EPSILON), None)
    time_hit = next((hit for hit in hits
                     if value_task[hit].real_time_ns.high < task[hit].real_time_ns.low), None)
    gain = {hit: task[hit].real_time_ns.median - value_task[hit].real_time_ns.median for hit in hits}
    figure = [f"fewer allocs/op from {alloc_hit} % hits" if alloc_hit is not None else "never fewer allocs/op",
              f"faster beyond the spread from {time_hit} % hits" if time_hit is not None else "never faster",
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
    for impl in ("pooled_value_task", "value_task_source"):
        pooled = cache(run, impl, 0)
        if pooled is None:
            continue
        times.append(f"{impl} {format_ns(pooled.real_time_ns)}")
        faster = pooled.real_time_ns.high < value_task.real_time_ns.low
        pooled_allocs, plain_allocs = counter(pooled, "allocs_per_op"), counter(value_task, "allocs_per_op")
        fewer = pooled_allocs is not None and plain_allocs is not None and pooled_allocs < plain_allocs - ALLOC_EPSILON
        allocs_change = f"{format_allocs(plain_allocs)} -> {format_allocs(pooled_allocs)} allocs/op" if fewer else ""
        if faster:
            verdicts.append(f"{impl} raises throughput" + (f" and cuts allocations ({allocs_change})" if fewer else ""))
        elif fewer:
            verdicts.append(f"{impl} only cuts allocations ({allocs_change}), its time is not lower beyond the spread")
        else:
            verdicts.append(f"{impl} neither raises throughput nor cuts allocations")
    if not verdicts:
        return [], "pooling could not be judged (no pooled_value_task or value_task_source at hit:0)."
    return ["hit:0: " + ", ".join(times)], "at hit:0 " + "; ".join(verdicts) + "."


CLAIM_FUNCTIONS: list[Callable[[Run], ClaimRow]] = [
    claim_c1, claim_c2, claim_c3, claim_c4, claim_c5, claim_c6, claim_c7, claim_c8, claim_c9, claim_c10,
]


def cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in values) + " |" for values in rows]
    return lines + [""]


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
            recorded(context, "vtb_counting"),
            recorded(context, "vtb_cxx_flags"),
            recorded(context, "vtb_build_type"),
            recorded(context, "vtb_git_revision")[:12],
            len(bench_file.benchmarks),
        ])
    lines += ["Configurations (from each benchmark file's context):", ""]
    lines += table(["configuration", "compiler", "allocator (version)", "counting", "C++ flags", "build",
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
    rows = [[r.claim_id, r.claim, r.figure, f"**{r.verdict}**", r.explanation]
            for r in (claim(run) for claim in CLAIM_FUNCTIONS)]
    intro = (f"Figures are medians of the repetitions with the (min-max) range; unless stated, "
             f"{base_name()}, int payload, async db.")
    return ["## Claims", "", intro, ""] + table(["ID", "claim", "measured", "verdict", "explanation"], rows)


def charts_section(run: Run) -> list[str]:
    present = [name for name in CHART_NAMES if (run.directory / "charts" / f"{name}.png").is_file()]
    if not present:
        return ["## Charts", "", "No charts in charts/ (run scripts/charts.py first).", ""]
    lines = ["## Charts", ""]
    for name in present:
        lines += [f"![{name}](charts/{name}.png)", ""]
    return lines


def heaptrack_section(run: Run) -> list[str]:
    if run.heaptrack is None:
        return []
    data = run.heaptrack
    rows = [[r["benchmark"], format_allocs(r["heaptrack_allocs_per_op"]), format_allocs(r["counted_allocs_per_op"]),
             "yes" if r["agree"] else "**no**"] for r in data["rows"]]
    iterations = data.get("iterations", [])
    agreement = "all rows agree" if all(r["agree"] for r in data["rows"]) else "some rows disagree"
    runs = " and ".join(map(str, iterations)) or "N and 2N"
    intro = (f"heaptrack counted the malloc calls of runs of {runs} iterations; the difference per iteration "
             f"is compared with the counting allocator's allocs_per_op (tolerance {data['tolerance']}, relative, "
             f"absolute below 1 alloc/op): {agreement}.")
    return ["## heaptrack cross-check", "", intro, ""] + table(
        ["benchmark", "heaptrack allocs/op", "counted allocs/op", "agree"], rows)


def callgrind_section(run: Run) -> list[str]:
    if run.callgrind is None:
        return []
    rows = [[r["config"], r["benchmark"], f"{r['instructions_per_op']:,.1f}", time_per_op(run, r["config"], r["benchmark"])]
            for r in run.callgrind["rows"]]
    return ["## Instructions per operation (callgrind)", ""] + table(
        ["configuration", "benchmark", "instructions/op", "time/op"], rows)


def time_per_op(run: Run, config: str, name: str) -> str:
    """Median (min-max) of the benchmark in bench/<config>.json, matched without its /iterations:N part."""
    bench_file = run.configs.get(config)
    scenario, params = parse_benchmark_name(name)
    params.pop("iterations", None)
    bench = bench_file.find(scenario, **params) if bench_file else None
    return format_ns(bench.real_time_ns) if bench else f"not in bench/{config}.json"


def median_text(bench: Benchmark, counter_name: str, fmt: Callable[[float], str]) -> str:
    spread = bench.counter(counter_name)
    return fmt(spread.median) if spread else "-"


def footprint_section(run: Run) -> list[str]:
    rows = []
    for name, bench_file in run.configs.items():
        for bench in sorted(bench_file.select("footprint"), key=lambda b: implementation_sort_key(b.params.get("impl", ""))):
            rows.append([name, bench.params.get("impl", bench.name), median_text(bench, "handle_sizeof", format_bytes),
                         median_text(bench, "bytes_per_op", format_bytes),
                         median_text(bench, "allocs_per_op", format_allocs),
                         median_text(bench, "ops", lambda ops: f"{ops:,.0f}")])
    if not rows:
        return []
    return ["## Footprint", "", "One operation held suspended, many at once.", ""] + table(
        ["configuration", "implementation", "handle sizeof", "bytes per op", "allocs per op", "ops held"], rows)


def misuse_section(run: Run) -> list[str]:
    if run.misuse is None:
        return []
    implementations = sorted({impl for rule in run.misuse["rules"] for impl in rule["results"]},
                             key=implementation_sort_key)

    def outcome(result: dict[str, Any] | None) -> str:
        if result is None:
            return "-"
        return f"{result['outcome']}: {result['message']}" if result["message"] else result["outcome"]
    rows = [[rule["rule"], rule.get("description", "")] + [outcome(rule["results"].get(impl)) for impl in implementations]
            for rule in run.misuse["rules"]]
    return ["## Misuse", "", "What each implementation does with each misuse rule (and the message it gives).", ""] + \
        table(["rule", "description"] + implementations, rows)


def counting_overhead_section(run: Run) -> list[str]:
    rows = []
    for name, uncounted in run.configs.items():
        compiler, allocator, counting = split_config_name(name)
        counted = run.config(compiler, allocator)
        if counting or counted is None:
            continue
        overheads = [(counted.benchmarks[bench_name].real_time_ns.median / bench.real_time_ns.median - 1) * 100
                     for bench_name, bench in uncounted.benchmarks.items() if bench_name in counted.benchmarks]
        if overheads:
            rows.append([f"{counted.path.stem} vs {name}", len(overheads), f"{statistics.median(overheads):+.1f} %",
                         f"{min(overheads):+.1f} % to {max(overheads):+.1f} %"])
    if not rows:
        return []
    return ["## Counting overhead", "",
            "Time per operation with the counting allocator against the same benchmarks built without it.", ""] + \
        table(["comparison", "benchmarks", "median overhead", "range"], rows)


def errors_section(run: Run) -> list[str]:
    rows = [[name, bench, message] for name, bench_file in run.configs.items() for bench, message in bench_file.errors]
    if not rows:
        return []
    return ["## Benchmarks that reported an error", ""] + table(["configuration", "benchmark", "message"], rows)


def build_report(run: Run) -> str:
    title = f"# vtbench report: {recorded(run.meta, 'run_id')}"
    sections = [environment_section, claims_section, charts_section, heaptrack_section, callgrind_section,
                footprint_section, misuse_section, counting_overhead_section, errors_section]
    lines = [title, ""]
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
