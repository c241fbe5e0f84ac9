"""A run's service scenario (docs/service-format.md): service/<config>/service.json (the
timing run of vtbench_service) and service-counting.json (its counting run, the same
runs), or service/not-measured.txt when the run had no PostgreSQL.

Every field the report and the charts read is checked where it is read, and a defect is
one line naming the file, the run and the repetition: a missing key, a figure that is
NaN, infinite or negative, latency percentiles out of order, queries the server counted
that differ from the misses the program counted, a counting flag that does not fit the
file, a run listed twice or a counting run that does not match a timed one.

Each run's times are taken over its repetitions run in the machine's fast state, as the
benchmarks' are (benchmark_file.fast_state_entries: calibration_ns within
FAST_STATE_LIMIT of the compiler's fastest over its timed files and this one), over all
of them where none did. Allocations per request come from the counting run only; its
times are never used.
"""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection

from benchmark_file import CALIBRATION_COUNTER, fast_state_entries
from json_input import ResultsError, figure_problem, load_json, require, require_object, stored_json_path
from stats import Spread, spread_of
from vocabulary import Vocabulary

SERVICE_DIRECTORY = "service"
NOT_MEASURED_FILE = "not-measured.txt"
SERVER_FACTS_FILE = "server.json"       # service/server.json: the server's facts and pgbench's (service_run.py)
DOTNET_SERVICE_DIRECTORY = "dotnet"     # service/dotnet/: the C# side's files (scenarios/dotnet/run.sh --service)
TIMING_STEM = "service"                 # service/<config>/service.json (or .json.gz)
COUNTING_STEM = "service-counting"      # service/<config>/service-counting.json
LOOPS = ("closed", "open")
LATENCY_PERCENTILES = ("p50", "p90", "p99", "p99.9", "max")   # latency_ns's keys, in rank order
PER_REQUEST = ("client_cpu_ns_per_request", "server_cpu_ns_per_request")


@dataclass(frozen=True)
class ServiceKey:
    """What one run of the service measured: an implementation at a hit ratio, under a load."""

    implementation: str
    hit_percent: float
    workers: int
    clients_per_worker: int
    loop: str                    # one of LOOPS
    target_rate: float | None    # requests per second over all clients, in an open loop

    def describe(self) -> str:
        rate = f" at {self.target_rate:g}/s" if self.target_rate is not None else ""
        return (f"{self.implementation}, hit {self.hit_percent:g} %, {self.workers} worker(s) x "
                f"{self.clients_per_worker} client(s), {self.loop} loop{rate}")


@dataclass(frozen=True)
class ServicePoint:
    """One run, its fast-state repetitions reduced to spreads (one value per repetition)."""

    key: ServiceKey
    repetitions: int                       # all of them
    timed_repetitions: int                 # those the figures are taken over
    timed_in_fast_state: bool              # False when none ran in the fast state (all are used)
    requests_per_second: Spread
    latency_ns: dict[str, Spread]          # LATENCY_PERCENTILES -> spread
    latency_distribution_ns: tuple[tuple[float, float], ...]   # (percentile, median over the repetitions)
    client_cpu_ns_per_request: Spread
    server_cpu_ns_per_request: Spread
    queries_per_request: Spread
    misses_per_request: Spread
    allocs_per_request: float | None       # from the counting run


@dataclass(frozen=True)
class ServiceConfig:
    """One configuration's service runs: its timing file, its counting file and the runs by key."""

    name: str                              # <compiler>-<allocator>
    path: Path
    counting_path: Path | None             # None: a side with no counting run (.NET: its GC figures instead)
    context: dict[str, Any]
    points: dict[ServiceKey, ServicePoint]   # in the timing file's order


@dataclass(frozen=True)
class ServiceResults:
    """A run's service/ directory: the configurations measured, or why none was."""

    directory: Path
    configs: dict[str, ServiceConfig]
    not_measured: str | None = None        # the reason, when service/ holds not-measured.txt


def read_not_measured(path: Path) -> str:
    """not-measured.txt's one line."""
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: cannot read ({exc})") from None
    if len(lines) != 1:
        raise ResultsError(f"{path}: holds {len(lines)} lines, not the one line saying why the service was not "
                           f"measured")
    return lines[0]


def load_service(directory: Path, vocabulary: Vocabulary, fastest: dict[str, float]) -> ServiceResults:
    """directory (a run's service/): not-measured.txt alone, or one directory per configuration with both
    files. `fastest` is each compiler's fastest calibration over its timed benchmark files."""
    not_measured = directory / NOT_MEASURED_FILE
    dotnet = directory / DOTNET_SERVICE_DIRECTORY
    config_directories = sorted(path for path in directory.iterdir() if path.is_dir() and path != dotnet)
    if not_measured.exists():
        if config_directories:
            raise ResultsError(f"{not_measured}: says the service was not measured, but "
                               f"{config_directories[0]} holds its results")
        return ServiceResults(directory, {}, read_not_measured(not_measured))
    if not config_directories:
        raise ResultsError(f"{directory}: neither {NOT_MEASURED_FILE} nor a configuration's directory")
    configs = {path.name: load_service_config(path, vocabulary, fastest) for path in config_directories}
    return ServiceResults(directory, configs)


