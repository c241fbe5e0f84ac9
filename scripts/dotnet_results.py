"""Load the .NET side's results (scenarios/dotnet/run.sh OUT_DIR) into normalized rows.

OUT_DIR (results/<run-id>/dotnet/) holds:
  meta.json                       SDK, runtime, BenchmarkDotNet version, job settings, wall times
  misuse.json                     the misuse table, in the C++ misuse.json schema
  footprint.json                  bytes per suspended operation, Unsafe.SizeOf of the handles
  bdn/results/*-report-full.json  BenchmarkDotNet's full JSON export, one file per class
  bdn/machine_state.json          the machine-state calibration around every measured iteration
                                  (IterationStates.cs), by benchmark full name
  runtime-async/                  the same for the runtime-async preview build (cache scenario,
                                  int driver and suspension), when it was measured: meta.json, bdn/

Every BenchmarkDotNet benchmark becomes one Row (build "default" or "runtime_async"):
scenario cache_lookup (impl, payload, hit), driver (impl "empty" / "loop_round_trip",
payload), suspension (impl = frame kind, depth = frames suspended per operation, payload int),
factory (impl = kind) or copy_cost (impl = type, depth). Times are per operation,
in nanoseconds, over the iterations run in the machine's fast state: those whose calibration
is within benchmark_file.FAST_STATE_LIMIT of the fastest of their build's (the C++ loader's
rule), each iteration's time BenchmarkDotNet's Workload Result measurement (upper outliers dropped, overhead
subtracted). A benchmark with no fast-state iteration, or no calibration, keeps
BenchmarkDotNet's own statistics and is not timed_in_fast_state. bytes_per_op is the
MemoryDiagnoser figure (BytesAllocatedPerOperation, whole bytes).

As a script it prints the rows of OUT_DIR (a table, or --json). Bad input: one line
naming the file and the problem, exit 1; bad arguments: exit 2.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

from benchmark_file import FAST_STATE_LIMIT
from json_input import ResultsError, figure_problem, json_files, load_json, require, require_object, stored_json_path
from script_io import ScriptArgumentParser, run_main
from stats import Spread, spread_of
from tables import text_table
from vocabulary import order_key

PROG = "dotnet_results.py"
# BenchmarkDotNet class -> (scenario, payload)
BENCHMARK_TYPES: dict[str, tuple[str, str | None]] = {
    "CacheLookupInt": ("cache_lookup", "int"),
    "CacheLookupString": ("cache_lookup", "string"),
    "DriverInt": ("driver", "int"),
    "DriverString": ("driver", "string"),
    "Suspension": ("suspension", "int"),
    "Factory": ("factory", None),
    "CopyCost": ("copy_cost", None),
}
# the scenarios whose benchmarks carry a Depth parameter
DEPTH_SCENARIOS = ("copy_cost", "suspension")
BUILDS = ("default", "runtime_async")
# OUT_DIR's layout (the docstring above)
BDN_DIRECTORY = "bdn"
BDN_RESULTS_DIRECTORY = "results"
RUNTIME_ASYNC_DIRECTORY = "runtime-async"
FULL_EXPORT_PATTERN = "*-report-full"   # + .json (or .json.gz): BenchmarkDotNet's full JSON export, per class
RESULT_TOLERANCE = 1e-9                 # relative: a Result is its actual iteration less the overhead, to rounding
MACHINE_STATE_STEM = "machine_state"   # + .json (or .json.gz), beside results/


@dataclass(frozen=True)
class Row:
    """One BenchmarkDotNet benchmark case, normalized."""

    scenario: str            # cache_lookup | driver | suspension | factory | copy_cost
    impl: str                # implementation (cache_lookup, driver), frame kind (suspension), kind (factory),
    #                          type (copy_cost)
    payload: str | None      # int | string for cache_lookup and driver
    hit: int | None          # hit percent for cache_lookup
    depth: int | None        # call depth for copy_cost, suspended frames for suspension
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
    ns_values: tuple[float, ...] = ()  # the iterations the times are taken over, per operation, for a U test
    # Every actual workload iteration, BenchmarkDotNet's outliers included (Measurements), per operation.
    ns_all_iterations: tuple[float, ...] = ()
    calibrations_ns: tuple[float, ...] = ()  # one per actual workload iteration, in order (machine_state.json)
    fast_state_iterations: int = 0           # of them, how many ran in the fast state
    timed_in_fast_state: bool = False        # the times are over fast-state iterations only

    @property
    def slow_state_iterations(self) -> int:
        return len(self.calibrations_ns) - self.fast_state_iterations


@dataclass
class DotnetRun:
    """Everything in one OUT_DIR; optional files are None when absent."""

    directory: Path
    rows: list[Row]
    meta: dict[str, Any]
    misuse: dict[str, Any] | None
    footprint: dict[str, Any] | None
    runtime_async_meta: dict[str, Any] | None


def _figure(container: dict[str, Any], key: str, path: Path, where: str) -> float:
    """A figure BenchmarkDotNet measured: a finite number >= 0."""
    return float(require(container, key, "figure", path, where))


def _mapping(container: dict[str, Any], key: str, path: Path, where: str) -> dict[str, Any]:
    value = container.get(key)
    if not isinstance(value, dict):
        raise ResultsError(f"{path}: {where}: '{key}' is missing or not an object"
                           + (" (did the benchmark fail?)" if value is None else ""))
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
        raise ResultsError(f"{path}: {where}: parameter {key} is missing")
    try:
        return int(parameters[key])
    except ValueError:
        raise ResultsError(f"{path}: {where}: parameter {key}={parameters[key]} is not an integer") from None


def vtbench_name(scenario: str, impl: str, payload: str | None, hit: int | None, depth: int | None) -> str:
    """The C++ side's benchmark name for the same case (docs/results-format.md)."""
    if scenario == "cache_lookup":
        return f"cache_lookup/impl:{impl}/payload:{payload}/db:async/hit:{hit}"
    if scenario == "driver":
        return f"driver/impl:{impl}/payload:{payload}"
    if scenario == "suspension":
        return f"suspension/impl:{impl}/payload:{payload}/depth:{depth}"
    if scenario == "factory":
        return f"factory/kind:{impl}"
    return f"copy_cost/type:{impl}/depth:{depth}"


