"""REPORT.md's sections on how times were taken and what they cost: the method paragraph,
the curves that bend the wrong way (explained with cachegrind's figures), the allocator
comparison with its layout control, and the cachegrind table.

Each section is a function of the loaded Run returning Markdown lines; the figures they
judge come from helper functions that return data, so they can be tested without a
rendered report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markdown_table import table
from vtb_results import (
    SIGNIFICANCE_ALPHA, Benchmark, Run, Spread, cache_sweep, differs, format_ns, format_p_value,
    implementation_sort_key, parse_benchmark_name, slower, u_test_p_value,
)

CONTROL_IMPLEMENTATION = "sync"   # allocates nothing: an allocator that moves its time moves layout
CONTROL_HIT = 0
ALLOCATOR_HITS = (0, 90, 100)
BASELINE_ALLOCATOR = "glibc"
BEND_LIMIT = 1.3                  # a time above 1.3x the 0 % time must be explained
WRONG_WAY_TITLE = "Curves that bend the wrong way"
COST_FIELDS = (("instructions_per_op", "instructions"), ("branch_mispredicts_per_op", "mispredicted branches"),
               ("d1_misses_per_op", "D1 misses"), ("ll_misses_per_op", "LL misses"))
NOTICEABLE_RISE = {"instructions_per_op": 5.0, "branch_mispredicts_per_op": 0.2, "d1_misses_per_op": 0.2,
                   "ll_misses_per_op": 0.05}


def method_paragraph(run: Run) -> str:
    """One sentence on how every figure was taken, from meta.json's passes."""
    passes = run.meta.get("passes") if isinstance(run.meta.get("passes"), dict) else {}
    timing = passes.get("timing", {}) if isinstance(passes.get("timing"), dict) else {}
    counting = passes.get("counting", {}) if isinstance(passes.get("counting"), dict) else {}
    repetitions = timing.get("repetitions", run.meta.get("repetitions", "?"))
    min_time = timing.get("min_time", run.meta.get("min_time", "?"))
    iterations = counting.get("iterations", "?")
    timed = [bench for bench_file in run.configs.values() for bench in bench_file.benchmarks.values()
             if bench.real_time_ns is not None]
    kept, total = sum(bench.timed_repetitions for bench in timed), sum(bench.repetitions for bench in timed)
    state = (f" This machine's speed toggles between two states about 2x apart (harness/machine_state.hpp): "
             f"{kept} of {total} repetitions ran in its fast state, and each benchmark's time is taken over those "
             f"(over all of its repetitions where none did)." if total and kept < total else "")
    return (f"**Method.** Every time comes from the timing pass (vtbench, built without the counting allocator: "
            f"{repetitions} repetitions per benchmark, interleaved at random, min time {min_time} s each) and every "
            f"allocation figure from a separate counting pass (vtbench_counting: {iterations} iterations per "
            f"benchmark after one untimed warm-up run); \"different\" means a two-sided Mann-Whitney U test at "
            f"p < {SIGNIFICANCE_ALPHA:g}, and instruction, branch and cache figures come from cachegrind on the "
            f"timing binary.{state}")


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
        # Only times taken in the same machine state are compared (vtb_results.fast_state_entries).
        times = {hit: bench.real_time_ns for hit, bench in benches.items()
                 if bench.timed_in_fast_state == benches[0].timed_in_fast_state}
        bent = [hit for hit, spread in times.items() if hit > 0 and slower(spread, times[0])]
        if bent:
            worst = max(bent, key=lambda hit: times[hit].median)
            found.append(Bend(compiler, impl, worst, times[worst].median / times[0].median,
                              u_test_p_value(times[worst], times[0]), bent))
    return found


def cost_rows(run: Run, data: dict[str, Any] | None = None) -> dict[tuple[str, str, int], dict[str, Any]]:
    """(config, implementation, hit) -> the callgrind.json row (cachegrind's figures per op); of `data`
    (e.g. callgrind-unchecked.json) when given."""
    rows = {}
    for row in ((run.callgrind if data is None else data) or {}).get("rows", []):
        params = parse_benchmark_name(row["benchmark"])[1]
        if "impl" in params and "hit" in params:
            rows[(row["config"], params["impl"], int(params["hit"]))] = row
    return rows


def explain_bend(bend: Bend, costs: dict[tuple[str, str, int], dict[str, Any]]) -> str:
    """What cachegrind measured at 0 % and at the measured hit ratio nearest the bend: which costs rose."""
    config = f"{bend.compiler}-{BASELINE_ALLOCATOR}"
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


def wrong_way_section(run: Run) -> list[str]:
    heading = [f"## {WRONG_WAY_TITLE}", ""]
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


@dataclass
class AllocatorEffect:
    """One implementation's time under an allocator against glibc's, at one hit ratio."""

    ratio: float
    significant: bool
    p_value: float | None
    comparable: bool = True  # both times from fast-state repetitions (vtb_results.fast_state_entries)


def allocator_effects(run: Run, compiler: str) -> dict[str, dict[tuple[str, int], AllocatorEffect]]:
    """implementation -> (allocator, hit) -> its time relative to the same benchmark under glibc."""
    baseline = run.config(compiler, BASELINE_ALLOCATOR)
    if baseline is None:
        return {}
    reference_benches = {(impl, hit): bench for impl, points in cache_sweep(baseline).items() for hit, bench in points}
    reference = {key: bench.real_time_ns for key, bench in reference_benches.items()}
    effects: dict[str, dict[tuple[str, int], AllocatorEffect]] = {}
    for allocator in run.allocators():
        bench_file = run.config(compiler, allocator)
        if allocator == BASELINE_ALLOCATOR or bench_file is None:
            continue
        for impl, points in cache_sweep(bench_file).items():
            for hit, bench in points:
                base = reference.get((impl, hit))
                if base is None or hit not in ALLOCATOR_HITS:
                    continue
                base_bench = reference_benches[(impl, hit)]
                effects.setdefault(impl, {})[(allocator, hit)] = AllocatorEffect(
                    bench.real_time_ns.median / base.median, differs(bench.real_time_ns, base),
                    u_test_p_value(bench.real_time_ns, base),
                    bench.timed_in_fast_state == base_bench.timed_in_fast_state)
    return dict(sorted(effects.items(), key=lambda item: implementation_sort_key(item[0])))