def load_service_config(directory: Path, vocabulary: Vocabulary, fastest: dict[str, float]) -> ServiceConfig:
    """service/<config>/: the timing file's runs, each with the allocations of the counting file's same run."""
    path, counting_path = (stored_json_path(directory, stem) for stem in (TIMING_STEM, COUNTING_STEM))
    for required in (path, counting_path):
        if not required.is_file():
            raise ResultsError(f"{required}: missing (the service's timing and counting runs come in pairs)")
    timing, timing_context = read_service_file(path, directory.name, counting=False, vocabulary=vocabulary)
    counting, _ = read_service_file(counting_path, directory.name, counting=True, vocabulary=vocabulary)
    for key in counting:
        if key.loop != "closed":
            raise ResultsError(f"{counting_path}: counts {key.describe()}: the counting run is closed-loop only")
        if key not in timing:
            raise ResultsError(f"{counting_path}: counts {key.describe()}, which {path.name} did not time")
    for key in timing:
        if counted_as(key) not in counting:
            raise ResultsError(f"{counting_path}: has no run of {counted_as(key).describe()}, which {path.name} timed")
    own = min(float(repetition[CALIBRATION_COUNTER]) for run in timing.values() for repetition in run["repetitions"])
    compiler = timing_context["vtb_compiler"]
    reference = min(own, fastest.get(compiler, own))
    points = {key: reduce_run(key, run["repetitions"], reference, counting[counted_as(key)]["allocs_per_request"])
              for key, run in timing.items()}
    return ServiceConfig(directory.name, path, counting_path, timing_context, points)


def counted_as(key: ServiceKey) -> ServiceKey:
    """The counting run a timed run takes its allocations from: its closed-loop twin (the same implementation,
    hit ratio and load). A request allocates what its path does, whatever the arrival rate: in both loops at most
    clients_per_worker requests are in flight on a worker."""
    return dataclasses.replace(key, loop="closed", target_rate=None)


def read_service_file(path: Path, config: str, counting: bool,
                      vocabulary: Vocabulary) -> tuple[dict[ServiceKey, dict[str, Any]], dict[str, Any]]:
    """A service file's runs by key, every field checked, and its context."""
    data = require_object(load_json(path), path)
    context = require(data, "context", "object", path, "the top level")
    if require(context, "counting", "boolean", path, "context") != counting:
        binary = "vtbench_service_counting (counting true)" if counting else "vtbench_service (counting false)"
        raise ResultsError(f"{path}: its context says counting={str(context['counting']).lower()}, but this file "
                           f"must come from {binary}")
    ran = f"{require(context, 'vtb_compiler', 'string', path, 'context')}-" \
          f"{require(context, 'vtb_allocator', 'string', path, 'context')}"
    if ran != config:
        raise ResultsError(f"{path}: ran {ran}, not {config} as its directory says")
    return read_runs(data, "runs", path, counting, vocabulary.implementation_names()), context


def read_runs(data: dict[str, Any], field: str, path: Path, counting: bool,
              implementations: Collection[str]) -> dict[ServiceKey, dict[str, Any]]:
    """The list `field` of a service file's runs by key, every field checked; an implementation must be one of
    `implementations`."""
    runs = require(data, field, "list", path, "the top level")
    if not runs:
        raise ResultsError(f"{path}: no {field}")
    keyed: dict[ServiceKey, dict[str, Any]] = {}
    for index, run in enumerate(runs):
        if not isinstance(run, dict):
            raise ResultsError(f"{path}: run {index} is not an object")
        key = run_key(run, path, f"run {index}", implementations)
        where = f"run {index} ({key.describe()})"
        if key in keyed:
            raise ResultsError(f"{path}: {where} is listed twice")
        allocs = run.get("allocs_per_request")
        if counting:
            require(run, "allocs_per_request", "figure", path, where)
        elif allocs is not None:
            raise ResultsError(f"{path}: {where}: 'allocs_per_request' is {allocs!r} in a timing run (null expected: "
                               f"allocations come from the counting run)")
        repetitions = require(run, "repetitions", "list", path, where)
        if not repetitions:
            raise ResultsError(f"{path}: {where}: no repetitions")
        for number, repetition in enumerate(repetitions):
            check_repetition(repetition, path, f"{where}: repetition {number}")
        distributions = [[point[0] for point in repetition["latency_distribution_ns"]] for repetition in repetitions]
        for number, percentiles in enumerate(distributions):
            if percentiles != distributions[0]:
                raise ResultsError(f"{path}: {where}: repetition {number}: latency_distribution_ns's percentiles "
                                   f"differ from repetition 0's")
        keyed[key] = run
    return keyed