def row_from_benchmark(entry: Any, path: Path, build: str = "default",
                       calibrations: Sequence[float] | None = None, fastest: float | None = None) -> Row:
    """One entry of a full JSON export's "Benchmarks" list -> Row; its times over the fast-state iterations
    when `calibrations` (one per actual workload iteration) and the build's `fastest` calibration are given."""
    if not isinstance(entry, dict):
        raise ResultsError(f"{path}: a Benchmarks entry is not an object")
    type_name = require(entry, "Type", "string", path, "benchmark")
    where = f"benchmark {entry.get('FullName', type_name)}"
    if type_name not in BENCHMARK_TYPES:
        raise ResultsError(f"{path}: {where}: unknown benchmark type {type_name}")
    scenario, payload = BENCHMARK_TYPES[type_name]
    impl = require(entry, "MethodTitle", "string", path, where)
    try:
        parameters = parse_parameters(require(entry, "Parameters", "string", path, where))
    except ValueError as error:
        raise ResultsError(f"{path}: {where}: {error}") from None
    hit = _int_parameter(parameters, "HitPercent", path, where) if scenario == "cache_lookup" else None
    if hit is not None and not 0 <= hit <= 100:
        raise ResultsError(f"{path}: {where}: HitPercent={hit} is outside 0..100")
    depth = _int_parameter(parameters, "Depth", path, where) if scenario in DEPTH_SCENARIOS else None
    statistics = _mapping(entry, "Statistics", path, where)
    memory = _mapping(entry, "Memory", path, where)
    operations = int(_figure(memory, "TotalOperations", path, where + " Memory"))
    gen0 = _figure(memory, "Gen0Collections", path, where + " Memory")
    actual = _workload_iterations(entry, "Actual", path, where)
    calibrated = tuple(calibrations or ())
    if calibrations is not None and len(calibrated) != len(actual):
        raise ResultsError(f"{path}: {where}: {len(calibrated)} machine-state calibrations for "
                           f"{len(actual)} actual workload iterations")
    fast = [position for position, calibration in enumerate(calibrated)
            if fastest is not None and calibration <= FAST_STATE_LIMIT * fastest]
    results = _workload_iterations(entry, "Result", path, where)
    sources = _result_sources(actual, results, path, where) if fast else []
    fast_results = [result for result, source in zip(results, sources) if source in fast]
    own_times = Spread(*(_figure(statistics, key, path, where + " Statistics") for key in ("Median", "Min", "Max")),
                       values=_values(statistics, path, where + " Statistics"))
    own_iterations = int(_figure(statistics, "N", path, where + " Statistics"))
    times = spread_of(fast_results) if fast_results else own_times
    return Row(
        scenario=scenario,
        impl=impl,
        payload=payload,
        hit=hit,
        depth=depth,
        build=build,
        name=vtbench_name(scenario, impl, payload, hit, depth),
        ns_per_op=times.median,
        ns_mean=_figure(statistics, "Mean", path, where + " Statistics"),
        ns_min=times.low,
        ns_max=times.high,
        iterations=len(fast_results) if fast_results else own_iterations,
        bytes_per_op=_figure(memory, "BytesAllocatedPerOperation", path, where + " Memory"),
        gen0_per_1k_ops=gen0 * 1000.0 / operations if operations > 0 else 0.0,
        operations=operations,
        ns_values=times.values,
        ns_all_iterations=tuple(actual),
        calibrations_ns=calibrated,
        fast_state_iterations=len(fast),
        timed_in_fast_state=bool(fast_results),
    )


