"""The .NET side of REPORT.md: its section (versions, job, the drivers' own cost in both
languages, the runtime-async preview and, from reporting.runtime_async, where its bytes per
miss come from) and its misuse table, and the helpers the claims' .NET answers share
(RUN_DIR/dotnet/, scenarios/dotnet/run.sh: BenchmarkDotNet with MemoryDiagnoser on the same
keys and payloads). Times are per-operation medians with the min-max over the iterations run
in the machine's fast state (dotnet_results.py), † where there were none; "different" is the
same U test as the C++ side's, over those
iterations."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from benchmark_file import FAST_STATE_LIMIT
from dotnet_results import DotnetRun, Row, cache_sweep, find_row
from reporting.claim_registry import ClaimResult, not_measured_reason, result
from reporting import runtime_async
from reporting.common import BASE_COMPILER, BASELINE_ALLOCATOR, base_name
from stats import Spread
from tables import table
from verdicts import NO_DATA
from vtb_results import Run


def spread(row: Row) -> Spread:
    return Spread(row.ns_per_op, row.ns_min, row.ns_max, row.ns_values)


NOT_FAST_MARK = "†"  # a .NET time with no iteration known to have run in the machine's fast state


def ns_text(row: Row) -> str:
    """'139.5 ns (132.0-164.0)', with † when no iteration of the benchmark is known to have run in the fast state."""
    return f"{row.ns_per_op:.1f} ns ({row.ns_min:.1f}-{row.ns_max:.1f}){'' if row.timed_in_fast_state else ' ' + NOT_FAST_MARK}"


def slow_state_notes(rows: Sequence[Row | None]) -> list[str]:
    """For a time comparison: one figure per compared benchmark with no iteration known to have run in the
    machine's fast state; empty when the comparison can stand."""
    return [f"{NOT_FAST_MARK} {row.impl}{f' at {row.hit} %' if row.hit is not None else ''}"
            f"{f' at depth {row.depth}' if row.depth is not None else ''} "
            + (f"ran none of its {len(row.calibrations_ns)} iterations in the machine's fast state"
               if row.calibrations_ns else "has no machine-state record") + ": not comparable"
            for row in rows if row is not None and not row.timed_in_fast_state]


def state_counts(rows: Sequence[Row]) -> tuple[int, int]:
    """Iterations the probe found in the fast state and in the slow state, over `rows`."""
    return (sum(row.fast_state_iterations for row in rows), sum(row.slow_state_iterations for row in rows))


def probe_sentence(dotnet: DotnetRun) -> str:
    """What the machine-state probe found in each build's iterations."""
    parts = []
    for build in sorted({row.build for row in dotnet.rows}):
        rows = [row for row in dotnet.rows if row.build == build]
        probed = [row for row in rows if row.calibrations_ns]
        if not probed:
            parts.append(f"the {build.replace('_', '-')} build has no machine-state record")
            continue
        fast, slow = state_counts(probed)
        none_fast = sum(not row.timed_in_fast_state for row in probed)
        parts.append(f"the {build.replace('_', '-')} build's {fast + slow} measured iterations ({len(probed)} "
                     f"benchmarks) ran {fast} in the fast state and {slow} in the slow, and {none_fast} "
                     f"benchmark{'' if none_fast == 1 else 's'} had no fast-state iteration")
    return "; ".join(parts)


def bytes_text(row: Row) -> str:
    return f"{row.bytes_per_op:.0f} B/op"


def dotnet_cache(dotnet: DotnetRun, impl: str, hit: int, build: str = "default") -> Row | None:
    return find_row(dotnet.rows, "cache_lookup", impl, "int", hit, build=build)


def dotnet_sweep(dotnet: DotnetRun, run: Run, build: str = "default") -> dict[str, list[Row]]:
    """The .NET cache_lookup rows (int payload) by implementation, in the run's vocabulary order."""
    return cache_sweep(dotnet.rows, "int", build, run.vocabulary.implementation_names())


def dotnet_missing(what: str) -> ClaimResult:
    return result([f"the .NET run lacks {what}"], NO_DATA)


def dotnet_misuse_columns(misuse: dict[str, Any]) -> list[str]:
    """The columns of .NET's misuse.json (its 'implementations' object, which names the forms)."""
    return list(misuse.get("implementations", {}))


def dotnet_value_tasks(run: Run, misuse: dict[str, Any]) -> list[str]:
    """.NET's misuse columns that are value tasks: the forms of the same name in the run's vocabulary."""
    value_tasks = set(run.vocabulary.value_task_forms())
    return [form for form in dotnet_misuse_columns(misuse) if form in value_tasks]


