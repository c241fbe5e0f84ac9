"""REPORT.md's "Allocators against glibc": each implementation's time under every other
allocator divided by the same benchmark's under glibc, at the vocabulary's `comparison`
hit ratios (what the other allocators run), with sync, which allocates nothing, as the
layout control."""

from __future__ import annotations

from dataclasses import dataclass

from benchmark_file import cache_sweep
from formats import format_p_value
from reporting.common import BASELINE_ALLOCATOR
from stats import SIGNIFICANCE_ALPHA, differs, u_test_p_value
from tables import table
from vocabulary import order_key
from vtb_results import Run

CONTROL_IMPLEMENTATION = "sync"   # allocates nothing: an allocator that moves its time moves layout
CONTROL_HIT = 0
COMPARISON_SWEEP = "comparison"   # the vocabulary's hit ratios the other allocators run

Effects = dict[str, dict[tuple[str, int], "AllocatorEffect"]]


@dataclass
class AllocatorEffect:
    """One implementation's time under an allocator against glibc's, at one hit ratio."""

    ratio: float
    significant: bool
    p_value: float | None
    comparable: bool = True  # both times from fast-state repetitions (benchmark_file.fast_state_entries)


def comparison_hits(run: Run) -> tuple[int, ...]:
    return run.vocabulary.sweep(COMPARISON_SWEEP)


def allocator_effects(run: Run, compiler: str) -> Effects:
    """implementation -> (allocator, hit) -> its time relative to the same benchmark under glibc."""
    baseline = run.config(compiler, BASELINE_ALLOCATOR)
    if baseline is None:
        return {}
    reference = {(impl, hit): bench for impl, points in cache_sweep(baseline).items() for hit, bench in points
                 if bench.real_time_ns is not None}
    effects: Effects = {}
    for allocator in run.allocators():
        bench_file = run.config(compiler, allocator)
        if allocator == BASELINE_ALLOCATOR or bench_file is None:
            continue
        for impl, points in cache_sweep(bench_file).items():
            for hit, bench in points:
                base = reference.get((impl, hit))
                if base is None or bench.real_time_ns is None or hit not in comparison_hits(run):
                    continue
                effects.setdefault(impl, {})[(allocator, hit)] = AllocatorEffect(
                    bench.real_time_ns.median / base.real_time_ns.median, differs(bench.real_time_ns, base.real_time_ns),
                    u_test_p_value(bench.real_time_ns, base.real_time_ns),
                    bench.timed_in_fast_state == base.timed_in_fast_state)
    implementation_key = order_key(run.vocabulary.implementation_names())
    return dict(sorted(effects.items(), key=lambda item: implementation_key(item[0])))


def effect_cell(effect: AllocatorEffect | None) -> str:
    if effect is None:
        return "-"
    return f"{effect.ratio:.2f}x" + ("*" if effect.significant else "") + ("" if effect.comparable else " †")


def control_sentence(compiler: str, effects: Effects) -> str:
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


def section(run: Run) -> list[str]:
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
