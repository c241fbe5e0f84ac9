"""REPORT.md's "The service on .NET": the C# side against the same server
(dotnet_service_results.py), beside C++'s base configuration.

- Throughput and p99 of both languages at C10's load (closed loop, C10_WORKERS worker x
  C10_CLIENTS clients), per hit ratio and implementation; each side's figures are over its
  own fast-state repetitions, and a cell none of whose repetitions ran in the fast state is
  marked, since the two sides are compared only within one machine state.
- What the GC pays per 1000 requests, for every GC setting's file: bytes allocated, gen0,
  gen1 and gen2 collections and pause time, beside throughput and p99.
- Npgsql's own allocation per query (bare_query) at 0 % hits, and what each form adds.
- C10 per language: each value-task form's throughput against task's (service_figures.gains).
"""

from __future__ import annotations

from dotnet_service_results import BARE_QUERY, MAIN_STEM, DotnetServiceFile
from formats import format_latency, format_rate
from reporting.against_dotnet import CPP_SLOW_STATE_MARK
from reporting.common import base_name
from reporting.service import gain_sentence
from reporting.service_figures import BASELINE, C10_CLIENTS, C10_WORKERS, base_service, gains
from service_results import ServiceConfig, ServiceKey, ServicePoint
from tables import table
from vocabulary import order_key
from vtb_results import Run

BLOCKING_IMPLEMENTATION = "sync"   # its miss is a blocking query on its own connection (docs/service-format.md)
TITLE = "The service on .NET: Npgsql against the same server, and what the GC pays"


NO_CSHARP_FORM = "no C# form"  # the .NET file has no run of the implementation at any load


def c10_key(implementation: str, hit: float) -> ServiceKey:
    return ServiceKey(implementation, hit, C10_WORKERS, C10_CLIENTS, "closed", None)


def c10_points(config: ServiceConfig) -> dict[tuple[float, str], ServicePoint]:
    """(hit %, implementation) -> the run at C10's load."""
    return {(key.hit_percent, key.implementation): point for key, point in config.points.items()
            if key == c10_key(key.implementation, key.hit_percent)}


def rate_text(point: ServicePoint | None) -> str:
    if point is None:
        return "not run"
    return format_rate(point.requests_per_second) + ("" if point.timed_in_fast_state else f" {CPP_SLOW_STATE_MARK}")


def p99_text(point: ServicePoint | None) -> str:
    return "-" if point is None else format_latency(point.latency_ns["p99"].median)


def side_by_side(run: Run, cpp: ServiceConfig | None, dotnet: ServiceConfig) -> list[list[str]]:
    """One row per hit ratio the .NET side ran at C10's load and implementation either language ran there."""
    cpp_points = c10_points(cpp) if cpp is not None else {}
    dotnet_points = c10_points(dotnet)
    hits = {hit for hit, _ in dotnet_points}
    implementation_key = order_key(run.vocabulary.implementation_names())
    keys = sorted({key for key in (*cpp_points, *dotnet_points) if key[0] in hits},
                  key=lambda key: (key[0], implementation_key(key[1])))
    # An implementation the .NET file ran at no load at all is one the C# registry lacks.
    dotnet_forms = {key.implementation for key in dotnet.points}
    return [[f"{hit:g}", implementation, rate_text(cpp_points.get((hit, implementation))),
             rate_text(dotnet_points.get((hit, implementation))) if implementation in dotnet_forms else NO_CSHARP_FORM,
             p99_text(cpp_points.get((hit, implementation))), p99_text(dotnet_points.get((hit, implementation)))]
            for hit, implementation in keys]


def gc_rows(run: Run, files: dict[str, DotnetServiceFile]) -> list[list[str]]:
    """Per GC setting, hit ratio and implementation at C10's load: the GC's figures per 1000 requests."""
    implementation_key = order_key(run.vocabulary.implementation_names())
    rows = []
    for file in files.values():
        keys = sorted((key for key in file.gc if key == c10_key(key.implementation, key.hit_percent)),
                      key=lambda key: (key.hit_percent, implementation_key(key.implementation)))
        for key in keys:
            gc, point = file.gc[key], file.config.points[key]
            rows.append([file.setting, f"{key.hit_percent:g}", key.implementation,
                         f"{gc['allocated_bytes_per_1000_requests']:,.0f}",
                         f"{gc['gen0_collections_per_1000_requests']:.4f}",
                         f"{gc['gen1_collections_per_1000_requests']:.4f}",
                         f"{gc['gen2_collections_per_1000_requests']:.4f}",
                         f"{gc['gc_pause_ns_per_1000_requests'] / 1000:,.1f}",
                         rate_text(point), p99_text(point)])
    return rows


