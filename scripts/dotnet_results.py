"""Load the .NET side's results (scenarios/dotnet/run.sh OUT_DIR) into normalized rows.

OUT_DIR (results/<run-id>/dotnet/) holds:
  meta.json                       SDK, runtime, BenchmarkDotNet version, job settings, wall times
  misuse.json                     the misuse table, in the C++ misuse.json schema
  footprint.json                  bytes per suspended operation, Unsafe.SizeOf of the handles
  bdn/results/*-report-full.json  BenchmarkDotNet's full JSON export, one file per class
  runtime-async/                  the same for the runtime-async preview build (cache scenario
                                  only), when it was measured: meta.json, bdn/results/

Every BenchmarkDotNet benchmark becomes one Row (build "default" or "runtime_async"):
scenario cache_lookup (impl, payload, hit), driver (impl "empty" / "loop_round_trip",
payload), factory (impl = kind) or copy_cost (impl = type, depth). Times are
BenchmarkDotNet's own per-operation statistics in nanoseconds; bytes_per_op is its
MemoryDiagnoser figure (BytesAllocatedPerOperation, whole bytes).

As a script it prints the rows of OUT_DIR (a table, or --json). Bad input: one line
naming the file and the problem, exit 1; bad arguments: exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

# BenchmarkDotNet class -> (scenario, payload)
BENCHMARK_TYPES: dict[str, tuple[str, str | None]] = {
    "CacheLookupInt": ("cache_lookup", "int"),
    "CacheLookupString": ("cache_lookup", "string"),
    "DriverInt": ("driver", "int"),
    "DriverString": ("driver", "string"),
    "Factory": ("factory", None),
    "CopyCost": ("copy_cost", None),
}
BUILDS = ("default", "runtime_async")
BUILD_DIRS = {"default": Path("."), "runtime_async": Path("runtime-async")}
IMPLEMENTATIONS = ("sync", "task", "task_from_result", "value_task_coroutine", "value_task",
                   "value_task_source", "pooled_value_task")


class DotnetResultsError(Exception):
    """Bad input: the message names the file and what is wrong with it."""


@dataclass(frozen=True)
class Row:
    """One BenchmarkDotNet benchmark case, normalized."""

    scenario: str            # cache_lookup | driver | factory | copy_cost
    impl: str                # implementation (cache_lookup, driver), kind (factory), type (copy_cost)
    payload: str | None      # int | string for cache_lookup and driver
    hit: int | None          # hit percent for cache_lookup
    depth: int | None        # call depth for copy_cost
    build: str               # default | runtime_async
    name: str                # vtbench-style name, e.g. cache_lookup/impl:task/payload:int/db:async/hit:90
    ns_per_op: float         # median
    ns_mean: float
    ns_min: float
    ns_max: float
    iterations: int          # measured iterations (Statistics.N)
    bytes_per_op: float      # MemoryDiagnoser, bytes allocated per operation
    gen0_per_1k_ops: float   # gen-0 collections per 1000 operations
    operations: int          # operations the memory figures were measured over
    ns_values: tuple[float, ...] = ()  # every measured iteration (Statistics.OriginalValues), for a U test


@dataclass
class DotnetRun:
    """Everything in one OUT_DIR; optional files are None when absent."""

    directory: Path
    rows: list[Row]
    meta: dict[str, Any]
    misuse: dict[str, Any] | None
    footprint: dict[str, Any] | None
    runtime_async_meta: dict[str, Any] | None


def load_json(path: Path) -> Any:
    """Parse a JSON file, or raise DotnetResultsError naming it."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise DotnetResultsError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DotnetResultsError(f"{path}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise DotnetResultsError(f"{path}: not valid JSON: {error.msg} at line {error.lineno}") from None


def _number(container: dict[str, Any], key: str, path: Path, where: str) -> float:
    value = container.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DotnetResultsError(f"{path}: {where}: '{key}' is missing or not a number")
    return float(value)


def _mapping(container: dict[str, Any], key: str, path: Path, where: str) -> dict[str, Any]:
    value = container.get(key)
    if not isinstance(value, dict):
        raise DotnetResultsError(f"{path}: {where}: '{key}' is missing or not an object"
                                 + (" (did the benchmark fail?)" if value is None else ""))
    return value


def _text(container: dict[str, Any], key: str, path: Path, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str):
        raise DotnetResultsError(f"{path}: {where}: '{key}' is missing or not a string")
    return value


def parse_parameters(text: str) -> dict[str, str]:
    """BenchmarkDotNet's "HitPercent=90&Depth=1" -> {"HitPercent": "90", "Depth": "1"}."""
    parameters: dict[str, str] = {}
    for part in filter(None, text.split("&")):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"parameter '{part}' has no '='")
        parameters[key] = value
    return parameters