def dotnet_misuse_section(run: Run, cell: Callable[[dict[str, Any] | None], str]) -> list[str]:
    """The .NET misuse table beside vtb's: what .NET 10 really does with each rule."""
    heading = ["### What .NET 10 does with the same misuse", ""]
    if run.dotnet is None or run.dotnet.misuse is None:
        return heading + [f"Not measured ({not_measured_reason(run) if run.dotnet is None else 'no misuse.json'}).",
                          ""]
    misuse = run.dotnet.misuse
    columns = dotnet_misuse_columns(misuse)
    rows = [[rule["rule"]] + [cell(rule["results"].get(form)) for form in columns] for rule in misuse["rules"]]
    intro = ("Run for real by the .NET side (scenarios/dotnet, `--misuse`), each cell as in vtb's table. "
             "`detected` means .NET throws InvalidOperationException; where it throws it on the thread pool "
             "(a second continuation on a source) the process dies, and the case runs in a child process.")
    return heading + [intro, ""] + table(["rule"] + columns, rows)


def driver_sentence(run: Run, dotnet: DotnetRun) -> str:
    """The drivers' own cost in both languages: what every implementation's figure includes."""
    parts = []
    for name in ("empty", "loop_round_trip"):
        row = find_row(dotnet.rows, "driver", name, "int")
        if row is not None:
            parts.append(f"{name} {ns_text(row)}, {bytes_text(row)}")
    sync_hit = dotnet_cache(dotnet, "sync", 100)
    if sync_hit is not None:
        parts.append(f"sync at 100 % {ns_text(sync_hit)}")
    cpp = [f"sync at {hit} % {bench.real_time_ns.median:.1f} ns" for hit in (100, 0)
           if (bench := run.find(BASE_COMPILER, BASELINE_ALLOCATOR, "cache_lookup", impl="sync", payload="int",
                                 db="async", hit=hit)) is not None and bench.real_time_ns is not None]
    return (f"The drivers' own cost per operation (int payload): .NET {'; '.join(parts) or 'not measured'}; "
            f"C++ ({base_name()}, the same loop; sync at 100 % is the driver and the lookup, at 0 % it adds one "
            f"database round trip through the run loop) {'; '.join(cpp) or 'not measured'}.")


def runtime_async_rows(dotnet: DotnetRun, run: Run) -> list[list[str]]:
    rows = []
    for impl, ra_rows in dotnet_sweep(dotnet, run, "runtime_async").items():
        for ra in ra_rows:
            default = dotnet_cache(dotnet, impl, ra.hit or 0)
            rows.append([impl, f"{ra.hit} %", f"{ns_text(default)}, {bytes_text(default)}" if default else "-",
                         f"{ns_text(ra)}, {bytes_text(ra)}"])
    return rows


def section(run: Run) -> list[str]:
    heading = ["## The .NET side", ""]
    if run.dotnet is None:
        return heading + [f".NET not measured ({not_measured_reason(run)}): the claims table's .NET column says so.",
                          ""]
    dotnet = run.dotnet
    meta = dotnet.meta
    job = meta.get("job", {}) if isinstance(meta.get("job"), dict) else {}
    lines = heading + [
        f"{meta.get('runtime', '.NET')} (SDK {meta.get('sdk_version', '?')}), BenchmarkDotNet "
        f"{meta.get('benchmarkdotnet_version', '?')}, job {job.get('name', '?')} ({job.get('toolchain', '?')}): "
        f"{job.get('warmup_count', '?')} warm-up and {job.get('iteration_count', '?')} measured iterations, "
        f"MemoryDiagnoser on; the same 1000 keys, hit pattern, payloads and checksum as the C++ side "
        f"(scenarios/dotnet/README.md). BenchmarkDotNet's full JSON export is in dotnet/bdn/results/.", "",
        "The .NET side records the same machine-state calibration as the C++ timing pass (see Method) before "
        "and after every measured BenchmarkDotNet iteration, outside its clock (IterationStates.cs). A .NET time is "
        "the median over the iterations whose calibration is within "
        f"{FAST_STATE_LIMIT:g}x the fastest of their build's (BenchmarkDotNet's upper outliers dropped, its "
        "overhead subtracted); "
        f"{NOT_FAST_MARK} marks a benchmark with no such iteration, whose time is BenchmarkDotNet's over all of "
        "them and which no time comparison judges. In this run " + probe_sentence(dotnet) + ".", "",
        driver_sentence(run, dotnet), ""]
    extra = runtime_async_rows(dotnet, run)
    status = meta.get("runtime_async_build", "skipped")
    if extra:
        lines += ["The runtime-async preview (`<Features>runtime-async=on</Features>`, run with "
                  "`DOTNET_RuntimeAsync=1`) against the default build, int payload:", ""]
        lines += table(["implementation", "hit", "default build", "runtime-async"], extra)
        lines += runtime_async.section_lines(dotnet.rows, run.vocabulary.implementation_names())
    else:
        lines += [f"The runtime-async preview was not measured in this run ({status}).", ""]
    return lines
