"""REPORT.md's "C++ against .NET": every form and path both languages measure, side by side.

One row per benchmark that both the C++ timing pass (the base configuration, gcc + glibc)
and BenchmarkDotNet ran under the same name (dotnet_results.vtbench_name: cache_lookup at
the vocabulary's `ends` hit ratios, int payload, async db; copy_cost at every depth): time
per operation in each language (C++: the fast-state median of the timing pass; .NET:
the median of BenchmarkDotNet's fast-state iterations), allocation per operation in each (C++: allocs_per_op and
bytes_per_op from the counting pass; .NET: MemoryDiagnoser's bytes) and the time ratio
C++/.NET, judged with the same U test as the rest of the report. A row is judged only where
both sides' times are over fast-state repetitions or iterations (each side's own probe): a
.NET benchmark with no iteration known to be in the fast state (†, reporting/dotnet.py) and a
C++ benchmark with no such repetition (‡) are shown but not compared. Where C++ is behind, the reason is assembled from the run's own figures (counting
pass, MemoryDiagnoser, callgrind.json, the other allocators' timing passes, and for copy_cost the
other handle type's row at the same depth, which tells the call's cost from the handle's); and for the
hit-path rows that allocate in C++, the time under every allocator the run measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from benchmark_file import Benchmark, benchmark_order
from dotnet_results import Row
from formats import format_allocs, format_ns
from reporting.claim_registry import not_measured_reason
from reporting.common import (
    BASE_COMPILER, BASELINE_ALLOCATOR, ELIDING_COMPILER, allocs_text, base_name, counter, is_zero,
)
from reporting.crosschecks import cost_rows, named_cost_row
from reporting.dotnet import NOT_FAST_MARK, ns_text, slow_state_notes, spread
from stats import SIGNIFICANCE_ALPHA, Spread, u_test_p_value
from tables import table
from vtb_results import Run

TITLE = "C++ against .NET"
PATHS_SWEEP = "ends"          # the vocabulary's hit ratios compared: the miss path and the hit path
PAYLOAD = "int"
HIT_PATH_PERCENT = 100        # every lookup a hit: the synchronous path
FLOOR_IMPLEMENTATION = "sync"  # a plain function: what the driver and the lookup cost, with no task
CPP_SLOW_STATE_MARK = "‡"     # no repetition of the C++ benchmark is known to have run in the fast state

BEHIND, AHEAD, WITHIN_NOISE, NOT_COMPARED = "C++ behind", "C++ ahead", "within noise", "not compared"


@dataclass(frozen=True)
class Comparison:
    """One benchmark as both languages measured it."""

    name: str                  # the benchmark's name in both languages
    scenario: str
    form: str                  # implementation (cache_lookup) or handle type (copy_cost)
    path: str                  # 'hit:100', 'depth:8'
    cpp: Benchmark             # base configuration: time from the timing pass, counters from the counting pass
    dotnet: Row
    p_value: float | None      # U test over the C++ repetitions and BenchmarkDotNet's iterations

    @property
    def cpp_time(self) -> Spread:
        assert self.cpp.real_time_ns is not None  # compared only where the timing pass timed it
        return self.cpp.real_time_ns

    @property
    def ratio(self) -> float | None:
        """C++ time / .NET time (medians), None where .NET's median is 0 (a benchmark folded away)."""
        return self.cpp_time.median / self.dotnet.ns_per_op if self.dotnet.ns_per_op > 0 else None

    @property
    def cpp_allocs(self) -> float | None:
        return counter(self.cpp, "allocs_per_op")

    @property
    def cpp_bytes(self) -> float | None:
        return counter(self.cpp, "bytes_per_op")

    @property
    def comparable(self) -> bool:
        """Both sides' times are over runs in the machine's fast state."""
        return self.cpp.timed_in_fast_state and self.dotnet.timed_in_fast_state

    @property
    def standing(self) -> str:
        if not self.comparable or self.ratio is None:
            return NOT_COMPARED
        if self.p_value is None or self.p_value >= SIGNIFICANCE_ALPHA:
            return WITHIN_NOISE
        return BEHIND if self.ratio > 1 else AHEAD

    def allocates_on_the_hit_path(self) -> bool:
        allocs = self.cpp_allocs
        return (self.scenario == "cache_lookup" and self.dotnet.hit == HIT_PATH_PERCENT and allocs is not None
                and not is_zero(allocs))


