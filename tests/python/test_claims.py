"""Tests of the claims (scripts/reporting/claims_*.py, registered in claim_registry.py): each claim's C++
verdict, figures and nuance computed as data (a ClaimResult) on the fixture run and on small made-up runs,
without rendering; then REPORT.md as scripts/report.py writes it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_RUN, FIXTURES, cache_entries, made_up_run, repetitions, run_script

import vtb_results
from reporting import claims
from reporting import claim_registry
from reporting.claim_registry import CLAIMS, ClaimResult, cpp_result
from reporting.claims_misuse import AS_TASK_RULE, MISUSE_RULES
from reporting.against_dotnet import TITLE as AGAINST_DOTNET_TITLE
from reporting.concurrency import TITLE as CONCURRENCY_TITLE
from reporting.elision import TITLE as ELISION_TITLE
from reporting.multi_await import TITLE as MULTI_AWAIT_TITLE
from reporting.service import TITLE as SERVICE_TITLE
from reporting.service_dotnet import TITLE as SERVICE_DOTNET_TITLE
from verdicts import NO_DATA, NOT_REPRODUCED, NUANCE, REPRODUCED
from vtb_results import Run


def figures(answer: ClaimResult) -> str:
    return "; ".join(answer.figures)


def claim(claim_id: str, run: Run) -> ClaimResult:
    """One claim's C++ answer, as data."""
    return cpp_result(run, claim_id)


@pytest.fixture(scope="module")
def fixture_rows() -> dict[str, ClaimResult]:
    run = vtb_results.load_run(FIXTURE_RUN)
    return {claim_id: cpp for claim_id, (cpp, _) in claims.evaluate(run).items()}


def test_there_is_one_registered_claim_per_id_in_order_with_both_answers(fixture_rows: dict[str, ClaimResult]) -> None:
    assert list(fixture_rows) == [f"C{number}" for number in range(1, 11)]
    assert all(registered.text and registered.dotnet is not None for registered in CLAIMS.values())


@pytest.mark.parametrize("claim_id, verdict, expected", [
    ("C1", NUANCE, ["completed task state: 80 B", "suspended task frame: 152 B", "fiber: 131,200 B",
                           "goroutine: 2,732 B (measured)"]),
    ("C2", REPRODUCED, ["completed_task 0.00", "from_result_cached 0.00", "from_result_uncached 1.00",
                               "from_exception 1.00"]),
    ("C3", REPRODUCED, ["task 1.00 allocs/op", "task_from_result 1.00 allocs/op"]),
    ("C4", NUANCE, ["value_task 0.00 allocs/op",
                           "value_task_coroutine gcc 1.00 allocs/op, clang 1.00 allocs/op",
                           "lazy_task gcc 1.00 allocs/op, clang 0.00 allocs/op"]),
    ("C5", REPRODUCED, ["value_task 445.0 ns (438.3-458.4) vs task 420.0 ns (413.7-432.6), ratio 1.06",
                               "2.00 allocs/op vs 2.00 allocs/op"]),
    ("C6", REPRODUCED, ["value_task_source 0.00, pooled_value_task 0.00", "value_task_source 395.0 ns (389.1-406.9)",
                               "value_task at hit:0 2.00 allocs/op"]),
    ("C7", REPRODUCED, ["sizeof: task 8 B, value_task_inline 16 B",
                               "depth:1: value_task 2.1 ns (2.1-2.2) vs task 1.6 ns (1.6-1.6)",
                               "depth:8: value_task 9.8 ns (9.7-10.1) vs task 6.4 ns (6.3-6.6)"]),
    ("C9", NO_DATA, ["multi_await completed, 16 awaiters: as_task 160.0 ns (157.6-164.8), 1.00 allocs/op "
                            "vs task 150.0 ns (147.8-154.5), 1.00 allocs/op",
                            "multi_await pending, 16 awaiters: as_task 2000.0 ns (1970.0-2060.0), 2.00 allocs/op"]),
    ("C10", REPRODUCED, ["fewer allocs/op from 50 % hits", "significantly faster from 90 % hits",
                                "gain -25.0 ns at 0 %, 29.0 ns at 100 %", "pooled_value_task 438.0 ns (431.4-451.1)"]),
])
def test_fixture_claims_show_the_fixture_figures(fixture_rows: dict[str, ClaimResult], claim_id: str,
                                                 verdict: str, expected: list[str]) -> None:
    row = fixture_rows[claim_id]
    assert row.verdict == verdict, row
    for figure in expected:
        assert figure in figures(row), row.figures


