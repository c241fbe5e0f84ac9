"""REPORT.md's "GCC vs Clang: coroutine frame elision": allocations per operation of every
implementation and hit ratio under both compilers (glibc), and what Clang removed or
added, with the library's reason where it documents one."""

from __future__ import annotations

from benchmark_file import cache_sweep
from formats import format_allocs
from reporting.common import ALLOC_EPSILON, BASE_COMPILER, BASELINE_ALLOCATOR, ELIDING_COMPILER, counter, is_zero
from tables import table
from vocabulary import order_key
from vtb_results import Run, config_name

TITLE = "GCC vs Clang: coroutine frame elision"
# Why an implementation's frame can be elided, as the library documents it (impl/include/vtb/).
ELIDABLE_SHAPES = {
    "lazy_task": "lazy_task is the shape impl/include/vtb/lazy_task.hpp documents as elidable: a lazy, uniquely "
                 "owned task awaited at once by a caller that does not catch exceptions across the await (the "
                 "benchmark's driver terminates instead, scenarios/drivers.hpp), so the caller sees the frame's "
                 "whole lifetime.",
}
TASK_NOT_ELIDED = ("task keeps its allocation under both compilers: its frame holds vtb::Task's shared, "
                   "reference-counted state, which is never elided.")

AllocsByHit = dict[str, dict[int, float]]
Changes = dict[str, list[tuple[int, float, float]]]  # implementation -> [(hit, gcc, clang)]


def allocs_by_hit(run: Run, compiler: str) -> AllocsByHit:
    """implementation -> hit % -> median allocs/op of cache_lookup under compiler + glibc (int payload, async db)."""
    bench_file = run.config(compiler, BASELINE_ALLOCATOR)
    if bench_file is None:
        return {}
    return {impl: {hit: allocs for hit, bench in points if (allocs := counter(bench, "allocs_per_op")) is not None}
            for impl, points in cache_sweep(bench_file).items()}


def elision_cell(gcc: float | None, clang: float | None) -> str:
    """'1.00 / 0.00 (-1.00)': gcc / clang (clang - gcc), bold when Clang allocates less."""
    if gcc is None or clang is None:
        return f"{'-' if gcc is None else format_allocs(gcc)} / {'-' if clang is None else format_allocs(clang)}"
    difference = clang - gcc
    text = f"{format_allocs(gcc)} / {format_allocs(clang)} " \
           f"({format_allocs(0.0) if is_zero(difference) else f'{difference:+.2f}'})"
    return f"**{text}**" if difference < -ALLOC_EPSILON else text


def allocs_changes(changes: list[tuple[int, float, float]], hits: list[int]) -> str:
    """'1.00 -> 0.00 allocs/op at every hit ratio measured (0, 100 %)', or per hit:
    '2.00 -> 1.00 at 0 %; 1.00 -> 0.00 at 100 %'."""
    by_pair: dict[tuple[str, str], list[int]] = {}
    for hit, gcc, clang in changes:
        by_pair.setdefault((format_allocs(gcc), format_allocs(clang)), []).append(hit)
    if len(by_pair) == 1 and next(iter(by_pair.values())) == hits:
        (gcc, clang), = by_pair
        return f"{gcc} -> {clang} allocs/op at every hit ratio measured ({', '.join(map(str, hits))} %)"
    return "; ".join(f"{gcc} -> {clang} at {', '.join(map(str, pair_hits))} %"
                     for (gcc, clang), pair_hits in by_pair.items())


def differences(gcc: AllocsByHit, clang: AllocsByHit, order: tuple[str, ...]) -> tuple[Changes, Changes,
                                                                                        dict[str, list[int]]]:
    """(what Clang removed, what it added, the hit ratios both measured), per implementation."""
    removed: Changes = {}
    added: Changes = {}
    common_hits: dict[str, list[int]] = {}
    for impl in sorted(set(gcc) & set(clang), key=order_key(order)):
        common_hits[impl] = sorted(set(gcc[impl]) & set(clang[impl]))
        for hit in common_hits[impl]:
            before, after = gcc[impl][hit], clang[impl][hit]
            if after < before - ALLOC_EPSILON:
                removed.setdefault(impl, []).append((hit, before, after))
            elif after > before + ALLOC_EPSILON:
                added.setdefault(impl, []).append((hit, before, after))
    return removed, added, common_hits


def elision_summary(gcc: AllocsByHit, clang: AllocsByHit, order: tuple[str, ...]) -> str:
    """The sentences under the elision table: what Clang removed (or added), and why, per the library."""
    removed, added, common_hits = differences(gcc, clang, order)
    if not removed and not added:
        return ("No implementation's allocs/op differ between gcc and clang at any hit ratio measured: "
                "Clang removed no allocation that GCC keeps.")
    sentences = []
    if removed:
        sentences.append("Clang removed an allocation that GCC keeps in " + "; ".join(
            f"{impl} ({allocs_changes(changes, common_hits[impl])})" for impl, changes in removed.items()) + ".")
        sentences += [ELIDABLE_SHAPES[impl] for impl in removed if impl in ELIDABLE_SHAPES]
        undocumented = [impl for impl in removed if impl not in ELIDABLE_SHAPES]
        if undocumented:
            sentences.append(f"The library documents no elidable shape for {', '.join(undocumented)}.")
    if added:
        sentences.append("Clang allocates more than GCC in " + "; ".join(
            f"{impl} ({allocs_changes(changes, common_hits[impl])})" for impl, changes in added.items()) + ".")
    task_kept = "task" in common_hits and "task" not in removed and any(
        not is_zero(clang["task"][hit]) for hit in common_hits["task"])
    if task_kept:
        sentences.append(TASK_NOT_ELIDED)
    return " ".join(sentences)


def section(run: Run) -> list[str]:
    heading = [f"## {TITLE}", ""]
    gcc, clang = allocs_by_hit(run, BASE_COMPILER), allocs_by_hit(run, ELIDING_COMPILER)
    missing = [config_name(compiler, BASELINE_ALLOCATOR)
               for compiler, sweep in ((BASE_COMPILER, gcc), (ELIDING_COMPILER, clang)) if not sweep]
    if missing:
        return heading + [f"The run lacks cache_lookup allocs_per_op (int payload, async db) in "
                          f"{' and '.join(missing)}: the comparison needs both compilers with glibc.", ""]
    order = run.vocabulary.implementation_names()
    implementations = sorted(set(gcc) | set(clang), key=order_key(order))
    hits = sorted({hit for sweep in (gcc, clang) for points in sweep.values() for hit in points})
    rows = [[impl] + [elision_cell(gcc.get(impl, {}).get(hit), clang.get(impl, {}).get(hit)) for hit in hits]
            for impl in implementations]
    intro = ("Allocations per operation of cache_lookup (int payload, async db, glibc) under gcc / clang, with the "
             "difference clang - gcc in brackets; bold: Clang allocates less, i.e. it elided an allocation.")
    return heading + [intro, ""] + table(["implementation"] + [f"hit {hit} %" for hit in hits], rows) + \
        [elision_summary(gcc, clang, order), ""]
