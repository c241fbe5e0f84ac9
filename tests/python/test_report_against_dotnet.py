"""Tests of REPORT.md's "C++ against .NET" (scripts/reporting/against_dotnet.py): the rows both languages
measure, the ratio, the machine-state marking, the reason where C++ is behind and the allocator columns, on a
small made-up run with a .NET side; and the section without a .NET side."""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, repetitions, write_run

import vtb_results
from reporting import against_dotnet
from reporting.against_dotnet import AHEAD, BEHIND, NOT_COMPARED, WITHIN_NOISE
from stats import Spread

FAST, SLOW = 1000.0, 2000.0   # calibration_ns of a repetition in the fast and in the slow machine state
TASK_HIT = "cache_lookup/impl:task/payload:int/db:async/hit:100"
COPY = "copy_cost/type:value_task/depth:1"


def cpp(name: str, times: list[float], calibration: float = FAST, **counters: float) -> list[dict[str, Any]]:
    return repetitions(name, times, calibration_ns=calibration, **counters)


def cache(impl: str, hit: int) -> str:
    return f"cache_lookup/impl:{impl}/payload:int/db:async/hit:{hit}"


def bdn(type_name: str, method: str, parameters: str, values: list[float], bytes_per_op: float,
        calibration: float = FAST) -> dict[str, Any]:
    """One BenchmarkDotNet full-export entry: its statistics over `values`, the values as its actual workload
    (and result) measurements of 1000 operations each, and "calibrations": what machine_state.json holds for
    it (write_dotnet moves them there)."""
    measurements = [{"IterationMode": "Workload", "IterationStage": stage, "IterationIndex": index,
                     "Operations": 1000, "Nanoseconds": value * 1000}
                    for stage in ("Actual", "Result") for index, value in enumerate(values, 1)]
    return {"Type": type_name, "MethodTitle": method, "Parameters": parameters, "FullName": f"{type_name}.{method}",
            "Statistics": {"Median": statistics.median(values), "Mean": statistics.mean(values), "Min": min(values),
                           "Max": max(values), "N": len(values), "OriginalValues": values},
            "Memory": {"TotalOperations": 1_000_000, "Gen0Collections": 30,
                       "BytesAllocatedPerOperation": bytes_per_op},
            "Measurements": measurements, "calibrations": [calibration] * len(values)}


def write_dotnet(directory: Path, benchmarks: list[dict[str, Any]]) -> None:
    (directory / "bdn" / "results").mkdir(parents=True)
    (directory / "meta.json").write_text(json.dumps({"runtime": ".NET 10.0.12", "benchmarkdotnet_version": "0.15.8",
                                                     "job": {"name": "test"}}))
    states = {}
    for benchmark in benchmarks:
        benchmark["FullName"] += f"({benchmark['Parameters']})"
        states[benchmark["FullName"]] = benchmark.pop("calibrations")
    (directory / "bdn" / "machine_state.json").write_text(json.dumps({"benchmarks": states}))
    (directory / "bdn" / "results" / "Vtbench.Benchmarks.Test-report-full.json").write_text(
        json.dumps({"Benchmarks": benchmarks}))