def test_claims_without_data_say_which_data(fixture_rows: dict[str, ClaimResult]) -> None:
    assert fixture_rows["C8"].verdict == NO_DATA
    assert "misuse.json" in fixture_rows["C8"].nuance
    assert "is_completed rule for value tasks in misuse.json" in fixture_rows["C9"].nuance


def test_c10_says_whether_pooling_raises_throughput(fixture_rows: dict[str, ClaimResult]) -> None:
    explanation = fixture_rows["C10"].nuance
    assert "pooled_value_task only cuts allocations (2.00 -> 0.00 allocs/op)" in explanation
    assert "value_task_source raises throughput and cuts allocations" in explanation


def test_a_cache_lookup_only_run_has_no_data_for_the_other_claims(run_copy: Path) -> None:
    bench_path = run_copy / "bench" / "gcc-glibc.json"
    document = json.loads(bench_path.read_text())
    document["benchmarks"] = [entry for entry in document["benchmarks"] if entry["name"].startswith("cache_lookup/")]
    bench_path.write_text(json.dumps(document))
    counts_path = run_copy / "counts" / "gcc-glibc.json"
    counted = json.loads(counts_path.read_text())
    counted["benchmarks"] = [entry for entry in counted["benchmarks"] if entry["name"].startswith("cache_lookup/")]
    counts_path.write_text(json.dumps(counted))
    (run_copy / "goroutine.json").unlink()
    run = vtb_results.load_run(run_copy)
    verdicts = {claim_id: cpp for claim_id, (cpp, _) in claims.evaluate(run).items()}
    assert [claim_id for claim_id, row in verdicts.items() if row.verdict == NO_DATA] == \
        ["C1", "C2", "C7", "C8", "C9"]
    assert "factory/kind:completed_task and factory/kind:from_result_cached in gcc-glibc" in verdicts["C2"].nuance
    assert "footprint handle_sizeof" in verdicts["C7"].nuance
    assert "multi_await via:as_task and via:task in gcc-glibc" in verdicts["C9"].nuance


def test_misuse_file_turns_c8_and_c9_into_verdicts(run_copy: Path) -> None:
    shutil.copy(FIXTURES / "misuse.json", run_copy / "misuse.json")
    run = vtb_results.load_run(run_copy)
    c8, c9 = claim("C8", run), claim("C9", run)
    assert c8.verdict == REPRODUCED, c8
    assert "await_twice: detected by value_task_inline, value_task_wrapping_task, value_task_source, " \
           "pooled_value_task" in figures(c8)
    assert "concurrent_await: detected by value_task_wrapping_task, value_task_source, pooled_value_task" in figures(c8)
    assert c9.verdict == REPRODUCED, c9
    assert "is_completed check: value_task_inline allowed, value_task_wrapping_task allowed, value_task_source " \
           "allowed, pooled_value_task allowed" in figures(c9)
    assert "as_task_many_awaits: value_task_inline allowed" in figures(c9)


def test_c8_nuance_when_a_value_task_tolerates_a_misuse(tmp_path: Path) -> None:
    results = {"task": {"outcome": "allowed", "message": ""},
               "value_task_source": {"outcome": "detected", "message": "stale"},
               "pooled_value_task": {"outcome": "undetected", "message": ""}}
    rules = [{"rule": rule, "results": results} for rule in MISUSE_RULES]
    row = claim("C8", made_up_run(tmp_path, cache_entries("task", 0, [1.0], 1.0), misuse={"rules": rules}))
    assert row.verdict == NUANCE
    assert "pooled_value_task (await_twice: undetected)" in row.nuance


def test_c8_not_reproduced_when_task_refuses_a_misuse(tmp_path: Path) -> None:
    rules = [{"rule": rule, "results": {"task": {"outcome": "detected" if rule == "await_twice" else "allowed",
                                                 "message": "no"},
                                        "value_task_inline": {"outcome": "detected", "message": "stale"}}}
             for rule in MISUSE_RULES]
    run = made_up_run(tmp_path, cache_entries("task", 0, [1.0], 1.0), misuse={"rules": rules})
    row = claim("C8", run)
    assert row.verdict == NOT_REPRODUCED
    assert "Task refuses await_twice" in row.nuance


