"""REPORT.md's "Two threads at once": cache_lookup_mt beside the single-thread figure of
the same implementation and hit ratio, and whether the pooled implementations (as the
vocabulary marks them) stay allocation-free with several threads sharing the pools."""

from __future__ import annotations

from dataclasses import dataclass

from benchmark_file import Benchmark, cache_sweep
from formats import format_allocs, format_ns
from reporting.common import BASE_COMPILER, BASELINE_ALLOCATOR, base_name, cache, counter, is_zero, median_text, recorded
from stats import slower
from tables import table
from vtb_results import Run

TITLE = "Two threads at once (cache_lookup_mt, claim C10)"

Concurrent = dict[str, list[tuple[int, Benchmark]]]


@dataclass
class PooledUnderThreads:
    """One pooled implementation on several threads: its allocations, and its time against one thread's."""

    implementation: str
    allocs: list[tuple[int, float]]     # (hit, allocs/op on several threads)
    ratios: list[float]                 # several threads' time / one thread's, per hit ratio timed both ways
    higher: int                         # hit ratios where several threads are significantly slower
    lower: int                          # ... significantly faster


def pooled_under_threads(run: Run, concurrent: Concurrent) -> list[PooledUnderThreads]:
    found = []
    for impl in run.vocabulary.pooled_implementations():
        points = [(hit, bench, cache(run, impl, hit)) for hit, bench in concurrent.get(impl, [])]
        allocs = [(hit, value) for hit, bench, _ in points if (value := counter(bench, "allocs_per_op")) is not None]
        if not allocs:
            continue
        paired = [(bench.real_time_ns, single.real_time_ns) for _, bench, single in points
                  if single is not None and bench.real_time_ns is not None and single.real_time_ns is not None]
        found.append(PooledUnderThreads(impl, allocs, [two.median / one.median for two, one in paired],
                                        sum(slower(two, one) for two, one in paired),
                                        sum(slower(one, two) for two, one in paired)))
    return found


def summary(run: Run, concurrent: Concurrent) -> str:
    """Whether the pooled forms stay allocation-free on several threads, and how their time per op changes."""
    threads = sorted({bench.params.get("threads", "several") for points in concurrent.values() for _, bench in points})
    parts = []
    for pooled in pooled_under_threads(run, concurrent):
        hits = ", ".join(str(hit) for hit, _ in pooled.allocs)
        worst_hit, worst = max(pooled.allocs, key=lambda point: point[1])
        if is_zero(worst):
            residue = f"; at most {worst:.1g} measured" if worst > 0 else ""
            text = f"stays at 0 allocs/op at every hit ratio ({hits} %{residue})"
        else:
            text = f"does not stay at 0 allocs/op: {format_allocs(worst)} at {worst_hit} %"
        if pooled.ratios:
            text += (f", and its time per operation is {min(pooled.ratios):.2f}-{max(pooled.ratios):.2f}x the "
                     f"single-thread figure (of its {len(pooled.ratios)} hit ratios, {pooled.higher} significantly "
                     f"higher and {pooled.lower} significantly lower)")
        parts.append(f"{pooled.implementation} {text}")
    if not parts:
        return f"Neither {' nor '.join(run.vocabulary.pooled_implementations())} ran on several threads, so " \
               f"pooling under concurrency is not judged."
    return f"On {' or '.join(threads)} threads " + "; ".join(parts) + "."


def section(run: Run) -> list[str]:
    heading = [f"## {TITLE}", ""]
    bench_file = run.config(BASE_COMPILER, BASELINE_ALLOCATOR)
    concurrent = cache_sweep(bench_file, scenario="cache_lookup_mt") if bench_file else {}
    if not concurrent:
        return heading + [f"The run lacks cache_lookup_mt (int payload, async db) in {base_name()}.", ""]
    rows = []
    for impl, points in concurrent.items():
        for hit, bench in points:
            single = cache(run, impl, hit)
            both = single is not None and single.real_time_ns is not None and bench.real_time_ns is not None
            rows.append([impl, hit, bench.params.get("threads", "-"),
                         format_ns(single.real_time_ns) if both else "absent",
                         format_ns(bench.real_time_ns) if bench.real_time_ns else "-",
                         f"{bench.real_time_ns.median / single.real_time_ns.median:.2f}x" if both else "-",
                         median_text(single, "allocs_per_op", format_allocs) if single else "absent",
                         median_text(bench, "allocs_per_op", format_allocs)])
    machine = run.meta.get("machine") if isinstance(run.meta.get("machine"), dict) else {}
    intro = (f"cache_lookup_mt runs the same lookup on each of several threads at once (each thread with its own "
             f"cache and loop; allocator and pools shared); {base_name()}, int payload, async db, on a machine with "
             f"{recorded(machine, 'cores')} cores. Its time is real (wall-clock) time per operation on each thread; "
             f"allocs/op counts every thread's allocations over every thread's operations.")
    return heading + [intro, ""] + table(
        ["implementation", "hit %", "threads", "1 thread ns/op", "N threads ns/op (real time)", "N / 1 time",
         "1 thread allocs/op", "N threads allocs/op"], rows) + [summary(run, concurrent), ""]
