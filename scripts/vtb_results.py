"""Load a vtbench run directory or a Google Benchmark JSON file (docs/results-format.md).

Shared by charts.py, report.py, heaptrack_check.py, callgrind_check.py and compare:
parsing benchmark names into scenario + key:value parameters, grouping repetitions into
median/min/max, the one exception type for bad input (ResultsError), atomic file writes,
what the two N/2N cross-checks (heaptrack, callgrind) share, and the command-line
plumbing every script uses (one-line errors, exit 1 for bad input, exit 2 for bad
arguments).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Sequence

from dotnet_results import DotnetResultsError, DotnetRun, load_dotnet_run

KNOWN_IMPLEMENTATIONS = (
    "sync",
    "task",
    "task_from_result",
    "value_task_coroutine",
    "value_task",
    "value_task_source",
    "pooled_value_task",
    "lazy_task",
    "std_future",
    "asio_awaitable",
)
KNOWN_COMPILERS = ("gcc", "clang")
KNOWN_VIAS = ("task", "as_task")            # multi_await producers
KNOWN_STATES = ("completed", "pending")     # multi_await completion states
# charts/<name>.png and .svg, in the order charts.py draws them
CHART_NAMES = ("allocs_per_op", "dotnet_overlay", "latency", "relative_latency", "allocator_comparison",
               "bytes_per_op_string", "multi_await")
KNOWN_ALLOCATORS = ("glibc", "mimalloc", "jemalloc", "tcmalloc")

TIME_UNIT_TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# Fields Google Benchmark 1.7.1 writes itself; every other numeric field is a user counter.
STANDARD_FIELDS = frozenset({
    "name", "family_index", "per_family_instance_index", "run_name", "run_type",
    "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
    "time_unit", "aggregate_name", "aggregate_unit", "error_occurred", "error_message",
    "label", "big_o", "rms", "complexity",
})

CONFIG_NAME = re.compile(r"^(?P<compiler>[a-z0-9_+.]+)-(?P<allocator>[a-z0-9_.]+)$")
# The two passes of a run (docs/results-format.md): times from the timing pass (vtbench,
# nothing counted), allocation counters from the counting pass (vtbench_counting).
TIMING_DIRECTORY = "bench"
COUNTING_DIRECTORY = "counts"
COUNTING_COUNTERS = ("allocs_per_op", "bytes_per_op", "peak_live_bytes")
# The machine's speed state (harness/machine_state.hpp): a repetition whose calibration loop
# took more than FAST_STATE_LIMIT x the fastest of its compiler's timed files ran (at least
# partly) in the slow state and is set aside, unless no repetition of the benchmark is left.
CALIBRATION_COUNTER = "calibration_ns"
FAST_STATE_LIMIT = 1.4

MISUSE_OUTCOMES = ("allowed", "detected", "undetected")


class ResultsError(Exception):
    """Bad input: the message names the file and what is wrong with it."""


@dataclass(frozen=True)
class Spread:
    """Median and min-max range of one quantity over the repetitions, and the values themselves."""

    median: float
    low: float
    high: float
    values: tuple[float, ...] = field(default=(), compare=False)  # the repetitions, for significance tests

    def overlaps(self, other: Spread) -> bool:
        return self.low <= other.high and other.low <= self.high


SIGNIFICANCE_ALPHA = 0.05   # "different" means a two-sided Mann-Whitney U test at p below this
RELIABLE_REPETITIONS = 9    # the repetitions a side Google Benchmark's compare.py wants for its U test


def u_test_p_value(before: Spread, after: Spread) -> float | None:
    """The two-sided Mann-Whitney U test's p-value over two spreads' repetitions (as Google Benchmark's
    tools/compare.py computes it); None when either side has fewer than 2 values."""
    if len(before.values) < 2 or len(after.values) < 2:
        return None
    from scipy.stats import mannwhitneyu  # here, not at the top: scipy takes a second to import
    return float(mannwhitneyu(before.values, after.values, alternative="two-sided").pvalue)


def differs(before: Spread, after: Spread, alpha: float = SIGNIFICANCE_ALPHA) -> bool:
    """Whether two timings differ: the U test's p-value is below alpha (never with fewer than 2 values)."""
    p_value = u_test_p_value(before, after)
    return p_value is not None and p_value < alpha


