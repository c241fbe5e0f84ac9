"""REPORT.md's "The service": the cache in front of the run's PostgreSQL server under load
(service_results.py), base configuration, and claim C10 asked of it.

Per loop (closed; open at its target rates) and load (workers x clients per worker), one
table: per hit ratio and implementation, requests per second (median of the fast-state
repetitions with their min-max range), its ratio to task's at the same hit ratio and load
with the U test's p, p99 latency, allocations per request (counting run), client and
server CPU per request, and the queries the server counted per request beside the misses
the program counted. Then C10 in the service: for each value-task implementation against
task, closed loop on one worker, the lowest hit ratio from which its throughput is
significantly higher at every hit ratio measured, and its gain at 99 % and 99.9 %.
The section embeds the service charts (charts.py registers them for it).
"""

from __future__ import annotations

from charts import CHARTS
from formats import format_allocs, format_latency, format_p_value, format_rate
from reporting.against_dotnet import CPP_SLOW_STATE_MARK
from reporting.common import base_name
from reporting.gallery import embed
from reporting.service_figures import (
    BASELINE, C10_WORKERS, GAIN_HITS, SECTION, Gain, Load, base_service, gains, judged, loads,
)
from service_results import ServiceConfig, ServiceKey, ServicePoint
from stats import SIGNIFICANCE_ALPHA
from tables import table
from vtb_results import Run

TITLE = "The service: the cache in front of PostgreSQL (claim C10)"


def percent(value: float) -> str:
    return f"{value * 100:+.1f} %"


def hits_text(hits: tuple[float, ...]) -> str:
    return ", ".join(f"{hit:g}" for hit in hits) + " %"


def gain_sentence(gain: Gain) -> str:
    """What the data says of one Gain, in one sentence."""
    who = f"{gain.implementation} against {BASELINE} ({C10_WORKERS} worker, {gain.clients_per_worker} client{'s' * (gain.clients_per_worker != 1)})"
    quoted = [f"{percent(gain.gains[hit])} at {hit:g} % (p {format_p_value(gain.p_values[hit])})"
              for hit in GAIN_HITS if hit in gain.gains]
    at = f"; throughput {', '.join(quoted)}" if quoted else f"; no run at {' or '.join(f'{h:g}' for h in GAIN_HITS)} %"
    lower = f"; significantly lower at {hits_text(gain.lower_at)}" if gain.lower_at else ""
    if gain.significant_from is not None:
        upward = "" if gain.significant_from == gain.hits[-1] else " on"
        return f"{who}: throughput significantly higher from {gain.significant_from:g} % hits{upward}{at}{lower}."
    floor = (f" (with these repetitions the U test cannot give p below {gain.smallest_p:.2g})"
             if gain.smallest_p >= SIGNIFICANCE_ALPHA else "")
    return (f"{who}: throughput gain not significant at any hit ratio measured ({hits_text(gain.hits)}){floor}"
            f"{at}{lower}.")


def row(config: ServiceConfig, point: ServicePoint, open_loop: bool) -> list[str]:
    against = judged(config, point)
    mark = "" if point.timed_in_fast_state else f" {CPP_SLOW_STATE_MARK}"
    return ([f"{point.key.hit_percent:g}", point.key.implementation]
            + ([f"{point.key.target_rate:,.0f}"] if open_loop else [])
            + [format_rate(point.requests_per_second) + mark,
               "-" if against.ratio is None else f"{against.ratio:.3f}x",
               format_p_value(against.p_value) if against.ratio is not None else "-",
               format_latency(point.latency_ns["p99"].median),
               "-" if point.allocs_per_request is None else format_allocs(point.allocs_per_request),
               f"{point.client_cpu_ns_per_request.median:,.0f}", f"{point.server_cpu_ns_per_request.median:,.0f}",
               f"{point.queries_per_request.median:.4f}", f"{point.misses_per_request.median:.4f}"])


def load_title(load: Load) -> str:
    loop, workers, clients = load
    how = "closed loop" if loop == "closed" else "open loop (latency from each request's intended send time)"
    return f"### {how.capitalize()}, {workers} worker{'s' * (workers != 1)} x {clients} client{'s' * (clients != 1)} per worker"