@dataclass(frozen=True)
class BehindReason:
    """The run's figures that explain a row where C++ is behind; None where the run lacks one."""

    cpp_allocs: float | None
    cpp_bytes: float | None
    dotnet_bytes: float
    dotnet_gen0_per_1k_ops: float
    eliding_allocs: float | None = None        # the same benchmark's allocs/op under the eliding compiler (Clang)
    instructions: float | None = None          # cachegrind, base configuration
    floor_instructions: float | None = None    # sync's at the same hit ratio: the driver and the lookup
    fastest_allocator: tuple[str, Spread] | None = None  # the fastest other allocator's time, when faster
    other_handle: Comparison | None = None     # copy_cost: the other handle type at the same depth


def compared_rows(run: Run) -> list[Comparison]:
    """Every benchmark that both the base configuration timed and BenchmarkDotNet ran (default build) under
    the same name, cache_lookup restricted to the `ends` hit ratios and the int payload, in the vocabulary's
    order."""
    bench_file = run.config(BASE_COMPILER, BASELINE_ALLOCATOR)
    if run.dotnet is None or bench_file is None:
        return []
    hits = run.vocabulary.sweep(PATHS_SWEEP)
    found = {}
    for row in run.dotnet.rows:
        if row.build != "default" or not (
                row.scenario == "copy_cost" or (row.scenario == "cache_lookup" and row.payload == PAYLOAD
                                                and row.hit in hits)):
            continue
        bench = bench_file.benchmarks.get(row.name)
        if bench is None or bench.real_time_ns is None:
            continue
        path = f"hit:{row.hit}" if row.scenario == "cache_lookup" else f"depth:{row.depth}"
        found[row.name] = Comparison(row.name, row.scenario, row.impl, path, bench, row,
                                     u_test_p_value(bench.real_time_ns, spread(row)))
    return [found[name] for name in sorted(found, key=benchmark_order(run.vocabulary))]


def allocator_times(run: Run, comparison: Comparison) -> dict[str, Benchmark]:
    """allocator -> the same benchmark in the base compiler's configuration with that allocator (timed), in the
    run's allocator order."""
    times = {}
    for allocator in run.allocators():
        bench_file = run.config(BASE_COMPILER, allocator)
        bench = bench_file.benchmarks.get(comparison.name) if bench_file else None
        if bench is not None and bench.real_time_ns is not None:
            times[allocator] = bench
    return times


def other_handle(compared: Sequence[Comparison], comparison: Comparison) -> Comparison | None:
    """copy_cost: the other handle type's row at the same depth among `compared` (the run's compared_rows),
    which tells the call's cost from the handle's; None for cache_lookup or where the run lacks it."""
    if comparison.scenario != "copy_cost":
        return None
    return next((other for other in compared if other.scenario == "copy_cost"
                 and other.path == comparison.path and other.form != comparison.form), None)


def behind_reason(run: Run, comparison: Comparison, compared: Sequence[Comparison]) -> BehindReason:
    """What the run measured about a row where C++ is behind (`compared`: the run's compared_rows)."""
    costs = cost_rows(run)
    instructions = floor = None
    if comparison.scenario == "cache_lookup" and comparison.dotnet.hit is not None:
        own = costs.get((base_name(), comparison.form, comparison.dotnet.hit))
        below = costs.get((base_name(), FLOOR_IMPLEMENTATION, comparison.dotnet.hit))
        instructions = own["instructions_per_op"] if own else None
        floor = below["instructions_per_op"] if below and comparison.form != FLOOR_IMPLEMENTATION else None
    elif comparison.scenario == "copy_cost":
        own = named_cost_row(run, base_name(), comparison.name)
        instructions = own["instructions_per_op"] if own else None
    fastest = eliding = None
    if comparison.cpp_allocs is not None and not is_zero(comparison.cpp_allocs):
        eliding_file = run.config(ELIDING_COMPILER, BASELINE_ALLOCATOR)
        eliding = counter(eliding_file.benchmarks.get(comparison.name) if eliding_file else None, "allocs_per_op")
        others = [(allocator, bench.real_time_ns) for allocator, bench in allocator_times(run, comparison).items()
                  if allocator != BASELINE_ALLOCATOR and bench.timed_in_fast_state and bench.real_time_ns is not None]
        best = min(others, key=lambda pair: pair[1].median, default=None)
        if best is not None and best[1].median < comparison.cpp_time.median:
            fastest = best
    return BehindReason(comparison.cpp_allocs, comparison.cpp_bytes, comparison.dotnet.bytes_per_op,
                        comparison.dotnet.gen0_per_1k_ops, eliding, instructions, floor, fastest,
                        other_handle(compared, comparison))


