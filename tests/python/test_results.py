"""Tests of scripts/vtb_results.py: name parsing, repetition spreads, loading and its errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURE_RUN, FIXTURES, cache_entries, made_up_run, repetitions, write_run

import vtb_results
from vtb_results import ResultsError, Spread


def test_parse_benchmark_name_drops_real_time_and_keeps_google_benchmark_keys() -> None:
    assert vtb_results.parse_benchmark_name("cache_lookup_mt/impl:task/payload:int/db:async/hit:90/real_time/threads:2") \
        == ("cache_lookup_mt", {"impl": "task", "payload": "int", "db": "async", "hit": "90", "threads": "2"})
    assert vtb_results.parse_benchmark_name("factory/kind:from_result_cached/iterations:500") \
        == ("factory", {"kind": "from_result_cached", "iterations": "500"})


def test_parse_benchmark_name_splits_at_the_first_colon() -> None:
    assert vtb_results.parse_benchmark_name("x/label:a:b") == ("x", {"label": "a:b"})


@pytest.mark.parametrize("name", ["cache_lookup/impl", "cache_lookup/:task", "/impl:task", "cache_lookup/hit:"])
def test_parse_benchmark_name_rejects_parts_that_are_not_key_value(name: str) -> None:
    with pytest.raises(ValueError):
        vtb_results.parse_benchmark_name(name)


def test_spread_is_median_min_max_and_overlap_is_inclusive() -> None:
    assert vtb_results.spread_of([3.0, 1.0, 2.0]) == Spread(2.0, 1.0, 3.0)
    assert vtb_results.spread_of([4.0, 1.0, 2.0, 3.0]) == Spread(2.5, 1.0, 4.0)
    assert Spread(2, 1, 3).overlaps(Spread(4, 3, 5))
    assert not Spread(2, 1, 2.9).overlaps(Spread(4, 3, 5))


def test_fixture_run_groups_repetitions_and_ignores_aggregates() -> None:
    run = vtb_results.load_run(FIXTURE_RUN)
    assert list(run.configs) == ["gcc-glibc", "gcc-mimalloc", "clang-glibc"]
    bench = run.find("gcc", "glibc", "cache_lookup", impl="task", payload="int", db="async", hit=0)
    assert bench.repetitions == 5
    assert bench.real_time_ns == Spread(420.0, 413.7, 432.6)
    assert bench.counter("allocs_per_op") == Spread(2.0, 2.0, 2.0)
    gcc_glibc = run.config("gcc", "glibc")
    assert gcc_glibc.path == FIXTURE_RUN / "bench" / "gcc-glibc.json"
    assert gcc_glibc.counting_path == FIXTURE_RUN / "counts" / "gcc-glibc.json"
    footprint = gcc_glibc.find("footprint", impl="task")
    assert footprint.real_time_ns is None and footprint.counter("handle_sizeof") is not None
    assert run.goroutine["bytes_per_goroutine"] == 2731.5 and run.misuse is None


def test_times_come_from_the_timing_pass_and_counters_from_the_counting_pass(tmp_path: Path) -> None:
    run = made_up_run(tmp_path, cache_entries("task", 0, [10.0, 11.0, 12.0], 1.0))
    bench = run.find("gcc", "glibc", "cache_lookup", impl="task", payload="int", db="async", hit=0)
    assert bench.real_time_ns == Spread(11.0, 10.0, 12.0) and bench.counter("allocs_per_op") == Spread(1.0, 1.0, 1.0)
    timing = json.loads((run.directory / "bench" / "gcc-glibc.json").read_text())
    assert all("allocs_per_op" not in entry for entry in timing["benchmarks"])


@pytest.mark.parametrize("damage, message", [
    (lambda run: swap_counting_context(run, "bench", "on"),
     "bench/gcc-glibc.json: its context says vtb_counting='on', but this pass must come from vtbench "
     "(vtb_counting='off')"),
    (lambda run: swap_counting_context(run, "counts", "off"),
     "counts/gcc-glibc.json: its context says vtb_counting='off', but this pass must come from vtbench_counting "
     "(vtb_counting='on')"),
    (lambda run: drop_counted(run), "counts/gcc-glibc.json: has no counted run of "
     "cache_lookup/impl:task/payload:int/db:async/hit:0, which gcc-glibc.json timed"),
    (lambda run: (run / "counts" / "gcc-glibc.json").unlink(),
     "counts/gcc-glibc.json: missing (configuration gcc-glibc is listed in meta.json)"),
])
def test_a_mislabelled_or_incomplete_pass_is_refused(tmp_path: Path, damage: Any, message: str) -> None:
    directory = write_run(tmp_path / "run", {"gcc-glibc": cache_entries("task", 0, [10.0, 11.0], 1.0)})
    damage(directory)
    with pytest.raises(vtb_results.ResultsError) as raised:
        vtb_results.load_run(directory)
    assert str(raised.value) == f"{directory}/{message}"


def swap_counting_context(run: Path, directory: str, value: str) -> None:
    path = run / directory / "gcc-glibc.json"
    document = json.loads(path.read_text())
    document["context"]["vtb_counting"] = value
    path.write_text(json.dumps(document))


def drop_counted(run: Path) -> None:
    path = run / "counts" / "gcc-glibc.json"
    document = json.loads(path.read_text())
    for entry in document["benchmarks"]:
        entry["name"] = entry["name"].replace("hit:0", "hit:50")
    path.write_text(json.dumps(document))


def test_time_units_are_normalised_to_nanoseconds(tmp_path: Path) -> None:
    entries = repetitions("copy_cost/type:task/depth:1", [1.5, 2.0, 2.5])
    for entry in entries:
        entry["time_unit"] = "us"
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"context": {}, "benchmarks": entries}))
    bench = vtb_results.load_benchmark_file(path).find("copy_cost", type="task")
    assert bench.real_time_ns == Spread(2000.0, 1500.0, 2500.0)


def test_errored_benchmarks_are_kept_apart(tmp_path: Path) -> None:
    entries = repetitions("factory/kind:completed_task", [1.0, 1.1])
    entries.append({"name": "factory/kind:from_exception", "run_name": "factory/kind:from_exception",
                    "run_type": "iteration", "error_occurred": True, "error_message": "threw"})
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"context": {}, "benchmarks": entries}))
    loaded = vtb_results.load_benchmark_file(path)
    assert list(loaded.benchmarks) == ["factory/kind:completed_task"]
    assert loaded.errors == [("factory/kind:from_exception", "threw")]


@pytest.mark.parametrize("content, message", [
    ("", "empty file"),
    ("{\"benchmarks\": [", "malformed JSON"),
    ("[]", "no 'benchmarks' list"),
    ("{\"benchmarks\": []}", "no benchmark repetitions"),
    ("{\"benchmarks\": [{\"name\": \"a/b:c\", \"run_type\": \"iteration\", \"real_time\": 1, \"time_unit\": \"fortnight\"}]}",
     "unknown time_unit"),
    ("{\"benchmarks\": [{\"name\": \"a/b:c\", \"run_type\": \"iteration\", \"time_unit\": \"ns\"}]}",
     "no number field 'real_time'"),
    ("{\"benchmarks\": [{\"name\": \"a/b\", \"run_type\": \"iteration\", \"real_time\": 1, \"time_unit\": \"ns\"}]}",
     "is not key:value"),
])
def test_bad_benchmark_files_name_the_file_and_the_fault(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "gcc-glibc.json"
    path.write_text(content)
    with pytest.raises(ResultsError, match=message) as error:
        vtb_results.load_benchmark_file(path)
    assert str(path) in str(error.value)


def test_missing_configuration_is_an_error(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", {"gcc-glibc": repetitions("factory/kind:completed_task", [1.0])})
    meta = json.loads((run_dir / "meta.json").read_text())
    meta["configurations"].append("clang-glibc")
    (run_dir / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ResultsError, match=r"bench/clang-glibc\.json: missing"):
        vtb_results.load_run(run_dir)


def test_badly_shaped_optional_file_is_an_error(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", {"gcc-glibc": repetitions("factory/kind:completed_task", [1.0])},
                        misuse={"rules": [{"rule": "await_twice", "results": {"task": {"outcome": "maybe",
                                                                                        "message": ""}}}]})
    with pytest.raises(ResultsError, match=r"misuse\.json: rule await_twice, implementation task has outcome 'maybe'"):
        vtb_results.load_run(run_dir)


def test_atomic_write_leaves_no_file_when_the_writer_fails(tmp_path: Path) -> None:
    def failing_writer(handle) -> None:
        handle.write(b"half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        vtb_results.atomic_write(tmp_path / "out.txt", failing_writer)
    assert list(tmp_path.iterdir()) == []
    vtb_results.atomic_write_text(tmp_path / "out.txt", "whole\n")
    assert (tmp_path / "out.txt").read_text() == "whole\n"
    assert [path.name for path in tmp_path.iterdir()] == ["out.txt"]


def test_lazy_task_sorts_between_the_pooled_forms_and_std_future() -> None:
    names = ["asio_awaitable", "std_future", "lazy_task", "pooled_value_task", "task", "unknown_task"]
    assert sorted(names, key=vtb_results.implementation_sort_key) == \
        ["task", "pooled_value_task", "lazy_task", "std_future", "asio_awaitable", "unknown_task"]


def test_multi_await_sweep_groups_by_via_and_state_in_a_fixed_order(tmp_path: Path) -> None:
    entries = []
    for name in ("via:as_task/state:pending/awaiters:16", "via:task/state:pending/awaiters:2",
                 "via:task/state:completed/awaiters:16", "via:task/state:completed/awaiters:2"):
        entries += repetitions(f"multi_await/{name}", [1.0])
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": entries}))
    sweep = vtb_results.multi_await_sweep(run.config("gcc", "glibc"))
    assert list(sweep) == [("task", "completed"), ("task", "pending"), ("as_task", "pending")]
    assert [awaiters for awaiters, _ in sweep[("task", "completed")]] == [2, 16]


@pytest.mark.parametrize("name, message", [
    ("multi_await/via:task/state:pending/awaiters:many", "awaiters 'many' is not an integer"),
    ("multi_await/via:task/awaiters:4", "lacks via, state or awaiters"),
])
def test_multi_await_sweep_rejects_bad_names(tmp_path: Path, name: str, message: str) -> None:
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": repetitions(name, [1.0])}))
    with pytest.raises(ResultsError, match=message):
        vtb_results.multi_await_sweep(run.config("gcc", "glibc"))


def test_cache_sweep_reads_the_two_thread_scenario(tmp_path: Path) -> None:
    entries = repetitions("cache_lookup_mt/impl:task/payload:int/db:async/hit:90/real_time/threads:2", [5.0])
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": entries}))
    bench_file = run.config("gcc", "glibc")
    assert vtb_results.cache_sweep(bench_file) == {}
    assert [hit for hit, _ in vtb_results.cache_sweep(bench_file, scenario="cache_lookup_mt")["task"]] == [90]


@pytest.mark.parametrize("name, content, message", [
    ("goroutine", {"available": True, "bytes_per_goroutine": 2731.5, "stack_bytes_per_goroutine": 2048.0},
     r"goroutine\.json: the top level has no number field 'heap_bytes_per_goroutine'"),
    ("misuse", {"implementations": ["task"], "rules": []}, r"misuse\.json: 'implementations' is not an object"),
    ("misuse", {"rules": [{"rule": "await_twice", "claim": 8, "results": {}}]},
     r"misuse\.json: rule await_twice has no string field 'claim'"),
    ("misuse", {"rules": [{"rule": "await_twice", "results": {"task": {"outcome": "detected", "message": "m",
                                                                       "exception": None}}}]},
     r"misuse\.json: rule await_twice, implementation task has no string field 'exception'"),
])
def test_optional_fields_are_checked_when_present(tmp_path: Path, name: str, content: dict, message: str) -> None:
    run_dir = write_run(tmp_path / "run", {"gcc-glibc": repetitions("factory/kind:completed_task", [1.0])},
                        **{name: content})
    with pytest.raises(ResultsError, match=message):
        vtb_results.load_run(run_dir)


def test_the_real_misuse_and_goroutine_formats_load(run_copy: Path) -> None:
    shutil.copy(FIXTURES / "misuse.json", run_copy / "misuse.json")
    run = vtb_results.load_run(run_copy)
    assert run.misuse["implementations"]["source_core"] == "vtb::manual_reset_value_task_source_core<int> used directly"
    assert run.goroutine["stack_bytes_per_goroutine"] + run.goroutine["heap_bytes_per_goroutine"] == \
        run.goroutine["bytes_per_goroutine"]


def test_repetitions_run_in_the_slow_machine_state_are_set_aside(tmp_path: Path) -> None:
    entries = repetitions("cache_lookup/impl:task/payload:int/db:async/hit:0", [30.0, 31.0, 58.0, 29.0, 57.0])
    for entry, calibration in zip(entries, [1400.0, 1380.0, 2900.0, 1390.0, 2800.0]):
        entry["calibration_ns"] = calibration
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"context": {}, "benchmarks": entries}))
    bench = vtb_results.load_benchmark_file(path).benchmarks["cache_lookup/impl:task/payload:int/db:async/hit:0"]
    assert (bench.repetitions, bench.timed_repetitions) == (5, 3)
    assert bench.real_time_ns == Spread(30.0, 29.0, 31.0)
    # No fast repetition at all: all of them count.
    assert vtb_results.fast_state_entries([entries[2], entries[4]], 1380.0) == [entries[2], entries[4]]