def bare_query_lines(run: Run, file: DotnetServiceFile) -> list[str]:
    """Npgsql's own bytes per query (bare_query, 0 % hits) and what each form adds on top at 0 % hits."""
    bare = file.bare_query_gc.get(c10_key(BARE_QUERY, 0.0))
    if bare is None:
        return [f"Npgsql's own allocation: not measured ({file.setting} has no {BARE_QUERY} run at 0 % hits at "
                f"{C10_WORKERS} worker x {C10_CLIENTS} clients).", ""]
    floor = bare["allocated_bytes_per_1000_requests"] / 1000
    rows = [[name, f"{file.gc[key]['allocated_bytes_per_1000_requests'] / 1000:,.1f}",
             f"{round(file.gc[key]['allocated_bytes_per_1000_requests'] / 1000 - floor, 1) + 0.0:+,.1f}"]
            for name in run.vocabulary.implementation_names()
            if name != BLOCKING_IMPLEMENTATION and (key := c10_key(name, 0.0)) in file.gc]
    return ([f"Npgsql's own allocation per query ({BARE_QUERY}: the request awaited directly, no cache, "
             f"{file.setting}, 0 % hits): {floor:,.1f} B. Each form at 0 % hits (every request a query), and what it "
             f"adds on top ({BLOCKING_IMPLEMENTATION} is left out: its miss is a blocking query on a connection of its "
             f"own, not the request bare_query measures):", ""]
            + table(["implementation", "B/request", f"B/request beyond {BARE_QUERY}"], rows))


def section(run: Run) -> list[str]:
    heading = [f"## {TITLE}", ""]
    files = run.service_dotnet
    if not files:
        return heading + ["Not measured: the run has no service/dotnet/ (no .NET SDK, no PostgreSQL, or a run that "
                          "predates the C# service).", ""]
    main = files[MAIN_STEM]
    context = main.config.context
    cpp = base_service(run)
    lines = heading + [
        f"The C# side (`{context.get('program')}`, .NET {context.get('dotnet_runtime_version', 'not recorded')}, "
        f"Npgsql {context.get('npgsql_version', 'not recorded')}) ran the same implementations against the same "
        f"server and table, after the C++ side. {C10_WORKERS} worker x {C10_CLIENTS} clients, closed loop; "
        f"requests/s: the median of each side's fast-state repetitions with their min-max range "
        f"({CPP_SLOW_STATE_MARK}: none ran in the fast state; such a cell is not compared with the other "
        f"language); p99: the median of the repetitions' p99. C++ is {base_name()}"
        + ("" if cpp is not None else " (not measured in this run)") + f"; .NET is {main.setting}.", ""]
    lines += table(["hit %", "implementation", "C++ requests/s", ".NET requests/s", "C++ p99", ".NET p99"],
                   side_by_side(run, cpp, main.config))
    lines += ["### What the GC pays, per 1000 requests", "",
              "Per GC setting (scenarios/dotnet/run.sh --service): bytes allocated (`GC.GetTotalAllocatedBytes`, "
              "every thread's), collections per generation (a gen1 collection counts as a gen0 one too) and pause "
              "time (`GC.GetTotalPauseDuration`), medians over the fast-state repetitions.", ""]
    lines += table(["GC", "hit %", "implementation", "bytes", "gen0", "gen1", "gen2", "pause us", "requests/s",
                    "p99"], gc_rows(run, files))
    lines += bare_query_lines(run, main)
    lines += ["### C10 in the service, per language", ""]
    for language, config in (("C++", cpp), (".NET", main.config)):
        found = gains(run, config) if config is not None else []
        found = [gain for gain in found if gain.clients_per_worker == C10_CLIENTS]
        if not found:
            lines.append(f"- {language}: not judged (no closed-loop runs of {BASELINE} and a value-task form at "
                         f"{C10_WORKERS} worker x {C10_CLIENTS} clients).")
        lines += [f"- {language}: {gain_sentence(gain)}" for gain in found]
    return lines + [""]