def effect_cell(effect: AllocatorEffect | None) -> str:
    if effect is None:
        return "-"
    return f"{effect.ratio:.2f}x" + ("*" if effect.significant else "") + ("" if effect.comparable else " †")


def control_sentence(compiler: str, effects: dict[str, dict[tuple[str, int], AllocatorEffect]]) -> str:
    control = {allocator: effect for (allocator, hit), effect in effects.get(CONTROL_IMPLEMENTATION, {}).items()
               if hit == CONTROL_HIT}
    if not control:
        return f"{compiler}: no layout control ({CONTROL_IMPLEMENTATION} at {CONTROL_HIT} % hits) in this run."
    moved = [allocator for allocator, effect in control.items() if effect.significant and effect.comparable]
    figures = ", ".join(f"{allocator} {effect.ratio:.2f}x (p {format_p_value(effect.p_value)}"
                        f"{'' if effect.comparable else ', not comparable: different machine states'})"
                        for allocator, effect in control.items())
    verdict = (f"it moved beyond noise under {', '.join(moved)}: there the allocator changes memory layout, "
               f"not only allocation cost, and that configuration's other ratios carry the same shift"
               if moved else "it did not move beyond noise under any allocator")
    return (f"{compiler}: the layout control ({CONTROL_IMPLEMENTATION} at {CONTROL_HIT} % hits, which makes no "
            f"allocation) runs at {figures} of glibc's time; {verdict}.")


def allocator_section(run: Run) -> list[str]:
    heading = ["## Allocators against glibc", ""]
    lines = heading + [f"Time per operation under each allocator divided by the same benchmark's time under "
                       f"glibc (int payload, async db); * marks a significant difference (U test, p < "
                       f"{SIGNIFICANCE_ALPHA:g}). {CONTROL_IMPLEMENTATION} allocates nothing, so it is the "
                       f"control: a ratio away from 1 there is the allocator's effect on layout, not on "
                       f"allocation. † marks a ratio whose two times were not taken in the same machine state "
                       f"(one benchmark had no repetition in the fast state): not comparable.", ""]
    drawn = False
    for compiler in run.compilers():
        effects = allocator_effects(run, compiler)
        columns = sorted({key for cells in effects.values() for key in cells},
                         key=lambda key: (run.allocators().index(key[0]), key[1]))
        if not columns:
            continue
        drawn = True
        rows = [[f"{impl} (control)" if impl == CONTROL_IMPLEMENTATION else impl]
                + [effect_cell(cells.get(column)) for column in columns] for impl, cells in effects.items()]
        lines += [f"### {compiler}", ""] + table(
            ["implementation"] + [f"{allocator} {hit} %" for allocator, hit in columns], rows)
        lines += [control_sentence(compiler, effects), ""]
    if not drawn:
        return heading + ["The run has no allocator besides glibc with cache_lookup timings to compare.", ""]
    return lines


SPLIT_CONFIG = "gcc-glibc"


def c5_split(run: Run) -> str | None:
    """C5's miss-path gap (value_task - task at 0 % hits) split into the wrapper and ValueTask's misuse
    detection, from the timing binary and vtbench_unchecked: instructions (cachegrind) and times."""
    checked, unchecked = cost_rows(run), cost_rows(run, run.callgrind_unchecked)
    value_task, task = checked.get((SPLIT_CONFIG, "value_task", 0)), checked.get((SPLIT_CONFIG, "task", 0))
    bare = unchecked.get((SPLIT_CONFIG, "value_task", 0))
    if value_task is None or task is None or bare is None:
        return None
    gap = value_task["instructions_per_op"] - task["instructions_per_op"]
    wrapper = bare["instructions_per_op"] - task["instructions_per_op"]
    text = (f"{SPLIT_CONFIG} hit:0, cachegrind: value_task - task = {gap:+.0f} instructions/op = wrapper "
            f"{wrapper:+.0f} + misuse detection {gap - wrapper:+.0f} (vtbench_unchecked, VTB_MISUSE_CHECKS=0)")
    timed = run.unchecked.get(SPLIT_CONFIG)
    bare_time = timed.find("cache_lookup", impl="value_task", payload="int", db="async", hit=0) if timed else None
    if bare_time is not None:
        state = (f"over its {bare_time.timed_repetitions} fast-state repetitions" if bare_time.timed_in_fast_state else
                 "not comparable: its pass ran in the machine's slow state")
        text += f"; time without the checks {format_ns(bare_time.real_time_ns)} ({state})"
    return text


def time_per_op(run: Run, config: str, name: str) -> str:
    """The timing pass's median (min-max) of a benchmark, matched without its /iterations:N part."""
    bench_file = run.configs.get(config)
    scenario, params = parse_benchmark_name(name)
    params.pop("iterations", None)
    bench: Benchmark | None = bench_file.find(scenario, **params) if bench_file else None
    spread: Spread | None = bench.real_time_ns if bench else None
    return format_ns(spread) if spread else f"not timed in bench/{config}.json"


def costs_section(run: Run) -> list[str]:
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
