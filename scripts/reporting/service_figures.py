"""What the report's service section and the service charts share (service_results.py's
runs, base configuration): the baseline every implementation is judged against, the loads,
an implementation's sweep over the hit ratios, each run judged against the baseline's
(ratio of median requests/s, U test p), and C10's gains: for each value-task
implementation, closed loop on C10_WORKERS worker, the lowest hit ratio from which its
throughput is significantly higher than the baseline's at every hit ratio measured."""

from __future__ import annotations

from dataclasses import dataclass

from reporting.common import base_name
from service_results import LOOPS, ServiceConfig, ServiceKey, ServicePoint
from stats import Spread, differs, smallest_p_value, u_test_p_value
from vocabulary import order_key
from vtb_results import Run

BASELINE = "task"              # every implementation's throughput is judged against this one's
C10_WORKERS = 1                # C10's load: one worker thread ...
C10_CLIENTS = 16               # ... with this many clients first, then every other number present
GAIN_HITS = (99.0, 99.9)       # the hit ratios C10 quotes the gain at
SECTION = "service"            # the charts registered for the service section (charts.py) are embedded there

Load = tuple[str, int, int]    # (loop, workers, clients per worker)


@dataclass(frozen=True)
class Judged:
    """One run against the baseline's run at the same hit ratio, load and target rate."""

    point: ServicePoint
    ratio: float | None        # its median requests/s over the baseline's
    p_value: float | None      # U test over the two runs' repetitions


def base_service(run: Run) -> ServiceConfig | None:
    """The base configuration's service runs, or None when the run has none."""
    return run.service.configs.get(base_name()) if run.service else None


def judged(config: ServiceConfig, point: ServicePoint) -> Judged:
    key = point.key
    reference = config.points.get(ServiceKey(BASELINE, key.hit_percent, key.workers, key.clients_per_worker,
                                             key.loop, key.target_rate))
    if reference is None or point.key.implementation == BASELINE:
        return Judged(point, None, None)
    return Judged(point, point.requests_per_second.median / reference.requests_per_second.median,
                  u_test_p_value(point.requests_per_second, reference.requests_per_second))


def loads(config: ServiceConfig, run: Run) -> dict[Load, list[ServicePoint]]:
    """The runs by load, closed loop first, then by workers and clients; each load's runs by hit ratio, target
    rate and implementation (the vocabulary's order)."""
    implementation_key = order_key(run.vocabulary.implementation_names())
    grouped: dict[Load, list[ServicePoint]] = {}
    for point in config.points.values():
        grouped.setdefault((point.key.loop, point.key.workers, point.key.clients_per_worker), []).append(point)
    return {load: sorted(grouped[load], key=lambda point: (point.key.hit_percent, point.key.target_rate or 0.0,
                                                           implementation_key(point.key.implementation)))
            for load in sorted(grouped, key=lambda load: (LOOPS.index(load[0]), load[1], load[2]))}


def sweep(config: ServiceConfig, implementation: str, workers: int, clients: int) -> dict[float, ServicePoint]:
    """hit % -> the closed-loop run of one implementation under one load."""
    return {point.key.hit_percent: point for point in config.points.values()
            if (point.key.implementation, point.key.workers, point.key.clients_per_worker, point.key.loop)
            == (implementation, workers, clients, "closed")}


def c10_clients(config: ServiceConfig) -> list[int]:
    """The clients per worker C10 is asked at (closed loop, C10_WORKERS): C10_CLIENTS first, then the others."""
    present = {point.key.clients_per_worker for point in config.points.values()
               if point.key.loop == "closed" and point.key.workers == C10_WORKERS}
    return sorted(present, key=lambda clients: (clients != C10_CLIENTS, clients))


@dataclass(frozen=True)
class Gain:
    """A value-task implementation's throughput against the baseline's over the hit ratios, under one load."""

    implementation: str
    clients_per_worker: int
    hits: tuple[float, ...]                 # measured for both
    gains: dict[float, float]               # hit -> median requests/s over the baseline's, minus 1
    p_values: dict[float, float | None]
    significant_from: float | None          # the lowest hit from which every hit measured is significantly higher
    lower_at: tuple[float, ...]             # hits where it is significantly lower
    smallest_p: float                       # the smallest p the U test can give with these repetitions


def significantly_higher(first: Spread, second: Spread) -> bool:
    """A rate: first's median is higher and the U test says the two differ."""
    return first.median > second.median and differs(first, second)


def gains(run: Run, config: ServiceConfig) -> list[Gain]:
    """C10 in the service: every value-task implementation against the baseline, at every C10 load."""
    found = []
    for clients in c10_clients(config):
        baseline = sweep(config, BASELINE, C10_WORKERS, clients)
        for implementation in (impl.name for impl in run.vocabulary.implementations if impl.value_task):
            points = sweep(config, implementation, C10_WORKERS, clients)
            hits = tuple(sorted(set(points) & set(baseline)))
            if not hits:
                continue
            mine = {hit: points[hit].requests_per_second for hit in hits}
            theirs = {hit: baseline[hit].requests_per_second for hit in hits}
            higher = [significantly_higher(mine[hit], theirs[hit]) for hit in hits]
            start = len(hits)
            while start > 0 and higher[start - 1]:
                start -= 1
            found.append(Gain(implementation, clients, hits,
                              {hit: mine[hit].median / theirs[hit].median - 1 for hit in hits},
                              {hit: u_test_p_value(mine[hit], theirs[hit]) for hit in hits},
                              hits[start] if start < len(hits) else None,
                              tuple(hit for hit in hits if significantly_higher(theirs[hit], mine[hit])),
                              min(smallest_p_value(len(mine[hit].values), len(theirs[hit].values)) for hit in hits)))
    return found
