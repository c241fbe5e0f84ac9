"""REPORT.md's "Awaiting one task many times": multi_await (claim C9) in the base
configuration, time per operation by producer, state and number of awaiters, and its chart."""

from __future__ import annotations

from benchmark_file import multi_await_sweep
from formats import format_allocs
from reporting.common import BASE_COMPILER, BASELINE_ALLOCATOR, base_name, counter
from reporting.gallery import embed
from tables import table
from vtb_results import Run

TITLE = "Awaiting one task many times (multi_await, claim C9)"
CHART = "multi_await"


def section(run: Run) -> list[str]:
    heading = [f"## {TITLE}", ""]
    bench_file = run.config(BASE_COMPILER, BASELINE_ALLOCATOR)
    sweeps = multi_await_sweep(bench_file) if bench_file else {}
    if not sweeps:
        return heading + [f"The run lacks multi_await benchmarks in {base_name()}.", ""]
    lines = heading + (embed(run, CHART) or [f"No {CHART} chart in charts/ (run scripts/charts.py first).", ""])
    counts = sorted({count for points in sweeps.values() for count, _ in points})
    rows = []
    for (via, state), points in sweeps.items():
        times = {count: bench.real_time_ns for count, bench in points}
        allocs = sorted({format_allocs(value) for _, bench in points
                         if (value := counter(bench, "allocs_per_op")) is not None}, key=float)
        rows.append([f"via:{via}", state]
                    + [f"{times[count].median:.1f}" if times.get(count) else "-" for count in counts]
                    + ["-" if not allocs else allocs[0] if len(allocs) == 1 else f"{allocs[0]}-{allocs[-1]}"])
    intro = (f"One task (via:task a Task<int>; via:as_task a value task converted once with as_task()), completed "
             f"or pending, awaited by N awaiters; median ns per operation, {base_name()}. allocs/op counts making "
             f"the task (the awaiters' frames are made once, before the timed loop).")
    header = ["producer", "state"] + [f"{count} awaiter{'s' * (count != 1)}" for count in counts] + ["allocs/op"]
    return lines + [intro, ""] + table(header, rows)
