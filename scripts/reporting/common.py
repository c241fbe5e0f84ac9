"""What the report's claims and sections share: the configuration they read unless they
say otherwise (gcc + glibc, int payload, async db), lookups in it, and small formatting
helpers for figures that may be absent."""

from __future__ import annotations

from typing import Any, Callable

from benchmark_file import Benchmark, cache_sweep
from formats import format_allocs
from vtb_results import Run

BASE_COMPILER = "gcc"         # the configuration every claim reads unless it says otherwise
ELIDING_COMPILER = "clang"    # the compiler whose frame elision (HALO) C4 and the elision section compare
BASELINE_ALLOCATOR = "glibc"  # the system allocator: every other allocator is compared with it
ALLOC_EPSILON = 0.005         # allocs/op below this count as zero (averaged counters)


def base_name() -> str:
    return f"{BASE_COMPILER}-{BASELINE_ALLOCATOR}"


def find(run: Run, scenario: str, **params: str | int) -> Benchmark | None:
    """A benchmark of the base configuration."""
    return run.find(BASE_COMPILER, BASELINE_ALLOCATOR, scenario, **params)


def select(run: Run, scenario: str) -> list[Benchmark]:
    bench_file = run.config(BASE_COMPILER, BASELINE_ALLOCATOR)
    return bench_file.select(scenario) if bench_file else []


def sweep(run: Run, impl: str) -> dict[int, Benchmark]:
    """hit % -> cache_lookup benchmark of one implementation (base configuration, int, async)."""
    bench_file = run.config(BASE_COMPILER, BASELINE_ALLOCATOR)
    return dict(cache_sweep(bench_file).get(impl, [])) if bench_file else {}


def cache(run: Run, impl: str, hit: int, compiler: str = BASE_COMPILER) -> Benchmark | None:
    """cache_lookup of one implementation at one hit ratio (int payload, async db, glibc)."""
    return run.find(compiler, BASELINE_ALLOCATOR, "cache_lookup", impl=impl, payload="int", db="async", hit=hit)


def counter(bench: Benchmark | None, name: str) -> float | None:
    """Median of a counter, or None when the benchmark or the counter is absent."""
    spread = bench.counter(name) if bench else None
    return spread.median if spread else None


def is_zero(allocs: float) -> bool:
    return abs(allocs) < ALLOC_EPSILON


def allocs_text(value: float | None) -> str:
    return "absent" if value is None else f"{format_allocs(value)} allocs/op"


def median_text(bench: Benchmark, counter_name: str, fmt: Callable[[float], str]) -> str:
    spread = bench.counter(counter_name)
    return fmt(spread.median) if spread else "-"


def recorded(mapping: dict[str, Any], key: str) -> str:
    value = mapping.get(key)
    return "not recorded" if value in (None, "", []) else str(value)