def slower(first: Spread, second: Spread, alpha: float = SIGNIFICANCE_ALPHA) -> bool:
    """first is slower than second: a higher median and a significant difference."""
    return first.median > second.median and differs(first, second, alpha)


def spread_of(values: Sequence[float]) -> Spread:
    if not values:
        raise ValueError("spread_of needs at least one value")
    return Spread(statistics.median(values), min(values), max(values), tuple(values))


@dataclass
class Benchmark:
    """One benchmark of one configuration, its repetitions reduced to spreads.

    In a run, real_time_ns comes from the timing pass and the allocation counters from the
    counting pass; real_time_ns is None for a benchmark that only the counting pass runs
    (footprint), whose times would be counted times."""

    name: str
    scenario: str
    params: dict[str, str]
    repetitions: int
    real_time_ns: Spread
    counters: dict[str, Spread]
    # How many repetitions real_time_ns is taken over: those run in the machine's fast state
    # (see CALIBRATION_COUNTER), or all of them when too few were.
    timed_repetitions: int = 0
    timed_in_fast_state: bool = False  # False: too few fast-state repetitions (or no calibration): all count

    def counter(self, name: str) -> Spread | None:
        return self.counters.get(name)


@dataclass
class BenchmarkFile:
    """The content of one Google Benchmark JSON file."""

    path: Path
    context: dict[str, Any]
    benchmarks: dict[str, Benchmark]
    errors: list[tuple[str, str]] = field(default_factory=list)
    # In a run: the counting pass's file and context, whose counters the benchmarks carry.
    counting_path: Path | None = None
    counting_context: dict[str, Any] = field(default_factory=dict)

    def select(self, scenario: str, **params: str | int) -> list[Benchmark]:
        wanted = {key: str(value) for key, value in params.items()}
        return [b for b in self.benchmarks.values()
                if b.scenario == scenario
                and all(b.params.get(key) == value for key, value in wanted.items())]

    def find(self, scenario: str, **params: str | int) -> Benchmark | None:
        matches = self.select(scenario, **params)
        if len(matches) > 1:
            names = ", ".join(sorted(b.name for b in matches))
            raise ResultsError(f"{self.path}: several benchmarks match {scenario} {params}: {names}")
        return matches[0] if matches else None


@dataclass
class Run:
    """A run directory: meta.json, bench/<config>.json and the optional cross-check files."""

    directory: Path
    meta: dict[str, Any]
    configs: dict[str, BenchmarkFile]
    heaptrack: dict[str, Any] | None = None
    callgrind: dict[str, Any] | None = None
    goroutine: dict[str, Any] | None = None
    misuse: dict[str, Any] | None = None
    dotnet: DotnetRun | None = None  # the .NET side (dotnet/), when it was measured
    # The unchecked pass (unchecked/<config>.json: vtbench_unchecked, ValueTask's misuse tracking
    # compiled out, timed like bench/) and its cachegrind figures (callgrind-unchecked.json).
    unchecked: dict[str, BenchmarkFile] = field(default_factory=dict)
    callgrind_unchecked: dict[str, Any] | None = None

    def config(self, compiler: str, allocator: str) -> BenchmarkFile | None:
        return self.configs.get(config_name(compiler, allocator))

    def find(self, compiler: str, allocator: str, scenario: str, **params: str | int) -> Benchmark | None:
        bench_file = self.config(compiler, allocator)
        return bench_file.find(scenario, **params) if bench_file else None

    def compilers(self) -> list[str]:
        present = {split_config_name(name)[0] for name in self.configs}
        return sorted(present, key=lambda compiler: _known_first(KNOWN_COMPILERS, compiler))

    def allocators(self) -> list[str]:
        present = {split_config_name(name)[1] for name in self.configs}
        return sorted(present, key=lambda allocator: _known_first(KNOWN_ALLOCATORS, allocator))


