"""REPORT.md's "Curves that bend the wrong way": every implementation slower at some hit
ratio than at 0 % hits (a hit is cheaper than a miss everywhere), explained with
cachegrind's figures at 0 % and the nearest hit ratio it measured."""

from __future__ import annotations

from dataclasses import dataclass

from benchmark_file import cache_sweep
from formats import format_p_value
from reporting.common import BASELINE_ALLOCATOR
from reporting.crosschecks import CostRows, cost_rows
from stats import slower, u_test_p_value
from tables import table
from vtb_results import Run, config_name

TITLE = "Curves that bend the wrong way"
BEND_LIMIT = 1.3                  # a time above 1.3x the 0 % time is shown in bold
COST_FIELDS = (("instructions_per_op", "instructions"), ("branch_mispredicts_per_op", "mispredicted branches"),
               ("d1_misses_per_op", "D1 misses"), ("ll_misses_per_op", "LL misses"))
NOTICEABLE_RISE = {"instructions_per_op": 5.0, "branch_mispredicts_per_op": 0.2, "d1_misses_per_op": 0.2,
                   "ll_misses_per_op": 0.05}


@dataclass
class Bend:
    """An implementation slower at some hit ratio than at 0 % hits, beyond noise."""

    compiler: str
    implementation: str
    hit: int             # the hit ratio where it is slowest relative to 0 %
    ratio: float         # time(hit) / time(0)
    p_value: float | None
    bent_hits: list[int]


def bends(run: Run, compiler: str) -> list[Bend]:
    """Every implementation of compiler + glibc (int, async) whose time at some hit ratio is significantly
    above its time at 0 % hits."""
    bench_file = run.config(compiler, BASELINE_ALLOCATOR)
    found = []
    for impl, points in (cache_sweep(bench_file) if bench_file else {}).items():
        benches = {hit: bench for hit, bench in points if bench.real_time_ns is not None}
        if 0 not in benches:
            continue
        # Only times taken in the same machine state are compared (benchmark_file.fast_state_entries).
        times = {hit: bench.real_time_ns for hit, bench in benches.items()
                 if bench.timed_in_fast_state == benches[0].timed_in_fast_state}
        bent = [hit for hit, spread in times.items() if hit > 0 and slower(spread, times[0])]
        if bent:
            worst = max(bent, key=lambda hit: times[hit].median)
            found.append(Bend(compiler, impl, worst, times[worst].median / times[0].median,
                              u_test_p_value(times[worst], times[0]), bent))
    return found


def explain_bend(bend: Bend, costs: CostRows) -> str:
    """What cachegrind measured at 0 % and at the measured hit ratio nearest the bend: which costs rose."""
    config = config_name(bend.compiler, BASELINE_ALLOCATOR)
    measured = sorted(hit for (row_config, impl, hit) in costs if row_config == config and impl == bend.implementation)
    if 0 not in measured or len(measured) < 2:
        return f"no cachegrind figures for {config} (callgrind.json covers the probe compiler only)"
    hit = min((hit for hit in measured if hit > 0), key=lambda hit: abs(hit - bend.hit))
    at_zero, at_hit = costs[(config, bend.implementation, 0)], costs[(config, bend.implementation, hit)]
    figures, risen = [], []
    for field, label in COST_FIELDS:
        if at_zero.get(field) is None or at_hit.get(field) is None:
            continue
        figures.append(f"{label} {at_zero[field]:,.1f} -> {at_hit[field]:,.1f}")
        if at_hit[field] - at_zero[field] >= NOTICEABLE_RISE[field]:
            risen.append(label)
    cause = (f"{' and '.join(risen)} rise" if risen else
             "no simulated cost rises, so the extra time is outside what cachegrind models (e.g. the real "
             "branch predictor or store forwarding)")
    return f"per op at 0 % -> {hit} %: {', '.join(figures)}: {cause}"


def section(run: Run) -> list[str]:
    heading = [f"## {TITLE}", ""]
    found = [bend for compiler in run.compilers() for bend in bends(run, compiler)]
    intro = (f"A hit is cheaper than a miss in every implementation, so time should not rise with the hit ratio. "
             f"Listed: every implementation (glibc, int payload, async db) whose time at some hit ratio is "
             f"significantly above its own time at 0 % hits (both taken in the same machine state), with "
             f"cachegrind's figures at 0 % and the nearest measured hit ratio (90 or 100 %); above {BEND_LIMIT}x is "
             f"bold.")
    if not found:
        return heading + [intro, "", "None: no implementation is slower at any hit ratio than at 0 % hits.", ""]
    costs = cost_rows(run)
    rows = []
    for bend in found:
        ratio = f"{bend.ratio:.2f}x"
        rows.append([bend.compiler, bend.implementation, ", ".join(f"{hit} %" for hit in bend.bent_hits),
                     f"{bend.hit} %", f"**{ratio}**" if bend.ratio > BEND_LIMIT else ratio,
                     format_p_value(bend.p_value), explain_bend(bend, costs)])
    return heading + [intro, ""] + table(
        ["compiler", "implementation", "slower than at 0 % at", "worst", "time / time at 0 %", "U test p",
         "cachegrind"], rows)
