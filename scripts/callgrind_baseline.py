"""callgrind_check.py's regression baseline (tests/callgrind/baseline-gcc.json): the hit:100
instructions per operation of a deliberate reference build, read (each figure a finite
number > 0, or the gate would pass anything), written with the build facts the figures
depend on, and compared with a new measurement."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark_file import parse_benchmark_name
from cachegrind_runs import CallgrindRow
from json_input import ResultsError, load_json, require, require_object
from tables import text_table

BASELINE_HIT = 100   # a baseline holds the all-hit rows: each implementation's own cost, no database round trip
# Context keys that change instruction counts: a baseline recorded under other values is noted.
BUILD_KEYS = ("vtb_compiler", "vtb_compiler_version", "vtb_cxx_flags", "vtb_build_type", "vtb_counting",
              "vtb_allocator_version")


@dataclass
class Change:
    """One hit:100 benchmark measured against its baseline figure."""

    benchmark: str
    baseline: float
    measured: float

    @property
    def relative_change(self) -> float:
        return (self.measured - self.baseline) / self.baseline


@dataclass
class BaselineComparison:
    changes: list[Change]
    missing: list[str]  # in the baseline, not measured
    new: list[str]      # measured, not in the baseline


@dataclass
class Baseline:
    path: Path
    instructions_per_op: dict[str, float]
    build: dict[str, str]


def load_baseline(path: Path) -> Baseline:
    data = require_object(load_json(path), path)
    rows = data.get("rows")
    if not isinstance(rows, list) or not rows:
        raise ResultsError(f"{path}: not a callgrind baseline (no 'rows' list)")
    figures: dict[str, float] = {}
    for index, row in enumerate(rows):
        where = f"row {index}"
        if not isinstance(row, dict):
            raise ResultsError(f"{path}: {where} is not an object")
        name = require(row, "benchmark", "string", path, where)
        value = require(row, "instructions_per_op", "number", path, where)
        if value <= 0:
            raise ResultsError(f"{path}: {where}: 'instructions_per_op' is not positive ({value:g})")
        try:
            parse_benchmark_name(name)
        except ValueError as exc:
            raise ResultsError(f"{path}: row {index}: {exc}") from None
        if name in figures:
            raise ResultsError(f"{path}: {name} is listed twice")
        figures[name] = float(value)
    build = data.get("build", {})
    if not isinstance(build, dict):
        raise ResultsError(f"{path}: 'build' is not an object")
    return Baseline(path, figures, build)


def baseline_rows(figures: dict[str, float], implementations: list[str] | None = None) -> dict[str, float]:
    """The hit:100 entries of benchmark -> instructions/op, only of `implementations` when given."""
    def wanted(name: str) -> bool:
        params = parse_benchmark_name(name)[1]
        return (params.get("hit") == str(BASELINE_HIT)
                and (implementations is None or params.get("impl") in implementations))
    return {name: value for name, value in figures.items() if wanted(name)}


def baseline_json(rows: list[CallgrindRow], iterations: int, context: dict[str, Any], valgrind: str) -> str:
    """A baseline: this run's hit:100 rows, with the build facts that the figures depend on."""
    kept = baseline_rows({row.benchmark: row.instructions_per_op for row in rows})
    document = {
        "description": "callgrind instructions per operation at hit:100, checked by scripts/callgrind_check.py "
                       "--check-baseline; refresh deliberately with --write-baseline (see its --help)",
        "iterations": [iterations, 2 * iterations],
        "build": {key: context[key] for key in (*BUILD_KEYS, "vtb_git_revision") if key in context},
        "valgrind": valgrind,
        "rows": [{"benchmark": row.benchmark, "config": row.config, "instructions_per_op": row.instructions_per_op}
                 for row in rows if row.benchmark in kept],
    }
    return json.dumps(document, indent=2) + "\n"


def compare_with_baseline(baseline: dict[str, float], measured: dict[str, float]) -> BaselineComparison:
    changes = [Change(name, baseline[name], measured[name]) for name in baseline if name in measured]
    return BaselineComparison(changes,
                              missing=[name for name in baseline if name not in measured],
                              new=[name for name in measured if name not in baseline])


def regressions(comparison: BaselineComparison, tolerance: float) -> list[Change]:
    """The changes that rose by more than `tolerance` relative to the baseline."""
    return [change for change in comparison.changes if change.relative_change > tolerance]


def build_differences(baseline_build: dict[str, str], context: dict[str, Any]) -> list[str]:
    """'vtb_cxx_flags: baseline '-O2', binary '-O3'' for every build fact that differs."""
    return [f"{key}: baseline {baseline_build[key]!r}, binary {context.get(key)!r}"
            for key in BUILD_KEYS if key in baseline_build and baseline_build[key] != context.get(key)]


def format_instructions(value: float) -> str:
    return f"{value:,.2f}"


def percent(fraction: float) -> str:
    """0.1 -> '10%', 0.025 -> '2.5%'."""
    return f"{fraction * 100:g}%"


def format_comparison_table(comparison: BaselineComparison, measured: dict[str, float], tolerance: float) -> str:
    rows = []
    for change in comparison.changes:
        status = f"ROSE > {percent(tolerance)}" if change.relative_change > tolerance else "ok"
        rows.append((change.benchmark, format_instructions(change.baseline), format_instructions(change.measured),
                     f"{change.relative_change:+.1%}", status))
    rows += [(name, "-", format_instructions(measured[name]), "-", "new") for name in comparison.new]
    rows += [(name, "-", "-", "-", "MISSING") for name in comparison.missing]
    return "\n".join(text_table(("benchmark", "baseline", "measured", "change", "status"), rows))