def test_c8_reproduced_when_every_value_task_detects_everything(tmp_path: Path) -> None:
    rules = [{"rule": rule, "results": {"task": {"outcome": "allowed", "message": ""},
                                        "value_task_source": {"outcome": "detected", "message": "stale"}}}
             for rule in MISUSE_RULES]
    run = made_up_run(tmp_path, cache_entries("task", 0, [1.0], 1.0), misuse={"rules": rules})
    assert claim("C8", run).verdict == REPRODUCED


def test_c1_not_reproduced_for_a_heavy_task_and_no_data_without_factory(tmp_path: Path) -> None:
    heavy = made_up_run(tmp_path / "a", repetitions("factory/kind:from_result_uncached", [20.0], bytes_per_op=600.0))
    assert claim("C1", heavy).verdict == NOT_REPRODUCED
    bare = made_up_run(tmp_path / "b", cache_entries("task", 0, [1.0], 1.0))
    row = claim("C1", bare)
    assert row.verdict == NO_DATA and "factory/kind:from_result_uncached" in row.nuance


def test_c1_reproduced_inside_the_dotnet_range(tmp_path: Path) -> None:
    run = made_up_run(tmp_path, repetitions("factory/kind:from_result_uncached", [20.0], bytes_per_op=72.0)
                      + repetitions("footprint/form:task", [20.0], bytes_per_op=120.0),
                      goroutine={"available": False, "reason": "go not installed"})
    row = claim("C1", run)
    assert row.verdict == REPRODUCED
    assert "goroutine: not measured (go not installed), the article's 2,048 B used" in figures(row)


def test_c2_not_reproduced_when_a_cached_result_allocates(tmp_path: Path) -> None:
    run = made_up_run(tmp_path, repetitions("factory/kind:completed_task", [1.0], allocs_per_op=1.0)
                      + repetitions("factory/kind:from_result_uncached", [1.0], allocs_per_op=1.0))
    row = claim("C2", run)
    assert row.verdict == NOT_REPRODUCED and "completed_task" in row.nuance


def test_c3_not_reproduced_when_the_task_frame_is_elided(tmp_path: Path) -> None:
    run = made_up_run(tmp_path, cache_entries("task", 100, [5.0], 0.0))
    assert claim("C3", run).verdict == NOT_REPRODUCED


def test_c4_verdicts(tmp_path: Path) -> None:
    allocating = made_up_run(tmp_path / "a", cache_entries("value_task", 100, [5.0], 0.5))
    assert claim("C4", allocating).verdict == NOT_REPRODUCED
    clean = made_up_run(tmp_path / "b", cache_entries("value_task", 100, [5.0], 0.0)
                        + cache_entries("value_task_coroutine", 100, [9.0], 0.0))
    assert claim("C4", clean).verdict == REPRODUCED
    both_allocate = made_up_run(tmp_path / "c", cache_entries("value_task", 100, [5.0], 0.0)
                                + cache_entries("value_task_coroutine", 100, [9.0], 1.0),
                                clang=cache_entries("value_task_coroutine", 100, [9.0], 1.0))
    row = claim("C4", both_allocate)
    assert row.verdict == NUANCE
    assert "under gcc (1.00) and clang (1.00): Clang does not elide it." in row.nuance
    assert "lazy_task" not in figures(row) and "lazy_task" not in row.nuance


def test_c4_reports_what_clang_does_with_lazy_task(tmp_path: Path) -> None:
    def frames(coroutine: float, lazy: float) -> list[dict]:
        return cache_entries("value_task_coroutine", 100, [9.0], coroutine) + cache_entries("lazy_task", 100, [8.0], lazy)
    gcc = cache_entries("value_task", 100, [5.0], 0.0) + frames(1.0, 1.0)
    elided = claim("C4", made_up_run(tmp_path / "a", gcc, clang=frames(0.0, 0.0)))
    assert "lazy_task gcc 1.00 allocs/op, clang 0.00 allocs/op" in figures(elided)
    assert "under gcc (1.00): clang elides it (0.00)." in elided.nuance
    assert "Clang does remove lazy_task's frame (gcc 1.00, clang 0.00" in elided.nuance
    kept = claim("C4", made_up_run(tmp_path / "b", gcc, clang=frames(1.0, 1.0)))
    assert "Clang keeps lazy_task's frame too (gcc 1.00, clang 1.00)" in kept.nuance
    gcc_only = claim("C4", made_up_run(tmp_path / "c", gcc))
    assert "clang was not measured" in gcc_only.nuance and "lazy_task" not in figures(gcc_only)