def _workload_iterations(entry: dict[str, Any], stage: str, path: Path, where: str) -> list[float]:
    """Nanoseconds per operation of the workload iterations of one stage (Actual: as measured; Result: with
    BenchmarkDotNet's upper outliers dropped and its overhead subtracted) in Measurements, in measured order
    (none when the export has no Measurements, as a trimmed fixture may not)."""
    measurements = entry.get("Measurements", [])
    if not isinstance(measurements, list):
        raise ResultsError(f"{path}: {where}: 'Measurements' is not a list")
    values = []
    for index, measurement in enumerate(measurements):
        if not isinstance(measurement, dict):
            raise ResultsError(f"{path}: {where}: measurement {index} is not an object")
        if measurement.get("IterationMode") != "Workload" or measurement.get("IterationStage") != stage:
            continue
        nanoseconds = _figure(measurement, "Nanoseconds", path, f"{where} measurement {index}")
        operations = _figure(measurement, "Operations", path, f"{where} measurement {index}")
        if operations <= 0:
            raise ResultsError(f"{path}: {where}: measurement {index} has {operations:g} operations")
        values.append(nanoseconds / operations)
    return values


def _result_sources(actual: Sequence[float], results: Sequence[float], path: Path, where: str) -> list[int]:
    """For each Result measurement, the position of the actual iteration it was made from: BenchmarkDotNet keeps
    the actual iterations in order, drops the upper outliers, renumbers the rest and subtracts one overhead from
    each (clamped at 0), so the results are the actual times less one offset, as a subsequence."""
    nonzero = [result for result in results if result > 0]
    if not nonzero:  # every result clamped at 0: the outliers dropped were the largest
        kept = sorted(sorted(range(len(actual)), key=lambda position: actual[position])[:len(results)])
        if len(kept) == len(results):
            return kept
    for offset in (value - nonzero[0] for value in actual) if nonzero else ():
        sources, position = [], 0
        for result in results:
            while position < len(actual) and not _made_from(actual[position], offset, result):
                position += 1
            if position == len(actual):
                break
            sources.append(position)
            position += 1
        if len(sources) == len(results):
            return sources
    raise ResultsError(f"{path}: {where}: its Result measurements are not its actual iterations less one overhead")


def _made_from(actual: float, offset: float, result: float) -> bool:
    """Whether `result` is `actual` less the overhead `offset` (BenchmarkDotNet clamps a negative one at 0)."""
    tolerance = RESULT_TOLERANCE * max(actual, 1.0)
    return actual - offset <= tolerance if result == 0 else abs(actual - offset - result) <= tolerance


def _values(statistics: dict[str, Any], path: Path, where: str) -> tuple[float, ...]:
    """Statistics.OriginalValues when the export has them (a trimmed fixture may not), each a figure."""
    values = statistics.get("OriginalValues", [])
    if not isinstance(values, list):
        raise ResultsError(f"{path}: {where}: 'OriginalValues' is not a list")
    return tuple(_figure({"OriginalValues": value}, "OriginalValues", path, f"{where} iteration {index}")
                 for index, value in enumerate(values))


def load_bdn_report(path: Path, build: str = "default", states: dict[str, list[float]] | None = None,
                    fastest: float | None = None) -> list[Row]:
    """A BenchmarkDotNet full JSON export (*-report-full.json) -> its rows, in file order; `states` (full name
    -> calibrations, from machine_state.json) must then name every benchmark of the file."""
    if build not in BUILDS:
        raise ValueError(f"build must be one of {', '.join(BUILDS)}")
    data = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("Benchmarks"), list):
        raise ResultsError(f"{path}: not a BenchmarkDotNet full JSON export (no 'Benchmarks' list)")
    rows = []
    for entry in data["Benchmarks"]:
        calibrations = None
        if states is not None:
            name = entry.get("FullName") if isinstance(entry, dict) else None
            if name not in states:
                raise ResultsError(f"{path}: benchmark {name}: no machine-state calibrations in "
                                   f"{MACHINE_STATE_STEM}.json")
            calibrations = states[name]
        rows.append(row_from_benchmark(entry, path, build, calibrations, fastest))
    return rows


