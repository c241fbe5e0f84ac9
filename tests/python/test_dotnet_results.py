"""Tests of scripts/dotnet_results.py on a trimmed real .NET run (fixtures/dotnet/run), and one
integration test that runs a single BenchmarkDotNet benchmark with a tiny job and loads it.

The integration test needs `dotnet` on PATH; it uses the program built by
scenarios/dotnet/run.sh (VTBENCH_DOTNET_DLL, else build/dotnet/default) and builds it if
absent. VTBENCH_SKIP_DOTNET_INTEGRATION=1 skips it (run.sh --test runs it).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "dotnet" / "run"
PYTHON = "/usr/bin/python3"

sys.path.insert(0, str(SCRIPTS))

import dotnet_results  # noqa: E402  (found through the path above)
from dotnet_results import find_row  # noqa: E402
from json_input import ResultsError  # noqa: E402


@pytest.fixture(scope="module")
def run() -> dotnet_results.DotnetRun:
    return dotnet_results.load_dotnet_run(FIXTURE)


def test_fixture_rows_cover_every_scenario(run: dotnet_results.DotnetRun) -> None:
    scenarios = {row.scenario for row in run.rows}
    assert scenarios == {"cache_lookup", "driver", "suspension", "factory", "copy_cost"}
    assert {row.build for row in run.rows} == {"default", "runtime_async"}


def test_cache_rows_are_normalized(run: dotnet_results.DotnetRun) -> None:
    task = find_row(run.rows, "cache_lookup", "task", "int", 100)
    value_task = find_row(run.rows, "cache_lookup", "value_task", "int", 100)
    assert task is not None and value_task is not None
    assert task.name == "cache_lookup/impl:task/payload:int/db:async/hit:100"
    assert task.bytes_per_op > 0          # async Task<int> allocates on a hit (C3)
    assert value_task.bytes_per_op == 0   # ValueTask<int> on the hit path does not (C4)
    assert task.ns_min <= task.ns_per_op <= task.ns_max
    assert task.iterations > 0 and task.operations > 0


def test_string_and_runtime_async_rows(run: dotnet_results.DotnetRun) -> None:
    assert find_row(run.rows, "cache_lookup", "task", "string", 0) is not None
    assert find_row(run.rows, "cache_lookup", "task", "int", 100, build="runtime_async") is not None
    assert run.runtime_async_meta is not None and run.runtime_async_meta["runtime_async"] is True


def test_factory_copy_and_driver_rows(run: dotnet_results.DotnetRun) -> None:
    uncached = find_row(run.rows, "factory", "from_result_uncached")
    cached = find_row(run.rows, "factory", "from_result_cached")
    assert uncached is not None and cached is not None
    assert uncached.bytes_per_op == 72 and cached.bytes_per_op == 0
    assert uncached.name == "factory/kind:from_result_uncached"
    copy = find_row(run.rows, "copy_cost", "value_task", depth=8)
    assert copy is not None and copy.name == "copy_cost/type:value_task/depth:8"
    assert {row.impl for row in run.rows if row.scenario == "driver"} == {"empty", "loop_round_trip"}


def test_suspension_rows(run: dotnet_results.DotnetRun) -> None:
    pooled = find_row(run.rows, "suspension", "pooled_value_task", "int", depth=1)
    assert pooled is not None and pooled.name == "suspension/impl:pooled_value_task/payload:int/depth:1"
    assert pooled.bytes_per_op == 0   # the default build's pooled frames and driver allocate nothing
    preview = find_row(run.rows, "suspension", "value_task", "int", depth=2, build="runtime_async")
    assert preview is not None and preview.bytes_per_op > 0
    assert {row.depth for row in run.rows if row.scenario == "suspension"} == {1, 2, 3}


def test_sweep_and_relative_time(run: dotnet_results.DotnetRun) -> None:
    sweep = dotnet_results.cache_sweep(run.rows, "int", order=["value_task", "task", "sync"])
    assert list(sweep)[:3] == ["value_task", "task", "sync"]
    sweep = dotnet_results.cache_sweep(run.rows, "int")  # no order given: by name
    assert list(sweep) == sorted(sweep)
    assert [row.hit for row in sweep["task"]] == sorted(row.hit for row in sweep["task"])
    relative = dotnet_results.relative_to(run.rows, "task")
    assert dict(relative["task"])[100] == pytest.approx(1.0)


def test_optional_files(run: dotnet_results.DotnetRun) -> None:
    assert run.misuse is not None and len(run.misuse["rules"]) == 11
    assert run.footprint is not None and run.footprint["sizeof"]["ValueTask<int>"] == 16
    assert run.meta["job"]["toolchain"] == "InProcessEmitToolchain"


def test_parse_parameters() -> None:
    assert dotnet_results.parse_parameters("HitPercent=90&Depth=1") == {"HitPercent": "90", "Depth": "1"}
    assert dotnet_results.parse_parameters("") == {}
    with pytest.raises(ValueError):
        dotnet_results.parse_parameters("HitPercent")


def _write_report(tmp_path: Path, benchmarks: object) -> Path:
    path = tmp_path / "bad-report-full.json"
    path.write_text(json.dumps({"Benchmarks": benchmarks}))
    return path


def _one_benchmark() -> dict:
    report = json.loads((FIXTURE / "bdn" / "results" / "Vtbench.Benchmarks.CacheLookupInt-report-full.json").read_text())
    return report["Benchmarks"][0]


@pytest.mark.parametrize("change, message", [
    (lambda b: b.update(Type="Nope"), "unknown benchmark type Nope"),
    (lambda b: b.update(Statistics=None), "did the benchmark fail?"),
    (lambda b: b["Memory"].pop("BytesAllocatedPerOperation"), "'BytesAllocatedPerOperation' is missing"),
    (lambda b: b.update(Parameters="HitPercent=abc"), "is not an integer"),
    (lambda b: b.update(Parameters="HitPercent=101"), "outside 0..100"),
    (lambda b: b.pop("MethodTitle"), "'MethodTitle' is missing"),
])
def test_bad_benchmark_entries(tmp_path: Path, change: Callable[[dict], object], message: str) -> None:
    benchmark = _one_benchmark()
    change(benchmark)
    with pytest.raises(ResultsError, match=message.replace("?", r"\?").replace(".", r"\.")):
        dotnet_results.load_bdn_report(_write_report(tmp_path, [benchmark]))


def test_not_an_export(tmp_path: Path) -> None:
    path = tmp_path / "x-report-full.json"
    path.write_text("[1, 2]")
    with pytest.raises(ResultsError, match="not a BenchmarkDotNet full JSON export"):
        dotnet_results.load_bdn_report(path)
    path.write_text("{")
    with pytest.raises(ResultsError, match="malformed JSON"):
        dotnet_results.load_bdn_report(path)


def test_missing_pieces(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="not a directory"):
        dotnet_results.load_dotnet_run(tmp_path / "absent")
    with pytest.raises(ResultsError, match="meta.json: no such file"):
        dotnet_results.load_dotnet_run(tmp_path)
    shutil.copy(FIXTURE / "meta.json", tmp_path / "meta.json")
    with pytest.raises(ResultsError, match="no BenchmarkDotNet"):
        dotnet_results.load_dotnet_run(tmp_path)


def _script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(SCRIPTS / "dotnet_results.py"), *args], capture_output=True, text=True,
                          check=False)


def test_script_prints_rows_and_fails_in_one_line(tmp_path: Path) -> None:
    done = _script(str(FIXTURE), "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert any(row["name"] == "cache_lookup/impl:task/payload:int/db:async/hit:100" for row in rows)
    assert "cache_lookup/impl:value_task" in _script(str(FIXTURE)).stdout
    bad = _script(str(tmp_path))
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert _script().returncode == 2


def _program() -> Path:
    configured = os.environ.get("VTBENCH_DOTNET_DLL")
    dll = Path(configured) if configured else REPO / "build/dotnet/default/bin/Vtbench.Benchmarks/release/Vtbench.Benchmarks.dll"
    if not dll.exists():
        project = REPO / "scenarios/dotnet/Vtbench.Benchmarks/Vtbench.Benchmarks.csproj"
        subprocess.run(["dotnet", "build", str(project), "-c", "Release", "--artifacts-path",
                        str(REPO / "build/dotnet/default"), "-nologo"], check=True, capture_output=True)
    return dll


@pytest.mark.skipif(shutil.which("dotnet") is None, reason="no .NET SDK (dotnet not on PATH)")
@pytest.mark.skipif(os.environ.get("VTBENCH_SKIP_DOTNET_INTEGRATION") == "1",
                    reason="VTBENCH_SKIP_DOTNET_INTEGRATION=1 (scenarios/dotnet/run.sh --test runs it)")
def test_integration_one_benchmark_tiny_job(tmp_path: Path) -> None:
    out = tmp_path / "bdn"
    done = subprocess.run(["dotnet", str(_program()), "bench", str(out), "--smoke"], capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = dotnet_results.load_bdn_dir(out)
    assert {row.impl for row in rows} == {"value_task"}
    hit100 = find_row(rows, "cache_lookup", "value_task", "int", 100)
    hit0 = find_row(rows, "cache_lookup", "value_task", "int", 0)
    assert hit100 is not None and hit0 is not None
    assert hit100.bytes_per_op == 0
    assert hit0.bytes_per_op > 0
    assert hit100.ns_per_op > 0
    assert all(len(row.calibrations_ns) == len(row.ns_all_iterations) > 0 for row in rows)  # IterationStates.cs


def test_times_are_over_the_fast_state_iterations(run: dotnet_results.DotnetRun) -> None:
    """The fixture's machine_state.json (synthetic calibrations) puts every other iteration of task at 0 % in the
    slow state (2310 against 1100 ns): its time is the median of the other two, as Result measurements."""
    task = find_row(run.rows, "cache_lookup", "task", "int", 0)
    assert task is not None and task.timed_in_fast_state
    assert (task.fast_state_iterations, task.slow_state_iterations) == (2, 1)
    assert task.ns_values == pytest.approx((275.6, 289.0), abs=0.1)
    assert task.ns_per_op == pytest.approx((275.6 + 289.0) / 2, abs=0.1)
    assert (task.ns_min, task.ns_max) == (min(task.ns_values), max(task.ns_values))
    value_task = find_row(run.rows, "cache_lookup", "value_task", "int", 0)
    assert value_task is not None and (value_task.fast_state_iterations, value_task.slow_state_iterations) == (3, 0)


def _write_states(directory: Path, states: dict[str, list[float]]) -> None:
    (directory / "machine_state.json").write_text(json.dumps({"benchmarks": states}))


def test_the_fast_state_is_judged_against_the_directory_s_fastest(tmp_path: Path) -> None:
    benchmark = _one_benchmark()
    benchmark["Measurements"] = [
        {"IterationMode": "Workload", "IterationStage": stage, "IterationIndex": index, "Operations": 1000,
         "Nanoseconds": nanoseconds}
        for stage in ("Actual", "Result") for index, nanoseconds in ((1, 230000.0), (2, 132000.0), (3, 140000.0))]
    directory = tmp_path / "bdn"
    (directory / "results").mkdir(parents=True)
    _write_report(directory / "results", [benchmark])
    name = benchmark["FullName"]
    _write_states(directory, {name: [2300.0, 1100.0, 1200.0]})
    [row] = dotnet_results.load_bdn_dir(directory)
    assert row.timed_in_fast_state and row.ns_values == (132.0, 140.0) and row.ns_per_op == 136.0
    _write_states(directory, {name: [2300.0, 2400.0, 2500.0], "Other.Benchmark": [1000.0]})
    [row] = dotnet_results.load_bdn_dir(directory)  # no fast iteration: BenchmarkDotNet's own statistics
    assert not row.timed_in_fast_state and row.fast_state_iterations == 0 and row.slow_state_iterations == 3
    assert row.ns_per_op == benchmark["Statistics"]["Median"]
    (directory / "machine_state.json").unlink()
    [row] = dotnet_results.load_bdn_dir(directory)  # a run from before the probe
    assert not row.timed_in_fast_state and row.calibrations_ns == ()


def test_results_are_matched_to_their_actual_iterations_across_dropped_outliers(tmp_path: Path) -> None:
    """BenchmarkDotNet drops upper outliers from the Result measurements, renumbers them and subtracts one overhead
    (clamped at 0): each result still gets its own iteration's calibration."""
    benchmark = _one_benchmark()
    actual = [(1, 500000.0), (2, 132000.0), (3, 140000.0), (4, 135000.0)]
    benchmark["Measurements"] = (
        [{"IterationMode": "Workload", "IterationStage": "Actual", "IterationIndex": index, "Operations": 1000,
          "Nanoseconds": nanoseconds} for index, nanoseconds in actual]
        + [{"IterationMode": "Workload", "IterationStage": "Result", "IterationIndex": index, "Operations": 1000,
            "Nanoseconds": nanoseconds - 2000.0} for index, (_, nanoseconds) in enumerate(actual[1:], 1)])
    directory = tmp_path / "bdn"
    (directory / "results").mkdir(parents=True)
    _write_report(directory / "results", [benchmark])
    _write_states(directory, {benchmark["FullName"]: [1100.0, 1100.0, 2300.0, 1100.0]})
    [row] = dotnet_results.load_bdn_dir(directory)
    assert row.ns_values == (130.0, 133.0) and row.fast_state_iterations == 3
    benchmark["Measurements"][5]["Nanoseconds"] = 1.0  # a result no actual iteration gives
    _write_report(directory / "results", [benchmark])
    with pytest.raises(ResultsError, match="Result measurements are not its actual iterations less one overhead"):
        dotnet_results.load_bdn_dir(directory)