def run_key(run: dict[str, Any], path: Path, where: str, implementations: Collection[str]) -> ServiceKey:
    implementation = require(run, "implementation", "string", path, where)
    if implementation not in implementations:
        raise ResultsError(f"{path}: {where}: implementation {implementation!r} is not in the run's vocabulary")
    hit = require(run, "hit_percent", "figure", path, where)
    if hit > 100:
        raise ResultsError(f"{path}: {where}: 'hit_percent' is {hit:g}, above 100")
    workers, clients = (require(run, name, "count", path, where) for name in ("workers", "clients_per_worker"))
    if workers == 0 or clients == 0:
        raise ResultsError(f"{path}: {where}: workers and clients_per_worker must be at least 1")
    loop = require(run, "loop", "string", path, where)
    if loop not in LOOPS:
        raise ResultsError(f"{path}: {where}: loop {loop!r} is not one of {', '.join(LOOPS)}")
    rate = run.get("target_rate")
    if loop == "open":
        rate = require(run, "target_rate", "figure", path, where)
        if rate == 0:
            raise ResultsError(f"{path}: {where}: an open loop's 'target_rate' is 0")
    elif rate is not None:
        raise ResultsError(f"{path}: {where}: a closed loop has a 'target_rate' ({rate!r}; null expected)")
    return ServiceKey(implementation, float(hit), workers, clients, loop, None if rate is None else float(rate))


def check_repetition(repetition: Any, path: Path, where: str) -> None:
    if not isinstance(repetition, dict):
        raise ResultsError(f"{path}: {where} is not an object")
    if require(repetition, "requests", "count", path, where) == 0:
        raise ResultsError(f"{path}: {where}: no requests")
    for name in ("seconds", "requests_per_second", *PER_REQUEST, CALIBRATION_COUNTER):
        require(repetition, name, "figure", path, where)
    latency = require(repetition, "latency_ns", "object", path, where)
    values = [require(latency, name, "figure", path, f"{where}: latency_ns") for name in LATENCY_PERCENTILES]
    if values != sorted(values):
        raise ResultsError(f"{path}: {where}: latency_ns is not in rank order ({', '.join(LATENCY_PERCENTILES)})")
    distribution = require(repetition, "latency_distribution_ns", "list", path, where)
    if not distribution:
        raise ResultsError(f"{path}: {where}: latency_distribution_ns is empty")
    for point in distribution:
        if not (isinstance(point, list) and len(point) == 2 and all(figure_problem(x) is None for x in point)
                and 0 < point[0] <= 100):
            raise ResultsError(f"{path}: {where}: latency_distribution_ns has {point!r}, not a [percentile, "
                               f"latency] pair of figures with 0 < percentile <= 100")
    if [p for p, _ in distribution] != sorted({p for p, _ in distribution}) or \
            [v for _, v in distribution] != sorted(v for _, v in distribution):
        raise ResultsError(f"{path}: {where}: latency_distribution_ns is not in increasing percentile and "
                           f"latency order")
    queries, misses = (require(repetition, name, "count", path, where) for name in ("queries", "misses"))
    if queries != misses:
        raise ResultsError(f"{path}: {where}: the server counted {queries} queries but the program {misses} misses "
                           f"(they must be equal)")


def reduce_run(key: ServiceKey, repetitions: list[dict[str, Any]], fastest: float,
               allocs_per_request: float | None) -> ServicePoint:
    """One checked run: its figures over the fast-state repetitions."""
    timed = fast_state_entries(repetitions, fastest)

    def over(value: Any) -> Spread:
        return spread_of([float(value(repetition)) for repetition in timed])

    percentiles = [p for p, _ in timed[0]["latency_distribution_ns"]]
    distribution = tuple((p, statistics.median(rep["latency_distribution_ns"][index][1] for rep in timed))
                         for index, p in enumerate(percentiles))
    return ServicePoint(
        key=key, repetitions=len(repetitions), timed_repetitions=len(timed),
        timed_in_fast_state=timed is not repetitions,
        requests_per_second=over(lambda rep: rep["requests_per_second"]),
        latency_ns={name: over(lambda rep, name=name: rep["latency_ns"][name]) for name in LATENCY_PERCENTILES},
        latency_distribution_ns=distribution,
        client_cpu_ns_per_request=over(lambda rep: rep["client_cpu_ns_per_request"]),
        server_cpu_ns_per_request=over(lambda rep: rep["server_cpu_ns_per_request"]),
        queries_per_request=over(lambda rep: rep["queries"] / rep["requests"]),
        misses_per_request=over(lambda rep: rep["misses"] / rep["requests"]),
        allocs_per_request=None if allocs_per_request is None else float(allocs_per_request))
