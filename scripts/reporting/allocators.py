"""REPORT.md's "Allocators against glibc": each implementation's time under every other
allocator against the same benchmark's under glibc, from the run's allocator comparison
(allocators/<compiler>/<allocator>/: one vtbench binary a compiler, one side per allocator,
run as interleaved processes by scripts/interleave.py, so that the machine's drift falls on
every allocator alike). Each ratio is judged as scripts/compare judges a change
(process_stats: the U test over the processes' medians, and a verdict only beyond the
benchmark's noise band, resampled from each side's processes). sync, which allocates
nothing, is the layout control: its ratio and band are shown beside every allocator's."""

from __future__ import annotations

from dataclasses import dataclass

from benchmark_file import benchmark_order
from formats import format_p_value
from process_runs import ALLOCATORS_DIRECTORY, ProcessSide
from process_stats import FASTER, SLOWER, judge, noise_band_percent, relative_change_percent
from reporting.common import BASELINE_ALLOCATOR
from stats import SIGNIFICANCE_ALPHA, u_test_p_value
from tables import table
from vtb_results import Run

CONTROL_IMPLEMENTATION = "sync"   # allocates nothing: an allocator that moves its time moves layout
CONTROL_HIT = 0

Effects = dict[str, dict[tuple[str, int], "AllocatorEffect"]]


@dataclass
class AllocatorEffect:
    """One implementation's time under an allocator against glibc's, at one hit ratio, over processes."""

    ratio: float                 # median of the allocator's process medians / glibc's
    change_percent: float | None
    band_percent: float | None   # the noise band of this benchmark for these numbers of processes
    p_value: float | None        # U test over the two sides' process medians
    verdict: str                 # process_stats.judge: slower, faster, within noise or n/a

    @property
    def significant(self) -> bool:
        """Judged a real difference: significant and beyond the noise band."""
        return self.verdict in (SLOWER, FASTER)


def effect_of(baseline: ProcessSide, other: ProcessSide, name: str) -> AllocatorEffect | None:
    """Benchmark `name` under `other`'s allocator against glibc's, None when a side lacks its time."""
    base, bench = baseline.benchmarks[name].real_time_ns, other.benchmarks[name].real_time_ns
    if base is None or bench is None or base.median == 0:
        return None
    change = relative_change_percent(base.median, bench.median)
    band = noise_band_percent([base.values, bench.values], (len(base.values), len(bench.values)), name)
    p_value = u_test_p_value(base, bench)
    return AllocatorEffect(bench.median / base.median, change, band, p_value,
                           judge(change, p_value, band, SIGNIFICANCE_ALPHA))


def allocator_effects(run: Run, compiler: str) -> Effects:
    """implementation -> (allocator, hit) -> its time relative to the same benchmark under glibc, for the
    cache_lookup benchmarks (int payload, async db) of the compiler's allocator comparison."""
    sides = run.allocator_sides.get(compiler, {})
    baseline = sides.get(BASELINE_ALLOCATOR)
    if baseline is None:
        return {}
    effects: Effects = {}
    for allocator in run.vocabulary.allocators:
        other = sides.get(allocator)
        if allocator == BASELINE_ALLOCATOR or other is None:
            continue
        for name in sorted(baseline.benchmarks, key=benchmark_order(run.vocabulary)):
            bench = baseline.benchmarks[name]
            params = bench.params
            if bench.scenario != "cache_lookup" or params.get("payload") != "int" or params.get("db") != "async":
                continue
            effect = effect_of(baseline, other, name)
            if effect is not None:
                effects.setdefault(params["impl"], {})[(allocator, int(params["hit"]))] = effect
    return effects


def effect_hits(effects: Effects) -> list[int]:
    """The hit ratios a compiler's effects cover, in order."""
    return sorted({hit for cells in effects.values() for _, hit in cells})


def effect_cell(effect: AllocatorEffect | None) -> str:
    if effect is None:
        return "-"
    band = "" if effect.band_percent is None else f" ±{effect.band_percent:.1f} %"
    return f"{effect.ratio:.2f}x{band}" + ("*" if effect.significant else "")


def control_sentence(compiler: str, effects: Effects) -> str:
    control = {allocator: effect for (allocator, hit), effect in effects.get(CONTROL_IMPLEMENTATION, {}).items()
               if hit == CONTROL_HIT}
    if not control:
        return f"{compiler}: no layout control ({CONTROL_IMPLEMENTATION} at {CONTROL_HIT} % hits) in this run."
    moved = [allocator for allocator, effect in control.items() if effect.significant]
    figures = ", ".join(f"{allocator} {effect.ratio:.2f}x (p {format_p_value(effect.p_value)}, band "
                        f"{'n/a' if effect.band_percent is None else f'±{effect.band_percent:.1f} %'})"
                        for allocator, effect in control.items())
    verdict = (f"it moved beyond its noise band under {', '.join(moved)}: there the allocator changes memory "
               f"layout, not only allocation cost, and that allocator's other ratios carry the same shift"
               if moved else "it stayed within its noise band under every allocator")
    return (f"{compiler}: the layout control ({CONTROL_IMPLEMENTATION} at {CONTROL_HIT} % hits, which makes no "
            f"allocation) runs at {figures} of glibc's time; {verdict}.")


def section(run: Run) -> list[str]:
    heading = ["## Allocators against glibc", ""]
    drawn: list[str] = []
    for compiler in run.compilers():
        effects = allocator_effects(run, compiler)
        if not effects:
            continue
        sides = run.allocator_sides[compiler]
        allocators = [allocator for allocator in run.vocabulary.allocators
                      if allocator in sides and allocator != BASELINE_ALLOCATOR]
        control = effects.get(CONTROL_IMPLEMENTATION, {})
        header = ["implementation", "hit"] + [
            f"{allocator} (control {effect_cell(control.get((allocator, CONTROL_HIT)))})" for allocator in allocators]
        rows = [[f"{impl} (control)" if impl == CONTROL_IMPLEMENTATION else impl, f"{hit} %"]
                + [effect_cell(cells.get((allocator, hit))) for allocator in allocators]
                for impl, cells in effects.items() for hit in sorted({hit for _, hit in cells})]
        processes = ", ".join(f"{allocator} {side.processes}" for allocator, side in sides.items())
        drawn += [f"### {compiler}", "", f"Processes a side: {processes}.", ""] + table(header, rows)
        drawn += [control_sentence(compiler, effects), ""]
    if not drawn:
        return heading + [f"This run has no allocator comparison with glibc and another allocator "
                          f"({ALLOCATORS_DIRECTORY}/: interleaved processes, one side per allocator).", ""]
    intro = (f"Time per operation under each allocator divided by the same benchmark's under {BASELINE_ALLOCATOR} "
             f"(cache_lookup, int payload, async db), from the allocator comparison ({ALLOCATORS_DIRECTORY}/): one "
             f"vtbench binary a compiler, run under every allocator as interleaved processes (rounds of one process "
             f"an allocator in a shuffled order), so that the machine's drift falls on every allocator alike. Each "
             f"cell is the ratio of the medians of the processes' medians and, after ±, the benchmark's noise band "
             f"(the change 95 % of same-code comparisons of as many processes stay within, resampled from each "
             f"side's processes); * marks a difference judged real as `scripts/compare` judges one: significant "
             f"by the U test over the processes' medians (p < {SIGNIFICANCE_ALPHA:g}) and beyond the band. "
             f"{CONTROL_IMPLEMENTATION} allocates nothing, so it is the control, shown beside each allocator's "
             f"name: a ratio away from 1 there is the allocator's effect on layout, not on allocation.")
    return heading + [intro, ""] + drawn
