"""REPORT.md's cross-check sections: heaptrack against the counting allocator
(heaptrack.json) and cachegrind's instructions, branches and cache misses per operation
(callgrind.json), and what other sections read from cachegrind's figures (the rows by
configuration, implementation and hit; C5's split of the miss-path gap)."""

from __future__ import annotations

from typing import Any

from benchmark_file import Benchmark, parse_benchmark_name
from formats import format_allocs, format_ns
from reporting.common import base_name
from stats import Spread
from tables import table
from vtb_results import Run

CostRows = dict[tuple[str, str, int], dict[str, Any]]


def cost_rows(run: Run, data: dict[str, Any] | None = None) -> CostRows:
    """(config, implementation, hit) -> the callgrind.json row (cachegrind's figures per op); of `data`
    (e.g. callgrind-unchecked.json) when given."""
    rows = {}
    for row in ((run.callgrind if data is None else data) or {}).get("rows", []):
        params = parse_benchmark_name(row["benchmark"])[1]
        if "impl" in params and "hit" in params:
            rows[(row["config"], params["impl"], int(params["hit"]))] = row
    return rows


def named_cost_row(run: Run, config: str, benchmark: str) -> dict[str, Any] | None:
    """The callgrind.json row of `benchmark` (a name without /iterations:N) in `config`, if measured."""
    rows = (run.callgrind or {}).get("rows", [])
    return next((row for row in rows if row["config"] == config and row["benchmark"] == benchmark), None)


def c5_split(run: Run) -> str | None:
    """C5's miss-path gap (value_task - task at 0 % hits) split into the wrapper and ValueTask's misuse
    detection, from the timing binary and vtbench_unchecked: instructions (cachegrind) and times."""
    config = base_name()
    checked, unchecked = cost_rows(run), cost_rows(run, run.callgrind_unchecked)
    value_task, task = checked.get((config, "value_task", 0)), checked.get((config, "task", 0))
    bare = unchecked.get((config, "value_task", 0))
    if value_task is None or task is None or bare is None:
        return None
    gap = value_task["instructions_per_op"] - task["instructions_per_op"]
    wrapper = bare["instructions_per_op"] - task["instructions_per_op"]
    text = (f"{config} hit:0, cachegrind: value_task - task = {gap:+.0f} instructions/op = wrapper "
            f"{wrapper:+.0f} + misuse detection {gap - wrapper:+.0f} (vtbench_unchecked, VTB_MISUSE_CHECKS=0)")
    timed = run.unchecked.get(config)
    bare = [timed.find("cache_lookup", impl=impl, payload="int", db="async", hit=0) if timed else None
            for impl in ("value_task", "task")]
    checked_task = run.find(*config.split("-"), "cache_lookup", impl="task", payload="int", db="async", hit=0)
    times = [bench.real_time_ns for bench in bare + [checked_task] if bench is not None]
    if len(times) == 3 and all(time is not None for time in times):
        bare_value_task, bare_task, task_time = times
        in_fast_state = all(bench.timed_in_fast_state for bench in bare if bench is not None)
        state = "" if in_fast_state else " (not comparable: that pass ran in the machine's slow state)"
        text += (f"; in vtbench_unchecked's own pass value_task {format_ns(bare_value_task)} vs task "
                 f"{format_ns(bare_task)} (ratio {bare_value_task.median / bare_task.median:.2f}){state}, but task, "
                 f"whose code the checks do not touch, moves {bare_task.median / task_time.median:.2f}x between the "
                 f"two binaries (code layout), more than a few instructions cost: the split is cachegrind's")
    return text


def time_per_op(run: Run, config: str, name: str) -> str:
    """The timing pass's median (min-max) of a benchmark, matched without its /iterations:N part."""
    bench_file = run.configs.get(config)
    scenario, params = parse_benchmark_name(name)
    params.pop("iterations", None)
    bench: Benchmark | None = bench_file.find(scenario, **params) if bench_file else None
    spread: Spread | None = bench.real_time_ns if bench else None
    return format_ns(spread) if spread else f"not timed in bench/{config}.json"


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


def cachegrind_section(run: Run) -> list[str]:
    heading = ["## Instructions, branches and cache misses per operation (cachegrind)", ""]
    if run.callgrind is None:
        return heading + ["The run has no callgrind.json (scripts/callgrind_check.py writes it).", ""]

    def figure(value: Any) -> str:
        return "-" if value is None else f"{value:,.2f}"
    rows = [[r["config"], r["benchmark"], f"{r['instructions_per_op']:,.1f}", figure(r.get("branches_per_op")),
             figure(r.get("branch_mispredicts_per_op")), figure(r.get("d1_misses_per_op")),
             figure(r.get("ll_misses_per_op")), time_per_op(run, r["config"], r["benchmark"])]
            for r in run.callgrind["rows"]]
    intro = ("Deterministic figures from valgrind's cachegrind on the timing binary (no counting allocator), "
             "per operation from runs of N and 2N iterations; branches and misses are cachegrind's simulation "
             "(this machine has no hardware counters), time/op is the timing pass's.")
    return heading + [intro, ""] + table(["configuration", "benchmark", "instructions", "branches", "mispredicted",
                                          "D1 misses", "LL misses", "time/op"], rows)