# Why an implementation of the registry has no service run (vtbench_service's runs_on_service_loop).
LEFT_OUT_BECAUSE = {
    "std_future": "a std::future is waited for by blocking its thread, one thread per request in flight",
    "asio_awaitable": "asio's awaitable runs on asio's own io_context, not on the service's event loop",
}


def miss_latency_lines(run: Run, config: ServiceConfig) -> list[str]:
    """The miss's round trip as the service measured it (sync, 0 % hits, 1 worker x 1 client: one blocking
    query at a time) beside pgbench's (one client, prepared), from meta.json's service facts."""
    key = ServiceKey("sync", 0.0, 1, 1, "closed", None)
    pgbench = run.meta.get("service", {}).get("pgbench") if isinstance(run.meta.get("service"), dict) else None
    if key not in config.points or not isinstance(pgbench, dict):
        return ["Miss latency: not measured (the run has no sync run at 0 % hits on 1 worker x 1 client, or no "
                "pgbench figures).", ""]
    p50 = config.points[key].latency_ns["p50"].median
    return [f"Miss latency: one query to the server as the service measures it (sync at 0 % hits, 1 worker x 1 "
            f"client, median p50) {format_latency(p50)}; pgbench on the same server, one client, prepared: "
            f"{format_latency(float(pgbench['latency_average_ms']) * 1e6)} average "
            f"({float(pgbench['tps']):,.0f} transactions/s; `{pgbench['command']}`).", ""]


def section(run: Run) -> list[str]:
    heading = [f"## {TITLE}", ""]
    if run.service is None:
        return heading + ["The run has no service/ directory (it predates the service scenario).", ""]
    if run.service.not_measured is not None:
        return heading + [f"Not measured ({run.service.not_measured}).", ""]
    config = base_service(run)
    if config is None:
        return heading + [f"The run measured the service in {', '.join(run.service.configs)}, not in "
                          f"{base_name()}.", ""]
    server = config.context.get("server") if isinstance(config.context.get("server"), dict) else {}
    lines = heading + [
        f"vtbench_service ({base_name()}) runs the cache of cache_lookup in front of the run's own PostgreSQL "
        f"server (version {server.get('version', 'not recorded')}), each cache miss a query to that server. "
        f"requests/s: the median of the fast-state repetitions, with their min-max range "
        f"({CPP_SLOW_STATE_MARK}: none ran in the fast state, all are used); x {BASELINE}: its median over "
        f"{BASELINE}'s at the same hit ratio and load, with the two-sided U test's p over the repetitions "
        f"(\"different\" at p < {SIGNIFICANCE_ALPHA:g}); p99: the median of the repetitions' p99 latency "
        f"(nearest rank over every request); allocs/request: from the counting run; CPU per request: the client "
        f"process's and the server backends'; queries: as the server counted them (pg_stat_statements).", ""]
    lines += miss_latency_lines(run, config)
    for chart in CHARTS.values():
        if chart.section == SECTION:
            lines += embed(run, chart.name)
    for load, points in loads(config, run).items():
        open_loop = load[0] == "open"
        header = (["hit %", "implementation"] + (["target/s"] if open_loop else [])
                  + ["requests/s (min-max)", f"x {BASELINE}", "U test p", "p99", "allocs/request",
                     "client CPU ns/request", "server CPU ns/request", "queries/request", "misses/request"])
        lines += [load_title(load), ""] + table(header, [row(config, point, open_loop) for point in points])
    measured = {point.key.implementation for point in config.points.values()}
    absent = [name for name in run.vocabulary.implementation_names() if name not in measured]
    if absent:
        lines += ["Not run in the service: " + "; ".join(
            f"{name} ({LEFT_OUT_BECAUSE[name]})" if name in LEFT_OUT_BECAUSE else name for name in absent) + ".", ""]
    found = gains(run, config)
    lines += ["### C10 in the service", ""]
    if not found:
        return lines + [f"Not judged: no closed-loop runs of {BASELINE} and a value-task implementation on "
                        f"{C10_WORKERS} worker at a common hit ratio.", ""]
    return lines + [f"- {gain_sentence(gain)}" for gain in found] + [""]