def _int_parameter(parameters: dict[str, str], key: str, path: Path, where: str) -> int:
    if key not in parameters:
        raise DotnetResultsError(f"{path}: {where}: parameter {key} is missing")
    try:
        return int(parameters[key])
    except ValueError:
        raise DotnetResultsError(f"{path}: {where}: parameter {key}={parameters[key]} is not an integer") from None


def vtbench_name(scenario: str, impl: str, payload: str | None, hit: int | None, depth: int | None) -> str:
    """The C++ side's benchmark name for the same case (docs/results-format.md)."""
    if scenario == "cache_lookup":
        return f"cache_lookup/impl:{impl}/payload:{payload}/db:async/hit:{hit}"
    if scenario == "driver":
        return f"driver/impl:{impl}/payload:{payload}"
    if scenario == "factory":
        return f"factory/kind:{impl}"
    return f"copy_cost/type:{impl}/depth:{depth}"


def row_from_benchmark(entry: Any, path: Path, build: str = "default") -> Row:
    """One entry of a full JSON export's "Benchmarks" list -> Row."""
    if not isinstance(entry, dict):
        raise DotnetResultsError(f"{path}: a Benchmarks entry is not an object")
    type_name = _text(entry, "Type", path, "benchmark")
    where = f"benchmark {entry.get('FullName', type_name)}"
    if type_name not in BENCHMARK_TYPES:
        raise DotnetResultsError(f"{path}: {where}: unknown benchmark type {type_name}")
    scenario, payload = BENCHMARK_TYPES[type_name]
    impl = _text(entry, "MethodTitle", path, where)
    try:
        parameters = parse_parameters(_text(entry, "Parameters", path, where))
    except ValueError as error:
        raise DotnetResultsError(f"{path}: {where}: {error}") from None
    hit = _int_parameter(parameters, "HitPercent", path, where) if scenario == "cache_lookup" else None
    if hit is not None and not 0 <= hit <= 100:
        raise DotnetResultsError(f"{path}: {where}: HitPercent={hit} is outside 0..100")
    depth = _int_parameter(parameters, "Depth", path, where) if scenario == "copy_cost" else None
    statistics = _mapping(entry, "Statistics", path, where)
    memory = _mapping(entry, "Memory", path, where)
    operations = int(_number(memory, "TotalOperations", path, where + " Memory"))
    gen0 = _number(memory, "Gen0Collections", path, where + " Memory")
    return Row(
        scenario=scenario,
        impl=impl,
        payload=payload,
        hit=hit,
        depth=depth,
        build=build,
        name=vtbench_name(scenario, impl, payload, hit, depth),
        ns_per_op=_number(statistics, "Median", path, where + " Statistics"),
        ns_mean=_number(statistics, "Mean", path, where + " Statistics"),
        ns_min=_number(statistics, "Min", path, where + " Statistics"),
        ns_max=_number(statistics, "Max", path, where + " Statistics"),
        iterations=int(_number(statistics, "N", path, where + " Statistics")),
        bytes_per_op=_number(memory, "BytesAllocatedPerOperation", path, where + " Memory"),
        gen0_per_1k_ops=gen0 * 1000.0 / operations if operations > 0 else 0.0,
        operations=operations,
        ns_values=_values(statistics, path, where + " Statistics"),
    )


def _values(statistics: dict[str, Any], path: Path, where: str) -> tuple[float, ...]:
    """Statistics.OriginalValues when the export has them (a trimmed fixture may not)."""
    values = statistics.get("OriginalValues", [])
    if not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               for v in values):
        raise DotnetResultsError(f"{path}: {where}: 'OriginalValues' is not a list of numbers")
    return tuple(float(value) for value in values)


def load_bdn_report(path: Path, build: str = "default") -> list[Row]:
    """A BenchmarkDotNet full JSON export (*-report-full.json) -> its rows, in file order."""
    if build not in BUILDS:
        raise ValueError(f"build must be one of {', '.join(BUILDS)}")
    data = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("Benchmarks"), list):
        raise DotnetResultsError(f"{path}: not a BenchmarkDotNet full JSON export (no 'Benchmarks' list)")
    return [row_from_benchmark(entry, path, build) for entry in data["Benchmarks"]]


def load_bdn_dir(directory: Path, build: str = "default") -> list[Row]:
    """Every *-report-full.json under directory/results (or directory itself), sorted by file name."""
    results = directory / "results" if (directory / "results").is_dir() else directory
    files = sorted(results.glob("*-report-full.json"))
    if not files:
        raise DotnetResultsError(f"{results}: no BenchmarkDotNet *-report-full.json file")
    rows: list[Row] = []
    for file in files:
        rows.extend(load_bdn_report(file, build))
    return rows