def reason_text(reason: BehindReason, dotnet_time: float) -> str:
    """The reason in words: fixed text names the mechanism, every number is the run's."""
    parts = []
    allocates = reason.cpp_allocs is not None and not is_zero(reason.cpp_allocs)
    if allocates:
        assert reason.cpp_allocs is not None
        size = f", {reason.cpp_bytes:.0f} B" if reason.cpp_bytes is not None else ""
        elision = ("" if reason.eliding_allocs is None else
                   f"; {ELIDING_COMPILER} elides it ({allocs_text(reason.eliding_allocs)})"
                   if is_zero(reason.eliding_allocs) else
                   f", nor does {ELIDING_COMPILER} ({allocs_text(reason.eliding_allocs)})")
        parts.append(f"{format_allocs(reason.cpp_allocs)} operator new per op{size} (counting pass): a coroutine "
                     f"frame or a task's shared state on every call, which {BASE_COMPILER} does not elide{elision}")
        parts.append(".NET allocates nothing here (MemoryDiagnoser: 0 B/op)" if is_zero(reason.dotnet_bytes) else
                     f".NET allocates {reason.dotnet_bytes:.0f} B/op by bumping a pointer and collects later "
                     f"({reason.dotnet_gen0_per_1k_ops:.2f} gen-0 collections per 1000 ops)")
    elif is_zero(reason.dotnet_bytes):
        parts.append("no allocation in either language (counting pass, MemoryDiagnoser)")
    if reason.instructions is not None:
        beyond = (f", {reason.instructions - reason.floor_instructions:.0f} more than "
                  f"{FLOOR_IMPLEMENTATION}'s {reason.floor_instructions:.0f} (the driver and the lookup)"
                  if reason.floor_instructions is not None else "")
        parts.append(f"cachegrind: {reason.instructions:.0f} instructions/op{beyond}")
    if reason.fastest_allocator is not None:
        allocator, time = reason.fastest_allocator
        parts.append(f"under {allocator} {format_ns(time)}, {time.median / dotnet_time:.2f}x .NET")
    if reason.other_handle is not None:
        parts.append(other_handle_text(reason.other_handle))
    if not allocates and reason.instructions is None:
        parts.append("no cachegrind figures for it in this run: where the time goes is not in the run's data")
    return "; ".join(parts)


def other_handle_text(other: Comparison) -> str:
    """Whether the other handle type is behind at the same depth too: then the gap is the call's."""
    figures = (f"{other.form} at {other.path}: {format_ns(other.cpp_time)} against .NET's "
               f"{ns_text(other.dotnet)}, {ratio_text(other)}")
    if other.standing == BEHIND:
        return f"{figures}, behind too: the gap is the C++ call's, not this handle's"
    if other.standing == NOT_COMPARED:
        return f"{figures}, not compared (machine state): the call's share is not in the run's data"
    return f"{figures}, not behind ({other.standing}): the gap is this handle's"


def cpp_time_text(bench: Benchmark) -> str:
    assert bench.real_time_ns is not None
    return format_ns(bench.real_time_ns) + ("" if bench.timed_in_fast_state else f" {CPP_SLOW_STATE_MARK}")


def state_text(comparison: Comparison) -> str:
    if not comparison.cpp.timed_in_fast_state:
        return f"C++ {CPP_SLOW_STATE_MARK} not known fast: not comparable"
    if not comparison.dotnet.timed_in_fast_state:
        return f".NET {NOT_FAST_MARK} not known fast: not comparable"
    return "both fast"


def ratio_text(comparison: Comparison) -> str:
    if comparison.ratio is None:
        return "-"
    significant = comparison.p_value is not None and comparison.p_value < SIGNIFICANCE_ALPHA
    return f"{comparison.ratio:.2f}x{'*' if significant else ''}"


