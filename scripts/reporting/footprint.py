"""REPORT.md's "Footprint": one operation held suspended, many at once, per form (in the
vocabulary's order) and set of configurations with the same figures, beside Go's
goroutine (goroutine.json)."""

from __future__ import annotations

from typing import Any

from benchmark_file import Benchmark
from formats import format_allocs, format_bytes
from reporting.common import median_text
from tables import table
from vocabulary import order_key
from vtb_results import GOROUTINE_SPLIT, Run

# The counters every footprint row shows in its own column; any other is named in the notes.
FOOTPRINT_COUNTERS = ("handle_sizeof", "bytes_per_op", "allocs_per_op", "ops", "total_bytes", "peak_live_bytes")
# What a form's row says when it has no extra counter to show.
FORM_NOTES = {"fiber": "its stack comes from operator new and is counted in bytes per op; the results do not "
                       "record the stack size apart"}


def footprint_note(form: str, bench: Benchmark) -> str:
    """Counters beyond the usual ones, or the form's own note."""
    extra = [f"{name} {spread.median:,.0f}" for name, spread in bench.counters.items()
             if name not in FOOTPRINT_COUNTERS]
    return ", ".join(extra) if extra else FORM_NOTES.get(form, "")


def goroutine_row(goroutine: dict[str, Any]) -> list[str]:
    split = ", ".join(f"{part} {format_bytes(goroutine[key])}" for part, key in zip(("stack", "heap"), GOROUTINE_SPLIT)
                      if key in goroutine)
    ops = goroutine.get("goroutines")
    return ["goroutine", f"go {goroutine.get('go_version', '(version not recorded)')}", "-",
            format_bytes(goroutine["bytes_per_goroutine"]), "-", f"{ops:,}" if isinstance(ops, int) else "-",
            f"{split} (measured)" if split else "no stack/heap split recorded"]


def footprint_groups(run: Run) -> dict[str, dict[tuple[str, ...], list[str]]]:
    """form -> its figures -> the configurations with those figures (allocators rarely differ)."""
    groups: dict[str, dict[tuple[str, ...], list[str]]] = {}
    for name, bench_file in run.configs.items():
        for bench in bench_file.select("footprint"):
            form = bench.params.get("form", bench.name)
            figures = (median_text(bench, "handle_sizeof", format_bytes),
                       median_text(bench, "bytes_per_op", format_bytes), median_text(bench, "allocs_per_op", format_allocs),
                       median_text(bench, "ops", lambda ops: f"{ops:,.0f}"), footprint_note(form, bench))
            groups.setdefault(form, {}).setdefault(figures, []).append(name)
    return dict(sorted(groups.items(), key=lambda item: order_key(run.vocabulary.form_names())(item[0])))


def section(run: Run) -> list[str]:
    heading = ["## Footprint", ""]
    measured = [name for name, bench_file in run.configs.items() if bench_file.select("footprint")]
    rows = [[form, "every configuration" if configs == measured else ", ".join(configs), *figures]
            for form, by_figures in footprint_groups(run).items() for figures, configs in by_figures.items()]
    if run.goroutine is not None and run.goroutine["available"]:
        rows.append(goroutine_row(run.goroutine))
    if not rows:
        return heading + ["The run has no footprint benchmarks and no measured goroutine (goroutine.json).", ""]
    intro = ("One operation held suspended, many at once. bytes per op: what operator new was asked for per held "
             "operation; handle sizeof: what the caller keeps for it; configurations with the same figures share "
             "a row. The goroutine row is Go's runtime.MemStats growth per parked goroutine (goroutine.json).")
    return heading + [intro, ""] + table(["form", "configurations", "handle sizeof", "bytes per op",
                                          "allocs per op", "ops held", "notes"], rows)