def _optional(path: Path, required_keys: Sequence[str]) -> dict[str, Any] | None:
    if not path.exists():
        return None
    data = load_json(path)
    if not isinstance(data, dict):
        raise DotnetResultsError(f"{path}: not a JSON object")
    for key in required_keys:
        if key not in data:
            raise DotnetResultsError(f"{path}: '{key}' is missing")
    return data


def load_dotnet_run(directory: Path) -> DotnetRun:
    """scenarios/dotnet/run.sh's OUT_DIR: meta.json and bdn/ are required, the rest optional."""
    if not directory.is_dir():
        raise DotnetResultsError(f"{directory}: not a directory")
    meta = _optional(directory / "meta.json", ("runtime", "benchmarkdotnet_version", "job"))
    if meta is None:
        raise DotnetResultsError(f"{directory / 'meta.json'}: no such file")
    rows = load_bdn_dir(directory / "bdn", "default")
    runtime_async_meta = _optional(directory / "runtime-async" / "meta.json", ("runtime",))
    if (directory / "runtime-async" / "bdn").is_dir():
        rows.extend(load_bdn_dir(directory / "runtime-async" / "bdn", "runtime_async"))
    return DotnetRun(
        directory=directory,
        rows=rows,
        meta=meta,
        misuse=_optional(directory / "misuse.json", ("rules",)),
        footprint=_optional(directory / "footprint.json", ("rows", "sizeof")),
        runtime_async_meta=runtime_async_meta,
    )


def find_row(rows: Sequence[Row], scenario: str, impl: str, payload: str | None = None, hit: int | None = None,
             depth: int | None = None, build: str = "default") -> Row | None:
    """The row of one case, or None."""
    for row in rows:
        if (row.scenario, row.impl, row.payload, row.hit, row.depth, row.build) == (
                scenario, impl, payload, hit, depth, build):
            return row
    return None


def cache_sweep(rows: Sequence[Row], payload: str = "int", build: str = "default") -> dict[str, list[Row]]:
    """cache_lookup rows by implementation (registry order), each sorted by hit percent."""
    sweep: dict[str, list[Row]] = {}
    for row in rows:
        if row.scenario == "cache_lookup" and row.payload == payload and row.build == build:
            sweep.setdefault(row.impl, []).append(row)
    order = {name: index for index, name in enumerate(IMPLEMENTATIONS)}
    return {impl: sorted(sweep[impl], key=lambda r: r.hit or 0)
            for impl in sorted(sweep, key=lambda name: (order.get(name, len(order)), name))}


def relative_to_task(rows: Sequence[Row], payload: str = "int", build: str = "default") -> dict[tuple[str, int], float]:
    """cache_lookup time of each (impl, hit) divided by `task`'s at the same hit (for the overlay chart)."""
    sweep = cache_sweep(rows, payload, build)
    baseline = {row.hit: row.ns_per_op for row in sweep.get("task", [])}
    return {(row.impl, row.hit): row.ns_per_op / baseline[row.hit]
            for impl_rows in sweep.values() for row in impl_rows
            if row.hit is not None and baseline.get(row.hit)}


def driver_cost(rows: Sequence[Row], payload: str = "int", build: str = "default") -> dict[str, float]:
    """The driver's own ns/op: "empty" (hit path: loop and key) and "loop_round_trip" (a miss's machinery)."""
    return {row.impl: row.ns_per_op for row in rows
            if row.scenario == "driver" and row.payload == payload and row.build == build}


def format_table(rows: Sequence[Row]) -> str:
    """A plain text table of the rows."""
    lines = [f"{'build':13} {'name':58} {'ns/op':>10} {'min':>10} {'max':>10} {'B/op':>7}"]
    for row in rows:
        lines.append(f"{row.build:13} {row.name:58} {row.ns_per_op:10.2f} {row.ns_min:10.2f} {row.ns_max:10.2f} "
                     f"{row.bytes_per_op:7.0f}")
    return "\n".join(lines)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Print the normalized rows of a .NET results directory "
                                                 "(scenarios/dotnet/run.sh OUT_DIR).")
    parser.add_argument("directory", type=Path, help="the .NET results directory (results/<run-id>/dotnet)")
    parser.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        run = load_dotnet_run(arguments.directory)
    except DotnetResultsError as error:
        print(f"dotnet_results.py: {error}", file=sys.stderr)
        return 1
    if arguments.json:
        print(json.dumps([asdict(row) for row in run.rows], indent=2))
    else:
        print(format_table(run.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