@pytest.fixture
def run(tmp_path: Path) -> vtb_results.Run:
    """gcc-glibc, gcc-mimalloc and clang-glibc beside a .NET side:
    task hit:100 behind (allocating; mimalloc faster), value_task hit:100 ahead, sync at both ends ahead,
    task hit:0 with its C++ repetitions in the slow state, value_task hit:0 with its .NET iterations in it,
    copy_cost value_task depth:1 within noise; a hit:50 and a string row that are not compared."""
    gcc_glibc = (cpp(cache("sync", 0), [2.2, 2.3, 2.1, 2.2, 2.4], allocs_per_op=0, bytes_per_op=0)
                 + cpp(cache("sync", 100), [1.8, 1.7, 1.9, 1.8, 1.8], allocs_per_op=0, bytes_per_op=0)
                 + cpp(TASK_HIT, [30.0, 31.0, 29.0, 30.5, 29.5], allocs_per_op=1, bytes_per_op=136)
                 + cpp(cache("task", 0), [110.0, 112.0, 111.0, 113.0, 109.0], SLOW, allocs_per_op=1,
                       bytes_per_op=136)
                 + cpp(cache("task", 50), [70.0, 71.0, 69.0, 70.0, 70.5], allocs_per_op=1, bytes_per_op=136)
                 + cpp(cache("value_task", 100), [2.3, 2.2, 2.4, 2.3, 2.5], allocs_per_op=0, bytes_per_op=0)
                 + cpp(cache("value_task", 0), [56.0, 57.0, 55.0, 56.5, 55.5], allocs_per_op=1, bytes_per_op=128)
                 + cpp(COPY, [1.0, 1.1, 0.9, 1.05, 0.95], allocs_per_op=0,
                       bytes_per_op=0))
    gcc_mimalloc = cpp(TASK_HIT, [21.0, 22.0, 20.0, 21.5, 20.5], allocs_per_op=1, bytes_per_op=136)
    clang_glibc = cpp(TASK_HIT, [25.0, 26.0, 24.0, 25.5, 24.5], allocs_per_op=1, bytes_per_op=136)
    callgrind = {"rows": [{"benchmark": TASK_HIT, "config": "gcc-glibc", "instructions_per_op": 327.0},
                          {"benchmark": cache("sync", 100), "config": "gcc-glibc", "instructions_per_op": 38.0},
                          {"benchmark": COPY, "config": "gcc-glibc", "instructions_per_op": 23.0}]}
    directory = write_run(tmp_path / "run", {"gcc-glibc": gcc_glibc, "clang-glibc": clang_glibc,
                                             "gcc-mimalloc": gcc_mimalloc}, callgrind=callgrind)
    write_dotnet(directory / "dotnet", [
        bdn("CacheLookupInt", "sync", "HitPercent=0", [6.0, 6.1, 5.9, 6.2, 6.0], 0),
        bdn("CacheLookupInt", "sync", "HitPercent=100", [2.7, 2.6, 2.8, 2.7, 2.9], 0),
        bdn("CacheLookupInt", "task", "HitPercent=100", [19.0, 19.5, 18.5, 19.2, 18.8], 72),
        bdn("CacheLookupInt", "task", "HitPercent=0", [121.0, 120.0, 122.0, 121.5, 120.5], 112),
        bdn("CacheLookupInt", "task", "HitPercent=50", [80.0, 81.0, 79.0, 80.5, 79.5], 92),
        bdn("CacheLookupInt", "value_task", "HitPercent=100", [3.9, 3.8, 4.0, 3.9, 4.1], 0),
        bdn("CacheLookupInt", "value_task", "HitPercent=0", [123.0, 124.0, 122.0, 123.5, 122.5], 112, SLOW),
        bdn("CacheLookupString", "task", "HitPercent=100", [23.8, 23.4, 24.4, 23.9, 23.7], 72),
        bdn("CopyCost", "value_task", "Depth=1", [1.0, 1.05, 0.95, 1.1, 0.9], 0),
    ])
    return vtb_results.load_run(directory)


def by_name(run: vtb_results.Run) -> dict[str, against_dotnet.Comparison]:
    return {comparison.name: comparison for comparison in against_dotnet.compared_rows(run)}


def test_one_row_per_benchmark_both_languages_ran_at_the_ends_in_vocabulary_order(run: vtb_results.Run) -> None:
    assert [comparison.name for comparison in against_dotnet.compared_rows(run)] == [
        cache("sync", 0), cache("sync", 100), cache("task", 0), TASK_HIT, cache("value_task", 0),
        cache("value_task", 100), "copy_cost/type:value_task/depth:1"]
    copy = by_name(run)["copy_cost/type:value_task/depth:1"]
    assert (copy.scenario, copy.form, copy.path) == ("copy_cost", "value_task", "depth:1")


def test_the_ratio_is_cpp_over_dotnet_and_judged_by_the_u_test(run: vtb_results.Run) -> None:
    rows = by_name(run)
    task = rows[TASK_HIT]
    assert task.ratio == pytest.approx(30.0 / 19.0)
    assert (task.cpp_allocs, task.cpp_bytes, task.dotnet.bytes_per_op) == (1.0, 136.0, 72.0)
    assert task.standing == BEHIND and task.p_value is not None and task.p_value < 0.05
    assert rows[cache("value_task", 100)].standing == AHEAD
    assert rows[cache("sync", 0)].standing == AHEAD
    assert rows["copy_cost/type:value_task/depth:1"].standing == WITHIN_NOISE
    assert against_dotnet.ratio_text(task) == "1.58x*"
    assert against_dotnet.ratio_text(rows["copy_cost/type:value_task/depth:1"]) == "1.00x"


