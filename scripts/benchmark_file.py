"""One Google Benchmark JSON file (docs/results-format.md, "Benchmark JSON"): benchmark
names parsed into scenario + key:value parameters, each benchmark's repetitions checked
and reduced to spreads (times over the machine's fast-state repetitions), and the sweeps
the report and charts read (cache_lookup by implementation and hit, multi_await by
producer, state and awaiters), ordered by the file's vocabulary.

Every repetition a script uses is checked where it is read: a failed benchmark, a
repetition listed twice, a time or counter that is not a finite number >= 0, or a
counter that some repetitions lack is bad input, named with the file and the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from json_input import ResultsError, figure_problem, load_json, require
from stats import Spread, spread_of
from vocabulary import Vocabulary, order_key, vocabulary_from_context

TIME_UNIT_TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Fields Google Benchmark 1.7.1 writes itself; every other field of a repetition is a user counter.
STANDARD_FIELDS = frozenset({
    "name", "family_index", "per_family_instance_index", "run_name", "run_type",
    "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
    "time_unit", "aggregate_name", "aggregate_unit", "error_occurred", "error_message",
    "label", "big_o", "rms", "complexity",
})
# The machine's speed state (harness/machine_state.hpp): a repetition whose calibration loop
# took more than FAST_STATE_LIMIT x the fastest of its compiler's timed files ran (at least
# partly) in the slow state and is set aside, unless no repetition of the benchmark is left.
# The calibrations are bimodal (reference run: 91-93 % within 1.15x, the slow state 1.25-2.1x);
# 1.4 let slow-state repetitions at 1.3-1.4x through.
CALIBRATION_COUNTER = "calibration_ns"
FAST_STATE_LIMIT = 1.25


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


def without_iterations(name: str) -> str:
    """'footprint/form:task/iterations:1' -> 'footprint/form:task': the counting pass fixes iterations."""
    return "/".join(part for part in name.split("/") if not part.startswith("iterations:"))


def benchmark_order(vocabulary: Vocabulary | None) -> Callable[[str], tuple[Any, ...]]:
    """Sort key of benchmark names: scenarios and parameter values in the vocabulary's order, numbers
    by value, anything else by name; without a vocabulary, by name (numbers still by value)."""
    scenario_key = order_key(vocabulary.scenarios if vocabulary else ())

    def value_key(key: str, value: str) -> tuple[int, int, str]:
        names = vocabulary.names_of(key) if vocabulary else None
        if names is not None and value in names:
            return 0, names.index(value), ""
        return (1, int(value), "") if value.isdigit() else (2, 0, value)

    def sort_key(name: str) -> tuple[Any, ...]:
        scenario, params = parse_benchmark_name(name)
        return scenario_key(scenario), tuple((key, value_key(key, value)) for key, value in params.items())
    return sort_key


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
    real_time_ns: Spread | None
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
    vocabulary: Vocabulary | None = None  # from the context; None in a file not written by vtbench
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
    repetitions = _repetitions(data["benchmarks"], path)
    if not repetitions and not allow_empty:
        raise ResultsError(f"{path}: no benchmark repetitions (no entry with run_type 'iteration')")

    if fastest is None:
        fastest = fastest_calibration([e for entries in repetitions.values() for e in entries])
    benchmarks = {}
    for name, entries in repetitions.items():
        scenario, params = parse_benchmark_name(name)
        timed = fast_state_entries(entries, fastest)
        benchmarks[name] = Benchmark(
            name=name,
            scenario=scenario,
            params=params,
            repetitions=len(entries),
            real_time_ns=spread_of([e["real_time"] * TIME_UNIT_TO_NS[e["time_unit"]] for e in timed]),
            counters=_counter_spreads(name, entries, path),
            timed_repetitions=len(timed),
            timed_in_fast_state=timed is not entries,
        )
    return BenchmarkFile(path=path, context=context, benchmarks=benchmarks,
                         vocabulary=vocabulary_from_context(context, str(path)))


def _repetitions(entries: list[Any], path: Path) -> dict[str, list[dict[str, Any]]]:
    """Benchmark name -> its repetition entries, each checked; aggregates are left out."""
    repetitions: dict[str, list[dict[str, Any]]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ResultsError(f"{path}: benchmark entry {index} is not an object")
        name = require(entry, "name", "string", path, f"benchmark entry {index}")
        if require(entry, "run_type", "string", path, name) != "iteration":
            continue
        try:
            parse_benchmark_name(name)
        except ValueError as exc:
            raise ResultsError(f"{path}: {exc}") from None
        if entry.get("error_occurred"):
            raise ResultsError(f"{path}: {name}: failed: {entry.get('error_message') or '(no message)'}")
        repetition = require(entry, "repetition_index", "count", path, name)
        where = f"{name}: repetition {repetition}"
        if any(seen["repetition_index"] == repetition for seen in repetitions.get(name, [])):
            raise ResultsError(f"{path}: {where} is listed twice (the same benchmark registered twice?)")
        require(entry, "real_time", "figure", path, where)
        if require(entry, "time_unit", "string", path, where) not in TIME_UNIT_TO_NS:
            raise ResultsError(f"{path}: {where}: unknown time_unit {entry['time_unit']!r}")
        for key in entry.keys() - STANDARD_FIELDS:
            require(entry, key, "figure", path, where)
        repetitions.setdefault(name, []).append(entry)
    return repetitions


def _counter_spreads(name: str, entries: list[dict[str, Any]], path: Path) -> dict[str, Spread]:
    """Spreads of the user counters; every repetition must have every counter."""
    counters = set().union(*(entry.keys() - STANDARD_FIELDS for entry in entries))
    for entry in entries:
        lacking = sorted(counters - entry.keys())
        if lacking:
            raise ResultsError(f"{path}: {name}: repetition {entry['repetition_index']} has no "
                               f"{', '.join(lacking)}")
    return {counter: spread_of([float(e[counter]) for e in entries]) for counter in sorted(counters)}


def fastest_calibration(entries: list[Any]) -> float | None:
    """The smallest calibration_ns among Google Benchmark's repetition entries (not its aggregates, whose
    stddev and cv entries carry the counter too), or None when none has one."""
    return min((e[CALIBRATION_COUNTER] for e in entries if isinstance(e, dict) and e.get("run_type") == "iteration"
                and figure_problem(e.get(CALIBRATION_COUNTER)) is None), default=None)


def fast_state_entries(entries: list[dict[str, Any]], fastest: float | None) -> list[dict[str, Any]]:
    """The repetitions run in the machine's fast state: calibration within FAST_STATE_LIMIT of `fastest`;
    all of them when none is, or when the file has no calibration."""
    if fastest is None or fastest <= 0:
        return entries
    fast = [e for e in entries if CALIBRATION_COUNTER in e and e[CALIBRATION_COUNTER] <= FAST_STATE_LIMIT * fastest]
    return fast or entries


def cache_sweep(bench_file: BenchmarkFile, payload: str = "int", db: str = "async",
                scenario: str = "cache_lookup") -> dict[str, list[tuple[int, Benchmark]]]:
    """cache_lookup (or cache_lookup_mt) benchmarks of one payload and db mode:
    implementation (in the vocabulary's order) -> [(hit %, benchmark)] by hit."""
    sweeps: dict[str, list[tuple[int, Benchmark]]] = {}
    for bench in bench_file.select(scenario, payload=payload, db=db):
        if "impl" not in bench.params or "hit" not in bench.params:
            raise ResultsError(f"{bench_file.path}: {bench.name} lacks impl or hit")
        try:
            hit = int(bench.params["hit"])
        except ValueError:
            raise ResultsError(f"{bench_file.path}: {bench.name}: hit {bench.params['hit']!r} is not an integer") from None
        sweeps.setdefault(bench.params["impl"], []).append((hit, bench))
    order = bench_file.vocabulary.implementation_names() if bench_file.vocabulary else ()
    return {impl: sorted(sweeps[impl], key=lambda point: point[0]) for impl in sorted(sweeps, key=order_key(order))}


def multi_await_sweep(bench_file: BenchmarkFile) -> dict[tuple[str, str], list[tuple[int, Benchmark]]]:
    """multi_await benchmarks: (via, state) in the vocabulary's order -> [(awaiters, benchmark)] by awaiters."""
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
    vocabulary = bench_file.vocabulary
    via_key = order_key(vocabulary.multi_await_vias if vocabulary else ())
    state_key = order_key(vocabulary.multi_await_states if vocabulary else ())
    return {key: sorted(sweeps[key], key=lambda point: point[0])
            for key in sorted(sweeps, key=lambda key: (via_key(key[0]), state_key(key[1])))}