def cache_sweep(bench_file: BenchmarkFile, payload: str = "int", db: str = "async",
                scenario: str = "cache_lookup") -> dict[str, list[tuple[int, Benchmark]]]:
    """cache_lookup (or cache_lookup_mt) benchmarks of one payload and db mode:
    implementation -> [(hit %, benchmark)] by hit."""
    sweeps: dict[str, list[tuple[int, Benchmark]]] = {}
    for bench in bench_file.select(scenario, payload=payload, db=db):
        if "impl" not in bench.params or "hit" not in bench.params:
            raise ResultsError(f"{bench_file.path}: {bench.name} lacks impl or hit")
        try:
            hit = int(bench.params["hit"])
        except ValueError:
            raise ResultsError(f"{bench_file.path}: {bench.name}: hit {bench.params['hit']!r} is not an integer") from None
        sweeps.setdefault(bench.params["impl"], []).append((hit, bench))
    return {impl: sorted(points, key=lambda point: point[0])
            for impl, points in sorted(sweeps.items(), key=lambda item: implementation_sort_key(item[0]))}


def multi_await_sweep(bench_file: BenchmarkFile) -> dict[tuple[str, str], list[tuple[int, Benchmark]]]:
    """multi_await benchmarks: (via, state) -> [(awaiters, benchmark)] by awaiters, task before as_task."""
    sweeps: dict[tuple[str, str], list[tuple[int, Benchmark]]] = {}
    for bench in bench_file.select("multi_await"):
        if not {"via", "state", "awaiters"} <= bench.params.keys():
            raise ResultsError(f"{bench_file.path}: {bench.name} lacks via, state or awaiters")
        try:
            awaiters = int(bench.params["awaiters"])
        except ValueError:
            raise ResultsError(f"{bench_file.path}: {bench.name}: awaiters {bench.params['awaiters']!r} "
                               f"is not an integer") from None
        sweeps.setdefault((bench.params["via"], bench.params["state"]), []).append((awaiters, bench))
    return {key: sorted(points, key=lambda point: point[0])
            for key, points in sorted(sweeps.items(), key=lambda item: (_known_first(KNOWN_VIAS, item[0][0]),
                                                                        _known_first(KNOWN_STATES, item[0][1])))}


def cache_lookup_name(impl: str, hit: int, payload: str = "int", db: str = "async") -> str:
    """The cache_lookup benchmark name without Google Benchmark's /iterations:N suffix."""
    return f"cache_lookup/impl:{impl}/payload:{payload}/db:{db}/hit:{hit}"


def cache_lookup_arguments(impl: str, hit: int, iterations: int, json_out: Path) -> list[str]:
    """vtbench flags that run exactly that cache_lookup benchmark (int, async), `iterations` times, once."""
    return [f"--impl={impl}", f"--hit={hit}", "--payload=int", "--db=async", f"--iterations={iterations}",
            f"--benchmark_filter=^{cache_lookup_name(impl, hit)}(/|$)",
            f"--benchmark_out={json_out}", "--benchmark_out_format=json"]


def per_op_between_runs(count_n: int, count_2n: int, iterations: int) -> float:
    """A count per iteration from runs of N and 2N iterations: the constant start-up part cancels."""
    return (count_2n - count_n) / iterations


def environment_without_preload() -> dict[str, str]:
    """This process's environment minus LD_PRELOAD, so a measured binary runs on glibc's malloc."""
    return {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}


def config_name(compiler: str, allocator: str) -> str:
    return f"{compiler}-{allocator}"


def split_config_name(name: str) -> tuple[str, str]:
    """'gcc-glibc' -> ('gcc', 'glibc')."""
    match = CONFIG_NAME.match(name)
    if not match:
        raise ValueError(f"configuration name {name!r} is not <compiler>-<allocator>")
    return match["compiler"], match["allocator"]


def _known_first(known: Sequence[str], name: str) -> tuple[int, str]:
    """Sort key: the known names in their listed order, then the others by name."""
    return (known.index(name) if name in known else len(known)), name


def implementation_sort_key(implementation: str) -> tuple[int, str]:
    return _known_first(KNOWN_IMPLEMENTATIONS, implementation)