def test_rows_with_a_side_not_known_fast_are_marked_and_not_compared(run: vtb_results.Run) -> None:
    rows = by_name(run)
    slow_cpp, slow_dotnet = rows[cache("task", 0)], rows[cache("value_task", 0)]
    assert not slow_cpp.comparable and slow_cpp.standing == NOT_COMPARED
    assert against_dotnet.state_text(slow_cpp) == "C++ ‡ not known fast: not comparable"
    assert not slow_dotnet.comparable and slow_dotnet.standing == NOT_COMPARED
    assert against_dotnet.state_text(slow_dotnet) == ".NET † not known fast: not comparable"
    assert against_dotnet.state_text(rows[TASK_HIT]) == "both fast"
    text = "\n".join(against_dotnet.section(run))
    assert "| cache_lookup | task | hit:0 | 111.0 ns (109.0-113.0) ‡ | 121.0 ns (120.0-122.0) |" in text
    assert "| cache_lookup | value_task | hit:0 | 56.0 ns (55.0-57.0) | 123.0 ns (122.0-124.0) † |" in text
    assert "- † value_task at 0 % ran none of its 5 iterations in the machine's fast state: not comparable" in text


def test_a_row_where_cpp_is_behind_gives_the_runs_own_figures(run: vtb_results.Run) -> None:
    task = by_name(run)[TASK_HIT]
    reason = against_dotnet.behind_reason(run, task, against_dotnet.compared_rows(run))
    assert reason == against_dotnet.BehindReason(
        cpp_allocs=1.0, cpp_bytes=136.0, dotnet_bytes=72.0, dotnet_gen0_per_1k_ops=0.03, eliding_allocs=1.0,
        instructions=327.0, floor_instructions=38.0, fastest_allocator=("mimalloc", Spread(21.0, 20.0, 22.0)))
    text = against_dotnet.reason_text(reason, task.dotnet.ns_per_op)
    assert text.startswith("1.00 operator new per op, 136 B (counting pass): a coroutine frame or a task's shared "
                           "state on every call, which gcc does not elide, nor does clang (1.00 allocs/op); .NET "
                           "allocates 72 B/op by bumping a pointer and collects later (0.03 gen-0 collections per "
                           "1000 ops)")
    assert "cachegrind: 327 instructions/op, 289 more than sync's 38 (the driver and the lookup)" in text
    assert text.endswith("under mimalloc 21.0 ns (20.0-22.0), 1.11x .NET")
    row = "\n".join(against_dotnet.section(run))
    assert (f"| cache_lookup | task | hit:100 | 30.0 ns (29.0-31.0) | 19.0 ns (18.5-19.5) | 1.00 | 136 | 72 | 1.58x* | "
            f"both fast | C++ behind | {text} |") in row
    # Rows where C++ is not behind carry no reason.
    assert "| C++ ahead |  |" in row


def test_a_copy_cost_row_takes_its_instructions_from_the_copy_cost_row_of_callgrind_json(run: vtb_results.Run) -> None:
    reason = against_dotnet.behind_reason(run, by_name(run)[COPY], against_dotnet.compared_rows(run))
    assert (reason.instructions, reason.floor_instructions) == (23.0, None)
    assert against_dotnet.reason_text(reason, 1.0) == (
        "no allocation in either language (counting pass, MemoryDiagnoser); cachegrind: 23 instructions/op")


def test_a_behind_row_without_allocations_or_cachegrind_says_what_the_data_lacks() -> None:
    reason = against_dotnet.BehindReason(cpp_allocs=0.0, cpp_bytes=0.0, dotnet_bytes=0.0, dotnet_gen0_per_1k_ops=0.0)
    assert against_dotnet.reason_text(reason, 1.0) == (
        "no allocation in either language (counting pass, MemoryDiagnoser); no cachegrind figures for it in this "
        "run: where the time goes is not in the run's data")


