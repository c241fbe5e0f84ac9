"""REPORT.md's .NET column: each claim answered from the .NET side of the same run
(RUN_DIR/dotnet/, scenarios/dotnet/run.sh, BenchmarkDotNet with MemoryDiagnoser on the
same keys and payloads), with a verdict of its own; and the .NET misuse table.

A claim is one registered function taking the DotnetRun and the Run and returning a
DotnetCell (figure and verdict); dotnet_cell() answers "not measured" with the reason
when the run has no .NET side. Times are BenchmarkDotNet's per-operation medians with
the min-max of its iterations; "different" is the same U test as the C++ side's, over
BenchmarkDotNet's measured iterations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dotnet_results import DotnetRun, Row, cache_sweep, find_row
from markdown_table import table
from report_misuse import misuse_rule, misuse_verdict, value_task_implementations
from verdicts import DOTNET_NUANCE, NO_DATA, NOT_MEASURED, NOT_REPRODUCED, REPRODUCED
from vtb_results import Run, Spread, differs, format_p_value, slower, u_test_p_value

TASK_BYTES_CLAIMED = (64, 136)
ABOUT_SAME_RATIO = 0.10
SLIGHTLY_MORE_RATIO = 0.25
CACHED_FACTORIES = ("from_result_cached", "from_result_cached_bool", "completed_task", "value_task_inline")
ALLOCATING_FACTORIES = ("from_result_uncached", "from_exception", "from_canceled")
POOLED = ("value_task_source", "pooled_value_task")


@dataclass
class DotnetCell:
    figure: str
    verdict: str


DOTNET_CLAIMS: dict[str, Callable[[DotnetRun, Run], DotnetCell]] = {}


def dotnet_claim(claim_id: str) -> Callable[[Callable[[DotnetRun, Run], DotnetCell]],
                                            Callable[[DotnetRun, Run], DotnetCell]]:
    """Registers the .NET answer to one claim under its ID."""
    def register(function: Callable[[DotnetRun, Run], DotnetCell]) -> Callable[[DotnetRun, Run], DotnetCell]:
        DOTNET_CLAIMS[claim_id] = function
        return function
    return register


def not_measured_reason(run: Run) -> str:
    recorded = run.meta.get("dotnet") if isinstance(run.meta.get("dotnet"), dict) else {}
    return recorded.get("reason", "the run has no dotnet/ directory")


def dotnet_cell(run: Run, claim_id: str) -> DotnetCell:
    if run.dotnet is None:
        return DotnetCell(f"not measured ({not_measured_reason(run)})", NOT_MEASURED)
    return DOTNET_CLAIMS[claim_id](run.dotnet, run)


def spread(row: Row) -> Spread:
    return Spread(row.ns_per_op, row.ns_min, row.ns_max, row.ns_values)


def ns_text(row: Row) -> str:
    return f"{row.ns_per_op:.1f} ns ({row.ns_min:.1f}-{row.ns_max:.1f})"


def bytes_text(row: Row) -> str:
    return f"{row.bytes_per_op:.0f} B/op"


def cache(dotnet: DotnetRun, impl: str, hit: int, build: str = "default") -> Row | None:
    return find_row(dotnet.rows, "cache_lookup", impl, "int", hit, build=build)


def missing(what: str) -> DotnetCell:
    return DotnetCell(f"the .NET run lacks {what}", NO_DATA)


@dotnet_claim("C1")
def dotnet_c1(dotnet: DotnetRun, run: Run) -> DotnetCell:
    footprint = dotnet.footprint or {}
    completed = footprint.get("completed_task_bytes", {}).get("Task.FromResult(1000)")
    suspended = next((row["bytes_per_op"] for row in footprint.get("rows", []) if row.get("impl") == "task"), None)
    if completed is None or suspended is None:
        return missing("footprint.json's Task.FromResult(1000) and task rows")
    figure = (f"Task.FromResult(1000): {completed:.0f} B; a suspended async Task<int>: {suspended:.0f} B "
              f"({footprint.get('counter', 'GC allocated bytes')}, {footprint.get('ops', '?'):,} held)")
    low, high = TASK_BYTES_CLAIMED
    goroutine = (run.goroutine or {}).get("bytes_per_goroutine", 2048)
    if completed > goroutine / 4:
        return DotnetCell(figure, NOT_REPRODUCED)
    within = low <= completed <= high and suspended <= high
    return DotnetCell(figure, REPRODUCED if within else DOTNET_NUANCE)


@dotnet_claim("C2")
def dotnet_c2(dotnet: DotnetRun, run: Run) -> DotnetCell:
    rows = {kind: row for kind in CACHED_FACTORIES + ALLOCATING_FACTORIES
            if (row := find_row(dotnet.rows, "factory", kind)) is not None}
    if not rows:
        return missing("the Factory benchmarks")
    figure = ", ".join(f"{kind} {row.bytes_per_op:.0f} B" for kind, row in rows.items()) + " per call"
    free = all(rows[kind].bytes_per_op == 0 for kind in CACHED_FACTORIES if kind in rows)
    allocating = all(rows[kind].bytes_per_op > 0 for kind in ALLOCATING_FACTORIES if kind in rows)
    return DotnetCell(figure, REPRODUCED if free and allocating else NOT_REPRODUCED)


@dotnet_claim("C3")
def dotnet_c3(dotnet: DotnetRun, run: Run) -> DotnetCell:
    task = cache(dotnet, "task", 100)
    if task is None:
        return missing("cache_lookup task at hit 100")
    figure = f"async Task<int> at 100 % hits: {bytes_text(task)}"
    runtime_async = cache(dotnet, "task", 100, "runtime_async")
    if runtime_async is not None:
        figure += f" (runtime-async preview: {bytes_text(runtime_async)})"
    return DotnetCell(figure, REPRODUCED if task.bytes_per_op > 0 else NOT_REPRODUCED)


@dotnet_claim("C4")
def dotnet_c4(dotnet: DotnetRun, run: Run) -> DotnetCell:
    value_task = cache(dotnet, "value_task", 100)
    if value_task is None:
        return missing("cache_lookup value_task at hit 100")
    figure = f"ValueTask<int> returned on a hit, 100 % hits: {bytes_text(value_task)}"
    coroutine = cache(dotnet, "value_task_coroutine", 100)
    if coroutine is not None:
        figure += f"; async ValueTask<int>: {bytes_text(coroutine)}"
    return DotnetCell(figure, REPRODUCED if value_task.bytes_per_op == 0 else NOT_REPRODUCED)


@dotnet_claim("C5")
def dotnet_c5(dotnet: DotnetRun, run: Run) -> DotnetCell:
    value_task, task = cache(dotnet, "value_task", 0), cache(dotnet, "task", 0)
    if value_task is None or task is None:
        return missing("cache_lookup value_task and task at hit 0")
    ratio = value_task.ns_per_op / task.ns_per_op
    p_value = u_test_p_value(spread(value_task), spread(task))
    figure = (f"hit 0: ValueTask<int> wrapping a Task {ns_text(value_task)}, {bytes_text(value_task)} vs async "
              f"Task<int> {ns_text(task)}, {bytes_text(task)}; ratio {ratio:.2f}, U test p {format_p_value(p_value)}")
    same = p_value is not None and not differs(spread(value_task), spread(task))
    if same or 1 - ABOUT_SAME_RATIO <= ratio <= 1 + SLIGHTLY_MORE_RATIO:
        return DotnetCell(figure, REPRODUCED)
    return DotnetCell(figure, NOT_REPRODUCED)


@dotnet_claim("C6")
def dotnet_c6(dotnet: DotnetRun, run: Run) -> DotnetCell:
    sweeps = cache_sweep(dotnet.rows, "int")
    present = {impl: sweeps[impl] for impl in POOLED if impl in sweeps}
    if not present:
        return missing("cache_lookup value_task_source and pooled_value_task")
    most = {impl: max(row.bytes_per_op for row in rows) for impl, rows in present.items()}
    figure = "max B/op over hits: " + ", ".join(f"{impl} {value:.0f}" for impl, value in most.items())
    value_task = cache(dotnet, "value_task", 0)
    at_miss = [f"{impl} {ns_text(row)}" for impl in present if (row := cache(dotnet, impl, 0)) is not None]
    if value_task is not None:
        at_miss.append(f"value_task {ns_text(value_task)}, {bytes_text(value_task)}")
    figure += "; hit 0: " + ", ".join(at_miss)
    free = [impl for impl, value in most.items() if value == 0]
    verdict = REPRODUCED if len(free) == len(most) else DOTNET_NUANCE if free else NOT_REPRODUCED
    return DotnetCell(figure, verdict)


@dotnet_claim("C7")
def dotnet_c7(dotnet: DotnetRun, run: Run) -> DotnetCell:
    sizes = (dotnet.footprint or {}).get("sizeof", {})
    if "ValueTask<int>" not in sizes or "Task<int>" not in sizes:
        return missing("footprint.json's sizeof figures")
    figure = (f"Unsafe.SizeOf: ValueTask<int> {sizes['ValueTask<int>']} B, ValueTask<string> "
              f"{sizes.get('ValueTask<string>', '?')} B, a Task<int> reference {sizes['Task<int>']} B")
    depths = sorted({row.depth for row in dotnet.rows if row.scenario == "copy_cost" and row.depth is not None})
    copies = {(impl, depth): row for depth in depths for impl in ("value_task", "task")
              if (row := find_row(dotnet.rows, "copy_cost", impl, depth=depth)) is not None}
    common = [depth for depth in depths if ("value_task", depth) in copies and ("task", depth) in copies]
    if not common:
        return DotnetCell(figure, NO_DATA)
    figure += "; " + "; ".join(f"depth {depth}: ValueTask<int> {ns_text(copies[('value_task', depth)])} vs Task<int> "
                               f"{ns_text(copies[('task', depth)])}" for depth in common)
    deepest = common[-1]
    dearer = slower(spread(copies[("value_task", deepest)]), spread(copies[("task", deepest)]))
    bigger = sizes["ValueTask<int>"] > sizes["Task<int>"]
    return DotnetCell(figure, REPRODUCED if bigger and dearer else DOTNET_NUANCE if bigger else NOT_REPRODUCED)


@dotnet_claim("C8")
def dotnet_c8(dotnet: DotnetRun, run: Run) -> DotnetCell:
    verdict = misuse_verdict(dotnet.misuse, DOTNET_NUANCE)
    if verdict is None:
        return missing("misuse.json's await_twice, result_before_completion and concurrent_await rules")
    return DotnetCell(verdict.figure + (f"; not detected: {', '.join(verdict.tolerated)}" if verdict.tolerated else ""),
                      verdict.verdict)


@dotnet_claim("C9")
def dotnet_c9(dotnet: DotnetRun, run: Run) -> DotnetCell:
    is_completed, many = misuse_rule(dotnet.misuse, "is_completed"), misuse_rule(dotnet.misuse, "as_task_many_awaits")
    facts = (dotnet.misuse or {}).get("as_task", {})
    if is_completed is None or many is None:
        return missing("misuse.json's is_completed and as_task_many_awaits rules")
    unsafe = [f"{impl} ({rule['rule']})" for rule in (is_completed, many)
              for impl in value_task_implementations(rule["results"]) if rule["results"][impl]["outcome"] != "allowed"]
    figure = "IsCompleted check and many awaits of AsTask(): " + ("all allowed" if not unsafe else
                                                                  f"fail for {', '.join(unsafe)}")
    if facts:
        figure += "; AsTask(): " + ", ".join(
            f"{kind} {'returns the wrapped Task' if fact.get('returns_the_wrapped_task') else 'makes a new Task'} "
            f"({fact.get('bytes', '?')} B)" for kind, fact in facts.items())
    wrapped = facts.get("value_task_wrapping_task", {}).get("returns_the_wrapped_task")
    return DotnetCell(figure, NOT_REPRODUCED if unsafe else REPRODUCED if wrapped else DOTNET_NUANCE)


@dotnet_claim("C10")
def dotnet_c10(dotnet: DotnetRun, run: Run) -> DotnetCell:
    sweeps = cache_sweep(dotnet.rows, "int")
    task = {row.hit: row for row in sweeps.get("task", [])}
    value_task = {row.hit: row for row in sweeps.get("value_task", [])}
    hits = sorted(set(task) & set(value_task))
    if len(hits) < 2:
        return missing("a cache_lookup sweep of task and value_task")
    gain = {hit: task[hit].ns_per_op - value_task[hit].ns_per_op for hit in hits}
    faster_from = next((hit for hit in hits if slower(spread(task[hit]), spread(value_task[hit]))), None)
    figure = [f"value_task gains {gain[hits[0]]:.1f} ns at {hits[0]} %, {gain[hits[-1]]:.1f} ns at {hits[-1]} %",
              f"significantly faster from {faster_from} % hits" if faster_from is not None else "never faster"]
    plain = cache(dotnet, "value_task", 0)
    for impl in POOLED:
        pooled = cache(dotnet, impl, 0)
        if pooled is None or plain is None:
            continue
        faster = slower(spread(plain), spread(pooled))
        fewer = pooled.bytes_per_op < plain.bytes_per_op
        figure.append(f"hit 0: {impl} {'raises throughput' if faster else 'does not raise throughput'}"
                      f"{' and cuts' if faster and fewer else ', but cuts' if fewer else ' and does not cut'} "
                      f"allocation ({bytes_text(plain)} -> {bytes_text(pooled)})")
    grows = faster_from is not None and gain[hits[-1]] > gain[hits[0]]
    return DotnetCell("; ".join(figure), REPRODUCED if grows else NOT_REPRODUCED)


def dotnet_misuse_section(run: Run, cell: Callable[[dict | None], str]) -> list[str]:
    """The .NET misuse table beside vtb's: what .NET 10 really does with each rule."""
    heading = ["### What .NET 10 does with the same misuse", ""]
    if run.dotnet is None or run.dotnet.misuse is None:
        return heading + [f"Not measured ({not_measured_reason(run) if run.dotnet is None else 'no misuse.json'}).",
                          ""]
    misuse = run.dotnet.misuse
    columns = list(misuse.get("implementations", {}))
    rows = [[rule["rule"]] + [cell(rule["results"].get(impl)) for impl in columns] for rule in misuse["rules"]]
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
    sync_hit = cache(dotnet, "sync", 100)
    if sync_hit is not None:
        parts.append(f"sync at 100 % {ns_text(sync_hit)}")
    cpp = [f"sync at {hit} % {bench.real_time_ns.median:.1f} ns" for hit in (100, 0)
           if (bench := run.find("gcc", "glibc", "cache_lookup", impl="sync", payload="int", db="async", hit=hit))
           is not None and bench.real_time_ns is not None]
    return (f"The drivers' own cost per operation (int payload): .NET {'; '.join(parts) or 'not measured'}; "
            f"C++ (gcc-glibc, the same loop; sync at 100 % is the driver and the lookup, at 0 % it adds one "
            f"database round trip through the run loop) {'; '.join(cpp) or 'not measured'}.")


def runtime_async_rows(dotnet: DotnetRun) -> list[list[str]]:
    rows = []
    for impl, ra_rows in cache_sweep(dotnet.rows, "int", "runtime_async").items():
        for ra in ra_rows:
            default = cache(dotnet, impl, ra.hit or 0)
            rows.append([impl, f"{ra.hit} %", f"{ns_text(default)}, {bytes_text(default)}" if default else "-",
                         f"{ns_text(ra)}, {bytes_text(ra)}"])
    return rows


def dotnet_section(run: Run) -> list[str]:
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
        driver_sentence(run, dotnet), ""]
    extra = runtime_async_rows(dotnet)
    status = meta.get("runtime_async_build", "skipped")
    if extra:
        lines += ["The runtime-async preview (`<Features>runtime-async=on</Features>`, run with "
                  "`DOTNET_RuntimeAsync=1`) against the default build, int payload:", ""]
        lines += table(["implementation", "hit", "default build", "runtime-async"], extra)
    else:
        lines += [f"The runtime-async preview was not measured in this run ({status}).", ""]
    return lines
