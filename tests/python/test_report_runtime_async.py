"""Tests of scripts/reporting/runtime_async.py (where the runtime-async preview's bytes per miss come from) on
small rows made here, and of its place in the .NET section on the committed .NET fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

import vtb_results
from dotnet_results import Row, vtbench_name
from reporting import dotnet, runtime_async


def row(scenario: str, impl: str, bytes_per_op: float, build: str = "default", hit: int | None = None,
        depth: int | None = None) -> Row:
    return Row(scenario=scenario, impl=impl, payload="int", hit=hit, depth=depth, build=build,
               name=vtbench_name(scenario, impl, "int", hit, depth), ns_per_op=100.0, ns_mean=100.0, ns_min=90.0,
               ns_max=110.0, iterations=3, bytes_per_op=bytes_per_op, gen0_per_1k_ops=0.0, operations=32000)


def frames(kind: str, build: str, per_depth: dict[int, float]) -> list[Row]:
    return [row("suspension", kind, value, build, depth=depth) for depth, value in per_depth.items()]


ROWS = (frames("value_task", "default", {1: 128, 2: 256, 3: 384})
        + frames("value_task", "runtime_async", {1: 480, 2: 608, 3: 736})
        + frames("pooled_value_task", "default", {1: 0, 2: 0, 3: 128})
        + frames("pooled_value_task", "runtime_async", {1: 480, 2: 608, 3: 736})
        + frames("value_task_two_awaits", "default", {1: 128, 2: 256, 3: 384})
        + frames("value_task_two_awaits", "runtime_async", {1: 816, 2: 928, 3: 1040})
        + [row("driver", "loop_round_trip", 0), row("driver", "loop_round_trip", 336, "runtime_async"),
           row("cache_lookup", "task", 112, hit=0), row("cache_lookup", "task", 480, "runtime_async", hit=0),
           row("cache_lookup", "sync", 0, "runtime_async", hit=0),
           row("cache_lookup", "value_task", 872, "runtime_async", hit=0),
           row("cache_lookup", "task", 72, "runtime_async", hit=100)])


def test_the_line_is_the_slope_and_intercept_over_the_depths() -> None:
    line = runtime_async.fit(ROWS, "value_task", "runtime_async")
    assert line is not None and line.straight
    assert (line.slope, line.intercept) == (pytest.approx(128), pytest.approx(352))
    assert line.points == ((1, 480), (2, 608), (3, 736))
    pooled = runtime_async.fit(ROWS, "pooled_value_task", "default")
    assert pooled is not None and not pooled.straight
    assert runtime_async.fit(ROWS, "task", "default") is None
    assert runtime_async.fit(frames("task", "default", {1: 128}), "task", "default") is None  # one depth: no line


def test_the_table_has_each_kind_in_both_builds() -> None:
    assert runtime_async.suspension_table(ROWS) == [
        ["value_task", "128, 256, 384 B (depth 1, 2, 3)", "128 B per frame, 0 B at 0 frames",
         "480, 608, 736 B (depth 1, 2, 3)", "128 B per frame, 352 B at 0 frames"],
        ["pooled_value_task", "0, 0, 128 B (depth 1, 2, 3)", "not a line",
         "480, 608, 736 B (depth 1, 2, 3)", "128 B per frame, 352 B at 0 frames"],
        ["value_task_two_awaits", "128, 256, 384 B (depth 1, 2, 3)", "128 B per frame, 0 B at 0 frames",
         "816, 928, 1040 B (depth 1, 2, 3)", "112 B per frame, 704 B at 0 frames"]]


def test_the_reading_compares_the_builds() -> None:
    assert runtime_async.reading_sentence(ROWS) == (
        "By frame kind: value_task: 128 B per suspended frame under runtime-async against 128 B in the default "
        "build, 352 B at 0 frames against 0 B; value_task_two_awaits: 112 B per suspended frame under runtime-async "
        "against 128 B in the default build, 704 B at 0 frames against 0 B; the runtime-async loop_round_trip (the "
        "driver alone, awaiting the database) 336 B; under runtime-async pooled_value_task's frames allocate as "
        "value_task's (480, 608, 736 B against 480, 608, 736 B); a second suspension of the innermost frame per "
        "operation (value_task_two_awaits less value_task) adds 0, 0, 0 B (depth 1, 2, 3) in the default build "
        "against 336, 320, 304 B (depth 1, 2, 3) under runtime-async.")


def test_the_second_suspension_needs_a_common_depth() -> None:
    rows = frames("value_task", "runtime_async", {1: 480}) + frames("value_task_two_awaits", "runtime_async", {2: 928})
    assert runtime_async.second_suspension(rows, "runtime_async") is None
    rows += frames("value_task_two_awaits", "runtime_async", {1: 816})
    assert runtime_async.second_suspension(rows, "runtime_async") == "336 B (depth 1) under runtime-async"


def test_the_split_is_the_driver_and_the_implementation() -> None:
    sentence = runtime_async.split_sentence(ROWS, ["sync", "value_task", "task"])
    assert sentence.startswith("At 0 % hits (int payload) each implementation's runtime-async bytes per operation "
                               "are the driver's 336 B (loop_round_trip")
    assert sentence.endswith("its own: value_task 872 B = 336 + 536 B own (default build not measured); "
                             "task 480 B = 336 + 144 B own (default build 112 B).")
    assert " sync " not in sentence  # not awaited by a driver: no driver part


def test_what_is_missing_is_named_not_guessed() -> None:
    without_driver = [r for r in ROWS if not (r.scenario == "driver" and r.build == "runtime_async")]
    assert runtime_async.split_sentence(without_driver) == (
        "The split of the runtime-async bytes per miss is not computed: the run lacks the runtime-async "
        "loop_round_trip row.")
    assert runtime_async.split_sentence([]) == (
        "The split of the runtime-async bytes per miss is not computed: the run lacks the runtime-async "
        "loop_round_trip row and the runtime-async cache_lookup rows at 0 % hits.")
    one_build = [r for r in ROWS if not (r.scenario == "suspension" and r.build == "runtime_async")]
    assert runtime_async.missing_suspension(one_build) == [
        "runtime-async's value_task rows at two depths or more",
        "runtime-async's pooled_value_task rows at two depths or more",
        "runtime-async's value_task_two_awaits rows at two depths or more"]
    text = "\n".join(runtime_async.section_lines([r for r in ROWS if r.scenario != "suspension"]))
    assert "The run lacks the suspension benchmark's rows (scenarios/dotnet/Vtbench.Benchmarks/Suspension.cs)." in text
    assert "| frame kind |" not in text
    assert "No frame kind has a straight line in both builds" in runtime_async.reading_sentence(one_build)


def test_the_dotnet_section_carries_it(run_copy: Path) -> None:
    shutil.copytree(FIXTURES / "dotnet" / "run", run_copy / "dotnet")
    text = "\n".join(dotnet.section(vtb_results.load_run(run_copy)))
    assert "| frame kind | default build | default: line | runtime-async | runtime-async: line |" in text
    assert "| value_task | 128, 256, 384 B (depth 1, 2, 3) | 128 B per frame, 0 B at 0 frames |" in text
    assert "each implementation's runtime-async bytes per operation are the driver's 336 B" in text