def test_the_allocating_hit_path_rows_are_timed_under_every_allocator(run: vtb_results.Run) -> None:
    lines = against_dotnet.section(run)
    assert "| implementation | C++ allocs/op | .NET | gcc-glibc | gcc-mimalloc |" in lines
    assert ("| task | 1.00 | 19.0 ns (18.5-19.5) | 30.0 ns (29.0-31.0), 1.58x .NET | 21.0 ns (20.0-22.0), "
            "1.11x .NET |") in lines
    # Only the hit path's allocating rows: value_task at 100 % allocates nothing, task at 0 % is the miss path.
    table = lines[lines.index("| implementation | C++ allocs/op | .NET | gcc-glibc | gcc-mimalloc |"):]
    assert not any(line.startswith(("| value_task |", "| sync |")) for line in table)


def test_without_a_dotnet_side_the_section_says_not_measured(run: vtb_results.Run) -> None:
    shutil.rmtree(run.directory / "dotnet")
    meta = json.loads((run.directory / "meta.json").read_text())
    meta["dotnet"] = {"measured": False, "reason": "no .NET SDK (dotnet is not on the PATH)"}
    (run.directory / "meta.json").write_text(json.dumps(meta))
    lines = against_dotnet.section(vtb_results.load_run(run.directory))
    assert lines == ["## C++ against .NET", "", ".NET not measured (no .NET SDK (dotnet is not on the PATH)): no "
                     "comparison.", ""]
    assert "not measured (no .NET SDK" in lines[2]


def test_the_committed_fixtures_render_every_row_marked(run_copy: Path) -> None:
    """The committed C++ fixture has no calibration, so no C++ time is known to be from the fast state."""
    shutil.copytree(FIXTURES / "dotnet" / "run", run_copy / "dotnet")
    run = vtb_results.load_run(run_copy)
    comparisons = against_dotnet.compared_rows(run)
    assert len(comparisons) == 10 and all(comparison.standing == NOT_COMPARED for comparison in comparisons)
    assert "| copy_cost | task | depth:8 |" in "\n".join(against_dotnet.section(run))


def copy_run(tmp_path: Path, task_times: list[float]) -> vtb_results.Run:
    """copy_cost at depth 1: value_task behind .NET, task at `task_times` against .NET's 1.2 ns."""
    gcc_glibc = (cpp(COPY, [1.5, 1.55, 1.5, 1.52, 1.51], allocs_per_op=0, bytes_per_op=0)
                 + cpp("copy_cost/type:task/depth:1", task_times, allocs_per_op=0, bytes_per_op=0))
    directory = write_run(tmp_path / "run", {"gcc-glibc": gcc_glibc})
    write_dotnet(directory / "dotnet", [bdn("CopyCost", "value_task", "Depth=1", [1.2, 1.21, 1.19, 1.2, 1.2], 0),
                                        bdn("CopyCost", "task", "Depth=1", [1.2, 1.21, 1.19, 1.2, 1.2], 0)])
    return vtb_results.load_run(directory)


def test_a_copy_cost_row_says_whether_the_other_handle_is_behind_too(tmp_path: Path) -> None:
    both = copy_run(tmp_path / "both", [1.6, 1.62, 1.58, 1.6, 1.61])
    comparison = by_name(both)[COPY]
    assert comparison.standing == BEHIND
    text = against_dotnet.reason_text(against_dotnet.behind_reason(both, comparison, against_dotnet.compared_rows(both)), comparison.dotnet.ns_per_op)
    assert text == ("no allocation in either language (counting pass, MemoryDiagnoser); task at depth:1: 1.6 ns "
                    "(1.6-1.6) against .NET's 1.2 ns (1.2-1.2), 1.33x*, behind too: the gap is the C++ call's, not "
                    "this handle's; no cachegrind figures for it in this run: where the time goes is not in the "
                    "run's data")
    alone = copy_run(tmp_path / "alone", [1.2, 1.21, 1.19, 1.2, 1.2])
    text = against_dotnet.reason_text(against_dotnet.behind_reason(alone, by_name(alone)[COPY], against_dotnet.compared_rows(alone)), 1.2)
    assert text.endswith("task at depth:1: 1.2 ns (1.2-1.2) against .NET's 1.2 ns (1.2-1.2), 1.00x, not behind "
                         "(within noise): the gap is this handle's; no cachegrind figures for it in this run: where the time "
                         "goes is not in the run's data")