def parse_benchmark_name(name: str) -> tuple[str, dict[str, str]]:
    """'cache_lookup/impl:task/hit:90/real_time' -> ('cache_lookup', {'impl': 'task', 'hit': '90'})."""
    scenario, *parts = name.split("/")
    if not scenario:
        raise ValueError(f"benchmark name {name!r} has no scenario")
    params: dict[str, str] = {}
    for part in parts:
        if part == "real_time":
            continue
        key, colon, value = part.partition(":")
        if not colon or not key or not value:
            raise ValueError(f"benchmark name {name!r}: part {part!r} is not key:value")
        params[key] = value
    return scenario, params


def load_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read ({exc.strerror})") from None
    if not text.strip():
        raise ResultsError(f"{path}: empty file")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


KIND_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
}


def _require(container: dict[str, Any], key: str, kind: str, path: Path, where: str) -> Any:
    """container[key] when it is of the given kind ('string', 'number', 'boolean', 'object')."""
    value = container.get(key)
    if not KIND_CHECKS[kind](value):
        raise ResultsError(f"{path}: {where} has no {kind} field {key!r}")
    return value


def load_benchmark_file(path: Path, allow_empty: bool = False, fastest: float | None = None,
                        data: Any = None) -> BenchmarkFile:
    """Read one Google Benchmark JSON file (or its already parsed `data`); repetitions become spreads,
    aggregates are ignored. A file with no repetition is bad input unless allow_empty (a run's timing pass
    when only counted benchmarks ran). Times are taken over the fast-state repetitions
    (fast_state_entries), judged against `fastest`, or the file's own fastest calibration when not given."""
    if data is None:
        data = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ResultsError(f"{path}: not Google Benchmark JSON (no 'benchmarks' list)")
    context = data.get("context", {})
    if not isinstance(context, dict):
        raise ResultsError(f"{path}: 'context' is not an object")

    repetitions: dict[str, list[dict[str, Any]]] = {}
    errors: list[tuple[str, str]] = []
    for index, entry in enumerate(data["benchmarks"]):
        where = f"benchmark entry {index}"
        if not isinstance(entry, dict):
            raise ResultsError(f"{path}: {where} is not an object")
        name = _require(entry, "name", "string", path, where)
        run_type = _require(entry, "run_type", "string", path, f"{where} ({name})")
        if run_type != "iteration":
            continue
        if entry.get("error_occurred"):
            errors.append((name, str(entry.get("error_message", ""))))
            continue
        _require(entry, "real_time", "number", path, f"{where} ({name})")
        unit = _require(entry, "time_unit", "string", path, f"{where} ({name})")
        if unit not in TIME_UNIT_TO_NS:
            raise ResultsError(f"{path}: {where} ({name}) has unknown time_unit {unit!r}")
        repetitions.setdefault(name, []).append(entry)
    if not repetitions and not errors and not allow_empty:
        raise ResultsError(f"{path}: no benchmark repetitions (no entry with run_type 'iteration')")

    if fastest is None:
        fastest = fastest_calibration([e for entries in repetitions.values() for e in entries])
    benchmarks = {}
    for name, entries in repetitions.items():
        try:
            scenario, params = parse_benchmark_name(name)
        except ValueError as exc:
            raise ResultsError(f"{path}: {exc}") from None
        timed = fast_state_entries(entries, fastest)
        benchmarks[name] = Benchmark(
            name=name,
            scenario=scenario,
            params=params,
            repetitions=len(entries),
            real_time_ns=spread_of([e["real_time"] * TIME_UNIT_TO_NS[e["time_unit"]] for e in timed]),
            counters=_counter_spreads(entries),
            timed_repetitions=len(timed),
            timed_in_fast_state=timed is not entries,
        )
    return BenchmarkFile(path=path, context=context, benchmarks=benchmarks, errors=errors)


def fastest_calibration(entries: list[Any]) -> float | None:
    """The smallest calibration_ns among Google Benchmark's repetition entries (not its aggregates, whose
    stddev and cv entries carry the counter too), or None when none has one."""
    return min((e[CALIBRATION_COUNTER] for e in entries if isinstance(e, dict) and e.get("run_type") == "iteration"
                and _is_number(e.get(CALIBRATION_COUNTER))), default=None)


