"""REPORT.md's "A/A noise floor": the run's A/A check (aa/: one vtbench binary against itself,
interleaved processes, scripts/interleave.py) judged exactly as scripts/compare judges a
change (process_stats: the U test over process medians, a verdict only beyond the noise
band), so its false positives are the ones a comparison would make, and each benchmark's
noise band (the change 95 % of same-code comparisons of as many processes stay within,
resampled from both sides' processes pooled) is the threshold a real change must pass."""

from __future__ import annotations

from dataclasses import dataclass

from benchmark_file import benchmark_order
from formats import format_ns, format_p_value
from process_runs import AA_DIRECTORY
from process_stats import FASTER, SLOWER, judge, noise_band_percent, relative_change_percent
from stats import SIGNIFICANCE_ALPHA, Spread, u_test_p_value
from tables import table
from vtb_results import Run

TARGET_FALSE_POSITIVE_RATE = 10.0  # %, at p < SIGNIFICANCE_ALPHA (issue 19's target)
TARGET_LARGEST_CALLED = 5.0        # %: no A/A change beyond this may be called a change


@dataclass
class AaRow:
    name: str
    first: Spread   # over process medians
    second: Spread
    change_percent: float | None
    band_percent: float | None
    p_value: float | None
    verdict: str


def aa_rows(run: Run) -> list[AaRow]:
    """The A/A check's benchmarks in the vocabulary's order, each judged as compare judges a change."""
    if run.aa is None:
        return []
    first, second = run.aa
    rows = []
    for name in sorted(first.benchmarks, key=benchmark_order(run.vocabulary)):
        a, b = first.benchmarks[name].real_time_ns, second.benchmarks[name].real_time_ns
        change = relative_change_percent(a.median, b.median)
        band = noise_band_percent([a.values + b.values], (len(a.values), len(b.values)), name)
        p_value = u_test_p_value(a, b)
        rows.append(AaRow(name, a, b, change, band, p_value, judge(change, p_value, band, SIGNIFICANCE_ALPHA)))
    return rows


def section(run: Run) -> list[str]:
    lines = ["## A/A noise floor", ""]
    rows = aa_rows(run)
    if not rows:
        return lines + [f"This run has no A/A check ({AA_DIRECTORY}/: the full run's, not --quick's).", ""]
    first, second = run.aa  # type: ignore[misc]
    tested = [row for row in rows if row.p_value is not None]
    significant = [row for row in tested if row.p_value < SIGNIFICANCE_ALPHA]
    called = [row for row in rows if row.verdict in (SLOWER, FASTER)]
    rate = len(significant) / len(tested) * 100 if tested else 0.0
    largest = max((abs(row.change_percent) for row in called if row.change_percent is not None), default=None)
    bands = sorted(row.band_percent for row in rows if row.band_percent is not None)
    lines += [
        f"One vtbench binary against itself: {first.processes} and {second.processes} processes, interleaved in "
        f"rounds of one process a side in a shuffled order ({AA_DIRECTORY}/A, {AA_DIRECTORY}/B), on a subset of "
        f"fast and slow benchmarks, judged as `scripts/compare` and `./run_all.sh --compare` judge a change: the "
        f"U test over the processes' medians, and a verdict only for a change beyond the benchmark's noise band. "
        f"Every change here is noise.",
        "",
        f"- At p < {SIGNIFICANCE_ALPHA:g}: {len(significant)} of {len(tested)} benchmarks ({rate:.1f} %; "
        f"target at most {TARGET_FALSE_POSITIVE_RATE:g} %: {'met' if rate <= TARGET_FALSE_POSITIVE_RATE else 'NOT met'}).",
        f"- Called a change (significant and beyond its band): {len(called)}"
        + (f", the largest {largest:.1f} %" if largest is not None else "")
        + f" (target: none beyond ±{TARGET_LARGEST_CALLED:g} %: "
        + ("met" if largest is None or largest <= TARGET_LARGEST_CALLED else "NOT met") + ").",
    ]
    if bands:
        lines.append(f"- Noise bands (the change 95 % of same-code comparisons of as many processes stay within): "
                     f"from ±{bands[0]:.1f} % to ±{bands[-1]:.1f} %, median ±{bands[len(bands) // 2]:.1f} %.")
    lines.append("")
    return lines + table(
        ["benchmark", "A median (min-max of processes)", "B median (min-max of processes)", "change", "noise band",
         "U test p", "verdict"],
        [[row.name, format_ns(row.first), format_ns(row.second),
          "n/a" if row.change_percent is None else f"{row.change_percent:+.1f} %",
          "n/a" if row.band_percent is None else f"±{row.band_percent:.1f} %", format_p_value(row.p_value),
          row.verdict] for row in rows])