def comparison_row(run: Run, comparison: Comparison, compared: Sequence[Comparison]) -> list[str]:
    allocs, size = comparison.cpp_allocs, comparison.cpp_bytes
    why = (reason_text(behind_reason(run, comparison, compared), comparison.dotnet.ns_per_op)
           if comparison.standing == BEHIND else "")
    return [comparison.scenario, comparison.form, comparison.path, cpp_time_text(comparison.cpp),
            ns_text(comparison.dotnet), "-" if allocs is None else format_allocs(allocs),
            "-" if size is None else f"{size:.0f}", f"{comparison.dotnet.bytes_per_op:.0f}", ratio_text(comparison),
            state_text(comparison), comparison.standing, why]


def allocator_cell(bench: Benchmark, dotnet: Row) -> str:
    assert bench.real_time_ns is not None
    ratio = f", {bench.real_time_ns.median / dotnet.ns_per_op:.2f}x .NET" if dotnet.ns_per_op > 0 else ""
    return cpp_time_text(bench) + ratio


def allocator_lines(run: Run, comparisons: list[Comparison]) -> list[str]:
    """The hit-path rows that allocate in C++: their C++ time under every allocator measured, beside .NET's."""
    allocating = [comparison for comparison in comparisons if comparison.allocates_on_the_hit_path()]
    if not allocating:
        return [f"No form allocates in C++ on the hit path ({HIT_PATH_PERCENT} % hits) in this run.", ""]
    times = {comparison.name: allocator_times(run, comparison) for comparison in allocating}
    allocators = [allocator for allocator in run.allocators() if any(allocator in each for each in times.values())]
    rows = [[comparison.form, format_allocs(comparison.cpp_allocs or 0.0), ns_text(comparison.dotnet)]
            + [allocator_cell(times[comparison.name][allocator], comparison.dotnet)
               if allocator in times[comparison.name] else "-" for allocator in allocators]
            for comparison in allocating]
    intro = (f"Where the C++ cost on the hit path ({HIT_PATH_PERCENT} % hits) is the allocator: the forms that "
             f"allocate there in C++, timed under every allocator the run measured ({BASE_COMPILER}, each its own "
             f"timing pass; {CPP_SLOW_STATE_MARK} as above), each against .NET's time.")
    return [intro, ""] + table(["implementation", "C++ allocs/op", ".NET"]
                               + [f"{BASE_COMPILER}-{allocator}" for allocator in allocators], rows)


def section(run: Run) -> list[str]:
    heading = [f"## {TITLE}", ""]
    if run.dotnet is None:
        return heading + [f".NET not measured ({not_measured_reason(run)}): no comparison.", ""]
    comparisons = compared_rows(run)
    if not comparisons:
        return heading + [f"No benchmark ran in both {base_name()} and the .NET side under the same name.", ""]
    intro = (f"Every form and path both languages measure under the same benchmark name (cache_lookup at "
             f"{', '.join(map(str, run.vocabulary.sweep(PATHS_SWEEP)))} % hits, {PAYLOAD} payload, async db; "
             f"copy_cost at each depth): C++ is {base_name()}, its time the median of the timing pass's fast-state "
             f"repetitions and its allocations the counting pass's; .NET is the median of BenchmarkDotNet's "
             f"fast-state iterations and MemoryDiagnoser's bytes. The ratio is C++ time / .NET time, * where the U "
             f"test over the C++ repetitions and the .NET iterations gives p < {SIGNIFICANCE_ALPHA:g}. Each side "
             f"takes its time over what its own machine-state probe found in the fast state, so a row compares the "
             f"same state; a row is not judged where a side has nothing in the fast state ({NOT_FAST_MARK}: the "
             f".NET benchmark; {CPP_SLOW_STATE_MARK}: the C++ benchmark). Where C++ is behind, the reason is "
             f"the run's own figures: the counting pass, MemoryDiagnoser, callgrind.json, the other allocators "
             f"and, for copy_cost, the other handle at the same depth.")
    rows = [comparison_row(run, comparison, comparisons) for comparison in comparisons]
    lines = heading + [intro, ""] + table(
        ["scenario", "form", "path", "C++ time/op", ".NET time/op", "C++ allocs/op", "C++ B/op", ".NET B/op",
         "C++ / .NET", "machine state", "verdict", "why C++ is behind"], rows)
    if caveats := slow_state_notes([comparison.dotnet for comparison in comparisons]):
        lines += [f"- {caveat}" for caveat in caveats] + [""]
    return lines + allocator_lines(run, comparisons)