def fast_state_entries(entries: list[dict[str, Any]], fastest: float | None) -> list[dict[str, Any]]:
    """The repetitions run in the machine's fast state: calibration within FAST_STATE_LIMIT of `fastest`;
    all of them when none is, or when the file has no calibration."""
    if fastest is None or fastest <= 0:
        return entries
    fast = [e for e in entries if _is_number(e.get(CALIBRATION_COUNTER)) and e[CALIBRATION_COUNTER] <= FAST_STATE_LIMIT * fastest]
    return fast or entries


def _counter_spreads(entries: list[dict[str, Any]]) -> dict[str, Spread]:
    """Spreads of the user counters present in every repetition."""
    names = set.intersection(*({key for key, value in e.items()
                                if key not in STANDARD_FIELDS and _is_number(value)} for e in entries))
    return {name: spread_of([float(e[name]) for e in entries]) for name in sorted(names)}


def _load_optional(directory: Path, file_name: str, check: Callable[[Any, Path], None]) -> dict[str, Any] | None:
    path = directory / file_name
    if not path.exists():
        return None
    data = load_json(path)
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: top level is not a JSON object")
    check(data, path)
    return data


def _rows(data: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    rows = data.get("rows")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ResultsError(f"{path}: 'rows' is not a list of objects")
    return rows


def _check_heaptrack(data: dict[str, Any], path: Path) -> None:
    _require(data, "tolerance", "number", path, "the top level")
    for index, row in enumerate(_rows(data, path)):
        where = f"row {index}"
        _require(row, "benchmark", "string", path, where)
        _require(row, "heaptrack_allocs_per_op", "number", path, where)
        _require(row, "counted_allocs_per_op", "number", path, where)
        _require(row, "agree", "boolean", path, where)


def _check_callgrind(data: dict[str, Any], path: Path) -> None:
    for index, row in enumerate(_rows(data, path)):
        where = f"row {index}"
        try:
            parse_benchmark_name(_require(row, "benchmark", "string", path, where))
        except ValueError as exc:
            raise ResultsError(f"{path}: {where}: {exc}") from None
        _require(row, "config", "string", path, where)
        _require(row, "instructions_per_op", "number", path, where)


GOROUTINE_SPLIT = ("stack_bytes_per_goroutine", "heap_bytes_per_goroutine")  # optional, both or neither


def _check_goroutine(data: dict[str, Any], path: Path) -> None:
    if not _require(data, "available", "boolean", path, "the top level"):
        _require(data, "reason", "string", path, "the top level")
        return
    _require(data, "bytes_per_goroutine", "number", path, "the top level")
    if any(key in data for key in GOROUTINE_SPLIT):
        for key in GOROUTINE_SPLIT:
            _require(data, key, "number", path, "the top level")


def _check_misuse(data: dict[str, Any], path: Path) -> None:
    rules = data.get("rules")
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        raise ResultsError(f"{path}: 'rules' is not a list of objects")
    implementations = data.get("implementations", {})
    if not isinstance(implementations, dict) or not all(isinstance(kind, str) for kind in implementations.values()):
        raise ResultsError(f"{path}: 'implementations' is not an object of implementation -> type description")
    for index, rule in enumerate(rules):
        name = _require(rule, "rule", "string", path, f"rule {index}")
        for optional in ("claim", "description"):
            if optional in rule:
                _require(rule, optional, "string", path, f"rule {name}")
        results = _require(rule, "results", "object", path, f"rule {name}")
        for implementation, result in results.items():
            where = f"rule {name}, implementation {implementation}"
            if not isinstance(result, dict):
                raise ResultsError(f"{path}: {where} is not an object")
            if _require(result, "outcome", "string", path, where) not in MISUSE_OUTCOMES:
                raise ResultsError(f"{path}: {where} has outcome {result['outcome']!r}, "
                                   f"expected one of {', '.join(MISUSE_OUTCOMES)}")
            _require(result, "message", "string", path, where)
            if "exception" in result:
                _require(result, "exception", "string", path, where)


def without_iterations(name: str) -> str:
    """'footprint/impl:task/iterations:1' -> 'footprint/impl:task': the counting pass fixes iterations."""
    return "/".join(part for part in name.split("/") if not part.startswith("iterations:"))


def _require_counting(bench_file: BenchmarkFile, expected: str) -> None:
    recorded = bench_file.context.get("vtb_counting")
    if recorded != expected:
        binary = "vtbench_counting" if expected == "on" else "vtbench"
        raise ResultsError(f"{bench_file.path}: its context says vtb_counting={recorded!r}, but this pass must come "
                           f"from {binary} (vtb_counting={expected!r})")


def merge_passes(timing: BenchmarkFile, counting: BenchmarkFile) -> BenchmarkFile:
    """One configuration: each benchmark's times from the timing pass, its allocation counters from the
    counting pass. Every timed benchmark must have been counted; a benchmark only the counting pass has
    (footprint) keeps its counters and no time."""
    _require_counting(timing, "off")
    _require_counting(counting, "on")
    counted = {}
    for bench in counting.benchmarks.values():
        name = without_iterations(bench.name)
        params = {key: value for key, value in bench.params.items() if key != "iterations"}
        counted[name] = Benchmark(name, bench.scenario, params, bench.repetitions, None,  # type: ignore[arg-type]
                                  bench.counters)
    counted_errors = {without_iterations(name) for name, _ in counting.errors}
    merged = {}
    for name, bench in timing.benchmarks.items():
        if name in counted:
            merged[name] = Benchmark(name, bench.scenario, bench.params, bench.repetitions, bench.real_time_ns,
                                     {**bench.counters, **counted[name].counters}, bench.timed_repetitions,
                                     bench.timed_in_fast_state)
        elif name not in counted_errors:
            raise ResultsError(f"{counting.path}: has no counted run of {name}, which {timing.path.name} timed")
    for name, bench in counted.items():
        merged.setdefault(name, bench)
    return BenchmarkFile(path=timing.path, context=timing.context, benchmarks=merged,
                         errors=timing.errors + counting.errors, counting_path=counting.path,
                         counting_context=counting.context)


def load_run(directory: Path) -> Run:
    """Load a run directory; every configuration listed in meta.json must have both passes' files."""
    if not directory.is_dir():
        raise ResultsError(f"{directory}: no such run directory")
    meta_path = directory / "meta.json"
    meta = load_json(meta_path)
    if not isinstance(meta, dict):
        raise ResultsError(f"{meta_path}: top level is not a JSON object")
    listed = meta.get("configurations")
    if not isinstance(listed, list) or not listed or not all(isinstance(name, str) for name in listed):
        raise ResultsError(f"{meta_path}: 'configurations' is not a list of configuration names")
    if len(set(listed)) != len(listed):
        raise ResultsError(f"{meta_path}: 'configurations' lists a configuration twice")

    ordered = []
    for name in listed:
        try:
            compiler, allocator = split_config_name(name)
        except ValueError as exc:
            raise ResultsError(f"{meta_path}: {exc}") from None
        for pass_directory in (TIMING_DIRECTORY, COUNTING_DIRECTORY):
            path = directory / pass_directory / f"{name}.json"
            if not path.is_file():
                raise ResultsError(f"{path}: missing (configuration {name} is listed in meta.json)")
        ordered.append(((_known_first(KNOWN_COMPILERS, compiler), _known_first(KNOWN_ALLOCATORS, allocator)), name))
    # The timed files (timing and unchecked passes), parsed once: one fast-state reference per compiler,
    # since each compiler's binaries are judged against their own calibrations.
    timed = {path: load_json(path) for path in [directory / TIMING_DIRECTORY / f"{name}.json" for _, name in ordered]
             + sorted((directory / "unchecked").glob("*.json"))}
    fastest = fastest_per_compiler(timed)
    configs = {name: merge_passes(load_benchmark_file(path := directory / TIMING_DIRECTORY / f"{name}.json",
                                                      allow_empty=True, fastest=fastest.get(compiler_of(path)),
                                                      data=timed[path]),
                                  load_benchmark_file(directory / COUNTING_DIRECTORY / f"{name}.json"))
               for _, name in sorted(ordered)}

    return Run(
        directory=directory,
        meta=meta,
        configs=configs,
        heaptrack=_load_optional(directory, "heaptrack.json", _check_heaptrack),
        callgrind=_load_optional(directory, "callgrind.json", _check_callgrind),
        goroutine=_load_optional(directory, "goroutine.json", _check_goroutine),
        misuse=_load_optional(directory, "misuse.json", _check_misuse),
        dotnet=_load_dotnet(directory / "dotnet"),
        unchecked={path.stem: _unchecked_file(path, fastest.get(compiler_of(path)), data)
                   for path, data in timed.items() if path.parent.name == "unchecked"},
        callgrind_unchecked=_load_optional(directory, "callgrind-unchecked.json", _check_callgrind),
    )


def compiler_of(path: Path) -> str:
    """'bench/gcc-mimalloc.json' -> 'gcc'."""
    return path.stem.split("-")[0]


def fastest_per_compiler(timed: dict[Path, Any]) -> dict[str, float]:
    """compiler -> the fastest calibration over its timed files: one fast-state reference for all of them,
    so that times from different files (allocators, passes) are judged against the same state."""
    fastest: dict[str, float] = {}
    for path, data in timed.items():
        entries = data.get("benchmarks") if isinstance(data, dict) else None
        value = fastest_calibration(entries if isinstance(entries, list) else [])
        if value is not None:
            fastest[compiler_of(path)] = min(value, fastest.get(compiler_of(path), value))
    return fastest


def _unchecked_file(path: Path, fastest: float | None, data: Any) -> BenchmarkFile:
    bench_file = load_benchmark_file(path, fastest=fastest, data=data)
    _require_counting(bench_file, "off")
    if bench_file.context.get("vtb_misuse_checks") != "off":
        raise ResultsError(f"{path}: its context does not say vtb_misuse_checks='off' (not from vtbench_unchecked?)")
    return bench_file


def _load_dotnet(directory: Path) -> DotnetRun | None:
    if not directory.exists():
        return None
    try:
        return load_dotnet_run(directory)
    except DotnetResultsError as exc:
        raise ResultsError(str(exc)) from None


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temporary file in the same directory, then rename: a file that exists is complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            write(handle)
        os.chmod(handle.name, 0o666 & ~_current_umask())
        os.replace(handle.name, path)
    except BaseException:
        os.unlink(handle.name)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def format_allocs(value: float) -> str:
    return f"{value:.2f}"


def format_ns(spread: Spread) -> str:
    """'412.3 ns (405.9-430.2)': the median with the min-max range of the repetitions."""
    return f"{spread.median:.1f} ns ({spread.low:.1f}-{spread.high:.1f})"


def format_p_value(p_value: float | None) -> str:
    """'0.0004', or 'n/a' where no test could be made."""
    return "n/a" if p_value is None else f"{p_value:.4f}"


def format_bytes(value: float) -> str:
    return f"{value:,.0f} B"


def format_columns(lines: Sequence[Sequence[str]]) -> str:
    """Plain-text table: the first line is the header, columns left-aligned two spaces apart."""
    widths = [max(len(line[column]) for line in lines) for column in range(len(lines[0]))]
    return "\n".join("  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in lines)


class ScriptArgumentParser(argparse.ArgumentParser):
    """argparse with the module docstring kept as written in --help, and a one-line usage error (exit 2)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(**kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        sys.exit(2)


def positive_int(text: str) -> int:
    """argparse type: an integer > 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a number >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


def run_main(prog: str, body: Callable[[], int]) -> int:
    """Run a script body; bad input becomes '<prog>: error: <message>' on one line and exit 1."""
    try:
        return body()
    except ResultsError as exc:
        sys.stderr.write(f"{prog}: error: {exc}\n")
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"{prog}: error: {where}{exc.strerror or exc}\n")
    return 1