@pytest.mark.parametrize("value_task_times, verdict", [
    ([99.0, 100.0, 101.0, 102.0, 103.0], REPRODUCED),      # no significant difference from task
    ([115.0, 116.0, 117.0, 118.0, 119.0], REPRODUCED),     # +16 %: slightly more
    ([150.0, 151.0, 152.0, 153.0, 154.0], NOT_REPRODUCED),  # +51 %
    ([60.0, 61.0, 62.0, 63.0, 64.0], NOT_REPRODUCED),       # much faster
])
def test_c5_ratio_limits(tmp_path: Path, value_task_times: list[float], verdict: str) -> None:
    run = made_up_run(tmp_path, cache_entries("task", 0, [95.0, 98.0, 100.0, 102.0, 105.0], 2.0)
                      + cache_entries("value_task", 0, value_task_times, 2.0))
    assert claim("C5", run).verdict == verdict


def test_c6_nuance_when_only_the_pooled_frames_avoid_allocation(tmp_path: Path) -> None:
    entries = []
    for hit in (0, 100):
        entries += cache_entries("value_task_source", hit, [50.0], 1.0 if hit == 0 else 0.0)
        entries += cache_entries("pooled_value_task", hit, [50.0], 0.0)
    row = claim("C6", made_up_run(tmp_path, entries))
    assert row.verdict == NUANCE
    assert "max allocs/op over hits value_task_source 1.00, pooled_value_task 0.00" in figures(row)
    assert "pooled_value_task never allocates, but value_task_source still does" in row.nuance
    assert "coroutine's frame needs a pool too" in row.nuance


def test_c7_nuance_when_copying_costs_nothing_measurable(tmp_path: Path) -> None:
    entries = (repetitions("footprint/form:task", [1.0], handle_sizeof=8.0)
               + repetitions("footprint/form:value_task_inline", [1.0], handle_sizeof=16.0)
               + repetitions("copy_cost/type:task/depth:4", [3.0, 3.2, 3.4])
               + repetitions("copy_cost/type:value_task/depth:4", [3.1, 3.3, 3.5]))
    row = claim("C7", made_up_run(tmp_path, entries))
    assert row.verdict == NUANCE and "through 4 calls" in row.nuance


def multi_await_run(tmp_path: Path, pending_as_task_allocs: float, is_completed_outcome: str) -> Run:
    entries = (repetitions("multi_await/via:task/state:pending/awaiters:4", [600.0], allocs_per_op=2.0)
               + repetitions("multi_await/via:as_task/state:pending/awaiters:4", [650.0],
                             allocs_per_op=pending_as_task_allocs)
               + repetitions("multi_await/via:task/state:pending/awaiters:32", [4000.0], allocs_per_op=2.0)
               + repetitions("multi_await/via:as_task/state:pending/awaiters:32", [4100.0], allocs_per_op=2.0))
    rule = {"rule": "is_completed", "results": {"task": {"outcome": "allowed", "message": ""},
                                                "value_task_inline": {"outcome": is_completed_outcome,
                                                                      "message": ""}}}
    return made_up_run(tmp_path, entries, misuse={"rules": [rule]})


def test_c9_verdicts(tmp_path: Path) -> None:
    same = claim("C9", multi_await_run(tmp_path / "a", 2.0, "allowed"))
    assert same.verdict == REPRODUCED
    assert "multi_await pending, 32 awaiters: as_task 4100.0 ns (4100.0-4100.0)" in figures(same)
    # The extra allocation at 4 awaiters counts although the figure shows 32.
    extra_allocation = claim("C9", multi_await_run(tmp_path / "b", 3.0, "allowed"))
    assert extra_allocation.verdict == NUANCE
    assert "allocates up to 1.00 more times per op" in extra_allocation.nuance
    unsafe = claim("C9", multi_await_run(tmp_path / "c", 2.0, "undetected"))
    assert unsafe.verdict == NOT_REPRODUCED and "fails for value_task_inline (is_completed)" in unsafe.nuance