@pytest.mark.parametrize("states, message", [
    ({}, "no machine-state calibrations in machine_state.json"),
    ({"NAME": [1100.0]}, "1 machine-state calibrations for 3 actual workload iterations"),
    ({"NAME": [1100.0, float("nan"), 1100.0]}, "calibration 1 is NaN"),
    ({"NAME": [1100.0, 0, 1100.0]}, "calibration 1 is not positive"),
])
def test_bad_machine_state(tmp_path: Path, states: dict[str, list[float]], message: str) -> None:
    benchmark = _one_benchmark()
    benchmark["Measurements"] = [{"IterationMode": "Workload", "IterationStage": "Actual", "IterationIndex": index,
                                  "Operations": 1000, "Nanoseconds": 1000.0} for index in (1, 2, 3)]
    directory = tmp_path / "bdn"
    (directory / "results").mkdir(parents=True)
    _write_report(directory / "results", [benchmark])
    _write_states(directory, {benchmark["FullName"] if name == "NAME" else name: values
                              for name, values in states.items()})
    with pytest.raises(ResultsError, match=message):
        dotnet_results.load_bdn_dir(directory)


def test_every_actual_workload_iteration_is_read_per_operation(tmp_path: Path) -> None:
    benchmark = _one_benchmark()
    benchmark["Measurements"] = [
        {"IterationMode": "Workload", "IterationStage": "Actual", "Operations": 1000, "Nanoseconds": 230000.0},
        {"IterationMode": "Workload", "IterationStage": "Warmup", "Operations": 1000, "Nanoseconds": 900000.0},
        {"IterationMode": "Overhead", "IterationStage": "Actual", "Operations": 1000, "Nanoseconds": 1000.0},
        {"IterationMode": "Workload", "IterationStage": "Actual", "Operations": 1000, "Nanoseconds": 132000.0},
    ]
    [row] = dotnet_results.load_bdn_report(_write_report(tmp_path, [benchmark]))
    assert row.ns_all_iterations == (230.0, 132.0)
    benchmark["Measurements"][0]["Operations"] = 0
    with pytest.raises(ResultsError, match="measurement 0 has 0 operations"):
        dotnet_results.load_bdn_report(_write_report(tmp_path, [benchmark]))


def test_a_dotnet_time_comparison_with_no_fast_state_iteration_is_not_judged(run: dotnet_results.DotnetRun) -> None:
    from reporting.claims_time import miss_path_cost_dotnet
    from verdicts import NOT_COMPARABLE
    task = find_row(run.rows, "cache_lookup", "task", "int", 0)
    assert task is not None
    slow = dataclasses.replace(task, fast_state_iterations=0, timed_in_fast_state=False)
    rows = [slow if row is task else row for row in run.rows]
    answer = miss_path_cost_dotnet(dataclasses.replace(run, rows=rows), None)  # type: ignore[arg-type]
    assert answer.verdict == NOT_COMPARABLE
    assert "† task at 0 % ran none of its 3 iterations in the machine's fast state: not comparable" in answer.figures