def load_machine_state(directory: Path) -> dict[str, list[float]] | None:
    """directory/machine_state.json (IterationStates.cs): benchmark full name -> its calibrations, each a
    positive figure; None when the file is absent (a run from before the probe)."""
    path = stored_json_path(directory, MACHINE_STATE_STEM)
    if not path.exists():
        return None
    benchmarks = require(require_object(load_json(path), path), "benchmarks", "object", path, "machine state")
    states: dict[str, list[float]] = {}
    for name, values in benchmarks.items():
        if not isinstance(values, list):
            raise ResultsError(f"{path}: {name}: the calibrations are not a list")
        for index, value in enumerate(values):
            problem = figure_problem(value) or ("is not positive" if value <= 0 else None)
            if problem is not None:
                raise ResultsError(f"{path}: {name}: calibration {index} {problem}")
        states[name] = [float(value) for value in values]
    return states


def load_bdn_dir(directory: Path, build: str = "default") -> list[Row]:
    """Every *-report-full.json (or .json.gz) under directory/results (or directory itself), sorted by file name,
    with the machine state of directory/machine_state.json when there is one: the fastest calibration of the
    directory (one process, one build) is the fast state's reference."""
    results = directory / BDN_RESULTS_DIRECTORY if (directory / BDN_RESULTS_DIRECTORY).is_dir() else directory
    files = json_files(results, FULL_EXPORT_PATTERN)
    if not files:
        raise ResultsError(f"{results}: no BenchmarkDotNet *-report-full.json file")
    states = load_machine_state(directory)
    fastest = min((value for values in (states or {}).values() for value in values), default=None)
    rows: list[Row] = []
    for file in files:
        rows.extend(load_bdn_report(file, build, states, fastest))
    return rows


def _optional(path: Path, required_keys: Sequence[str]) -> dict[str, Any] | None:
    if not path.exists():
        return None
    data = require_object(load_json(path), path)
    for key in required_keys:
        if key not in data:
            raise ResultsError(f"{path}: '{key}' is missing")
    return data


def load_dotnet_run(directory: Path) -> DotnetRun:
    """scenarios/dotnet/run.sh's OUT_DIR: meta.json and bdn/ are required, the rest optional."""
    if not directory.is_dir():
        raise ResultsError(f"{directory}: not a directory")
    meta = _optional(directory / "meta.json", ("runtime", "benchmarkdotnet_version", "job"))
    if meta is None:
        raise ResultsError(f"{directory / 'meta.json'}: no such file")
    rows = load_bdn_dir(directory / BDN_DIRECTORY, "default")
    runtime_async = directory / RUNTIME_ASYNC_DIRECTORY
    runtime_async_meta = _optional(runtime_async / "meta.json", ("runtime",))
    if (runtime_async / BDN_DIRECTORY).is_dir():
        rows.extend(load_bdn_dir(runtime_async / BDN_DIRECTORY, "runtime_async"))
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


def cache_sweep(rows: Sequence[Row], payload: str = "int", build: str = "default",
                order: Sequence[str] = ()) -> dict[str, list[Row]]:
    """cache_lookup rows by implementation (those in `order`, e.g. the vocabulary's, in its order, then any
    other by name), each sorted by hit percent."""
    sweep: dict[str, list[Row]] = {}
    for row in rows:
        if row.scenario == "cache_lookup" and row.payload == payload and row.build == build:
            sweep.setdefault(row.impl, []).append(row)
    return {impl: sorted(sweep[impl], key=lambda r: r.hit or 0) for impl in sorted(sweep, key=order_key(order))}


def relative_to(rows: Sequence[Row], reference: str, payload: str = "int",
                build: str = "default") -> dict[str, list[tuple[int, float]]]:
    """cache_lookup time of each implementation divided by `reference`'s at the same hit:
    implementation -> [(hit, ratio)] (for the overlay chart)."""
    sweep = cache_sweep(rows, payload, build)
    baseline = {row.hit: row.ns_per_op for row in sweep.get(reference, [])}
    return {impl: [(row.hit, row.ns_per_op / baseline[row.hit]) for row in impl_rows
                   if row.hit is not None and baseline.get(row.hit)]
            for impl, impl_rows in sweep.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = ScriptArgumentParser(prog=PROG, description="Print the normalized rows of a .NET results directory "
                                                         "(scenarios/dotnet/run.sh OUT_DIR).")
    parser.add_argument("directory", type=Path, help="the .NET results directory (results/<run-id>/dotnet)")
    parser.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    arguments = parser.parse_args(argv)

    def body() -> int:
        rows = load_dotnet_run(arguments.directory).rows
        if arguments.json:
            print(json.dumps([asdict(row) for row in rows], indent=2))
        else:
            print("\n".join(text_table(("build", "name", "ns/op", "min", "max", "B/op"),
                                       [(row.build, row.name, f"{row.ns_per_op:.2f}", f"{row.ns_min:.2f}",
                                         f"{row.ns_max:.2f}", f"{row.bytes_per_op:.0f}") for row in rows])))
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