def test_c9_not_reproduced_when_as_task_cannot_be_awaited_many_times(tmp_path: Path) -> None:
    run = multi_await_run(tmp_path, 2.0, "allowed")
    run.misuse["rules"].append({"rule": AS_TASK_RULE, "results": {
        "value_task_inline": {"outcome": "undetected", "message": "the second await returned 0"}}})
    row = claim("C9", run)
    assert row.verdict == NOT_REPRODUCED and "fails for value_task_inline (as_task_many_awaits)" in row.nuance


def test_c10_not_reproduced_when_value_task_never_pulls_ahead(tmp_path: Path) -> None:
    entries = []
    for hit in (0, 50, 100):
        entries += cache_entries("task", hit, [100.0, 101.0, 102.0], 1.0)
        entries += cache_entries("value_task", hit, [100.0, 101.0, 102.0], 1.0)
    row = claim("C10", made_up_run(tmp_path, entries))
    assert row.verdict == NOT_REPRODUCED
    assert "never fewer allocs/op" in figures(row) and "never faster" in figures(row)
    assert "pooling could not be judged" in row.nuance


def test_a_claim_is_added_in_one_place_and_rendered_by_the_one_renderer(run_copy: Path) -> None:
    shutil.copytree(FIXTURES / "dotnet" / "run", run_copy / "dotnet")
    registered = dict(CLAIMS)
    try:
        @claim_registry.claim("C11", "A registered claim is a row of the table")
        def c11(run: Run) -> ClaimResult:
            return claim_registry.result(["two figures", "of C11"], REPRODUCED, "Because it is registered.")
        run = vtb_results.load_run(run_copy)
        assert claims.evaluate(run)["C11"][0] == ClaimResult(("two figures", "of C11"), REPRODUCED,
                                                              "Because it is registered.")
        rows = [line for line in claims.section(run) if line.startswith("| C")]
        assert rows[-1] == ("| C11 | A registered claim is a row of the table | not measured (no .NET benchmark "
                            "answers this claim) | **not measured** | two figures; of C11 | **reproduced** | "
                            "Because it is registered. |")
        with pytest.raises(ValueError, match="claim C11 is registered twice"):
            claim_registry.claim("C11", "again")(c11)
    finally:
        CLAIMS.clear()
        CLAIMS.update(registered)


def test_report_file_embeds_only_existing_charts_and_the_tables(run_copy: Path) -> None:
    (run_copy / "charts").mkdir()
    (run_copy / "charts" / "latency.png").write_bytes(b"\x89PNG")
    finished = run_script("report.py", run_copy)
    assert finished.returncode == 0, finished.stderr
    text = (run_copy / "REPORT.md").read_text()
    assert "![latency](charts/latency.png)" in text
    assert "charts/allocs_per_op.png" not in text
    for row_start in [f"| C{number} |" for number in range(1, 11)]:
        assert row_start in text
    assert "| cache_lookup/impl:task/payload:int/db:async/hit:100 | 1.00 | 1.00 | yes |" in text
    assert "| gcc-glibc | cache_lookup/impl:value_task/payload:int/db:async/hit:100 | 41.0 | - | - | - | - | 9.0 ns (8.9-9.3) |" in text
    assert "| fiber | every configuration | 8 B | 131,200 B | 1.00 | 100,000 | its stack comes from operator " \
           "new" in text
    assert "Counting overhead" not in text and "**Method.** Every time comes from the timing pass" in text
    assert "## Allocators against glibc" in text and "## Curves that bend the wrong way" in text
    assert "| Wall time | 7 min 41 s |" in text
    assert "mimalloc (2.0.9)" in text and "built as DEBUG" in text
    assert "The run has no misuse.json" in text
    assert "No multi_await chart in charts/" in text
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == ["## Environment", "## Claims", "## The .NET side", f"## {AGAINST_DOTNET_TITLE}", "## Charts",
                        "## Curves that bend the wrong way", "## Allocators against glibc", "## A/A noise floor", f"## {ELISION_TITLE}",
                        f"## {CONCURRENCY_TITLE}", f"## {SERVICE_TITLE}", f"## {SERVICE_DOTNET_TITLE}",
                        f"## {MULTI_AWAIT_TITLE}", "## Footprint",
                        "## Misuse (claims C8, C9)", "## heaptrack cross-check",
                        "## Instructions, branches and cache misses per operation (cachegrind)"]
    assert [path.name for path in run_copy.iterdir() if path.name.startswith(".")] == []
