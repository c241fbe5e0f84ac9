"""Tests of the loaders: scripts/benchmark_file.py (name parsing, repetition spreads, a file's checks),
scripts/vtb_results.py (a run: both passes, one vocabulary, the optional files) and scripts/vocabulary.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import IO, Any

import pytest
from conftest import FIXTURE_RUN, FIXTURES, VOCABULARY, cache_entries, made_up_run, repetitions, write_run

import benchmark_file
import script_io
import vocabulary
import vtb_results
from json_input import ResultsError
from stats import Spread


def test_parse_benchmark_name_drops_real_time_and_keeps_google_benchmark_keys() -> None:
    assert benchmark_file.parse_benchmark_name("cache_lookup_mt/impl:task/payload:int/db:async/hit:90/real_time/threads:2") \
        == ("cache_lookup_mt", {"impl": "task", "payload": "int", "db": "async", "hit": "90", "threads": "2"})
    assert benchmark_file.parse_benchmark_name("factory/kind:from_result_cached/iterations:500") \
        == ("factory", {"kind": "from_result_cached", "iterations": "500"})


def test_parse_benchmark_name_splits_at_the_first_colon() -> None:
    assert benchmark_file.parse_benchmark_name("x/label:a:b") == ("x", {"label": "a:b"})


@pytest.mark.parametrize("name", ["cache_lookup/impl", "cache_lookup/:task", "/impl:task", "cache_lookup/hit:"])
def test_parse_benchmark_name_rejects_parts_that_are_not_key_value(name: str) -> None:
    with pytest.raises(ValueError):
        benchmark_file.parse_benchmark_name(name)


def test_spread_is_median_min_max() -> None:
    assert benchmark_file.spread_of([3.0, 1.0, 2.0]) == Spread(2.0, 1.0, 3.0)
    assert benchmark_file.spread_of([4.0, 1.0, 2.0, 3.0]) == Spread(2.5, 1.0, 4.0)


def test_fixture_run_groups_repetitions_and_ignores_aggregates() -> None:
    run = vtb_results.load_run(FIXTURE_RUN)
    assert list(run.configs) == ["gcc-glibc", "clang-glibc", "gcc-mimalloc"]  # meta.json's order
    assert run.compilers() == ["gcc", "clang"] and run.allocators() == ["glibc", "mimalloc"]
    assert run.vocabulary.implementation_names()[:2] == ("sync", "task")
    bench = run.find("gcc", "glibc", "cache_lookup", impl="task", payload="int", db="async", hit=0)
    assert bench.repetitions == 5
    assert bench.real_time_ns == Spread(420.0, 413.7, 432.6)
    assert bench.counter("allocs_per_op") == Spread(2.0, 2.0, 2.0)
    gcc_glibc = run.config("gcc", "glibc")
    assert gcc_glibc.path == FIXTURE_RUN / "bench" / "gcc-glibc.json"
    assert gcc_glibc.counting_path == FIXTURE_RUN / "counts" / "gcc-glibc.json"
    footprint = gcc_glibc.find("footprint", form="task")
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
    with pytest.raises(ResultsError) as raised:
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
    bench = benchmark_file.load_benchmark_file(path).find("copy_cost", type="task")
    assert bench.real_time_ns == Spread(2000.0, 1500.0, 2500.0)


def test_a_failed_benchmark_is_refused_with_its_message(tmp_path: Path) -> None:
    entries = repetitions("factory/kind:completed_task", [1.0, 1.1])
    entries.append({"name": "factory/kind:from_exception", "run_name": "factory/kind:from_exception",
                    "run_type": "iteration", "error_occurred": True, "error_message": "threw"})
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"context": {}, "benchmarks": entries}))
    with pytest.raises(ResultsError) as raised:
        benchmark_file.load_benchmark_file(path)
    assert str(raised.value) == f"{path}: factory/kind:from_exception: failed: threw"


@pytest.mark.parametrize("content, message", [
    ("", "empty file"),
    ("{\"benchmarks\": [", "malformed JSON"),
    ("[]", "no 'benchmarks' list"),
    ("{\"benchmarks\": []}", "no benchmark repetitions"),
    ("{\"benchmarks\": [{\"name\": \"a/b:c\", \"run_type\": \"iteration\", \"repetition_index\": 0, "
     "\"real_time\": 1, \"time_unit\": \"fortnight\"}]}", "a/b:c: repetition 0: unknown time_unit 'fortnight'"),
    ("{\"benchmarks\": [{\"name\": \"a/b:c\", \"run_type\": \"iteration\", \"repetition_index\": 0, "
     "\"time_unit\": \"ns\"}]}", "a/b:c: repetition 0: 'real_time' is missing"),
    ("{\"benchmarks\": [{\"name\": \"a/b:c\", \"run_type\": \"iteration\", \"real_time\": 1, "
     "\"time_unit\": \"ns\"}]}", "a/b:c: 'repetition_index' is missing"),
    ("{\"benchmarks\": [{\"name\": \"a/b\", \"run_type\": \"iteration\", \"real_time\": 1, \"time_unit\": \"ns\"}]}",
     "is not key:value"),
])
def test_bad_benchmark_files_name_the_file_and_the_fault(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "gcc-glibc.json"
    path.write_text(content)
    with pytest.raises(ResultsError) as error:
        benchmark_file.load_benchmark_file(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


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
    with pytest.raises(ResultsError, match=r"misuse\.json: rule await_twice, form task has outcome 'maybe'"):
        vtb_results.load_run(run_dir)


def test_atomic_write_leaves_no_file_when_the_writer_fails(tmp_path: Path) -> None:
    def failing_writer(handle: IO[bytes]) -> None:
        handle.write(b"half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        script_io.atomic_write(tmp_path / "out.txt", failing_writer)
    assert list(tmp_path.iterdir()) == []
    script_io.atomic_write_text(tmp_path / "out.txt", "whole\n")
    assert (tmp_path / "out.txt").read_text() == "whole\n"
    assert [path.name for path in tmp_path.iterdir()] == ["out.txt"]


def test_order_key_follows_the_registry_then_names() -> None:
    names = ["asio_awaitable", "std_future", "lazy_task", "pooled_value_task", "task", "unknown_task"]
    order = vtb_results.load_run(FIXTURE_RUN).vocabulary.implementation_names()
    assert sorted(names, key=vocabulary.order_key(order)) == \
        ["task", "pooled_value_task", "lazy_task", "std_future", "asio_awaitable", "unknown_task"]


def test_multi_await_sweep_groups_by_via_and_state_in_a_fixed_order(tmp_path: Path) -> None:
    entries = []
    for name in ("via:as_task/state:pending/awaiters:16", "via:task/state:pending/awaiters:2",
                 "via:task/state:completed/awaiters:16", "via:task/state:completed/awaiters:2"):
        entries += repetitions(f"multi_await/{name}", [1.0])
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": entries}))
    sweep = benchmark_file.multi_await_sweep(run.config("gcc", "glibc"))
    assert list(sweep) == [("task", "completed"), ("task", "pending"), ("as_task", "pending")]
    assert [awaiters for awaiters, _ in sweep[("task", "completed")]] == [2, 16]


@pytest.mark.parametrize("name, message", [
    ("multi_await/via:task/state:pending/awaiters:many", "awaiters 'many' is not an integer"),
    ("multi_await/via:task/awaiters:4", "lacks via, state or awaiters"),
])
def test_multi_await_sweep_rejects_bad_names(tmp_path: Path, name: str, message: str) -> None:
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": repetitions(name, [1.0])}))
    with pytest.raises(ResultsError, match=message):
        benchmark_file.multi_await_sweep(run.config("gcc", "glibc"))


def test_cache_sweep_reads_the_two_thread_scenario(tmp_path: Path) -> None:
    entries = repetitions("cache_lookup_mt/impl:task/payload:int/db:async/hit:90/real_time/threads:2", [5.0])
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": entries}))
    bench_file = run.config("gcc", "glibc")
    assert benchmark_file.cache_sweep(bench_file) == {}
    assert [hit for hit, _ in benchmark_file.cache_sweep(bench_file, scenario="cache_lookup_mt")["task"]] == [90]


@pytest.mark.parametrize("name, content, message", [
    ("goroutine", {"available": True, "bytes_per_goroutine": 2731.5, "stack_bytes_per_goroutine": 2048.0},
     r"goroutine\.json: the top level: 'heap_bytes_per_goroutine' is missing"),
    ("misuse", {"forms": {"task": "vtb::Task<int>"}, "rules": []}, r"misuse\.json: the top level: 'forms' is an "
                                                                      r"object, not a list"),
    ("misuse", {"forms": [{"name": "task", "type": "t"}], "rules": []},
     r"misuse\.json: form task: 'value_task' is missing"),
    ("misuse", {"forms": [{"name": "thread", "type": "std::thread", "value_task": False}], "rules": []},
     r"misuse\.json: form 'thread' is not in the run's vtb_vocabulary"),
    ("misuse", {"forms": [{"name": "task", "type": "t", "value_task": True}], "rules": []},
     r"misuse\.json: form task: value_task is true, the run's vtb_vocabulary says false"),
    ("misuse", {"rules": [{"rule": "await_twice", "results": {"fiber": {"outcome": "allowed", "message": ""}}}]},
     r"misuse\.json: rule await_twice: 'fiber' is not one of its forms"),
    ("misuse", {"rules": [{"rule": "await_twice", "claim": 8, "results": {}}]},
     r"misuse\.json: rule await_twice: 'claim' is a number, not a string"),
    ("misuse", {"rules": [{"rule": "await_twice", "results": {"task": {"outcome": "detected", "message": "m",
                                                                       "exception": None}}}]},
     r"misuse\.json: rule await_twice, form task: 'exception' is null, not a string"),
])
def test_optional_fields_are_checked_when_present(tmp_path: Path, name: str, content: dict, message: str) -> None:
    run_dir = write_run(tmp_path / "run", {"gcc-glibc": repetitions("factory/kind:completed_task", [1.0])},
                        **{name: content})
    with pytest.raises(ResultsError, match=message):
        vtb_results.load_run(run_dir)


def test_the_real_misuse_and_goroutine_formats_load(run_copy: Path) -> None:
    shutil.copy(FIXTURES / "misuse.json", run_copy / "misuse.json")
    run = vtb_results.load_run(run_copy)
    assert run.misuse["forms"][5] == {"name": "source_core", "value_task": False,
                                      "type": "vtb::ManualResetValueTaskSourceCore<int> used directly"}
    assert run.goroutine["stack_bytes_per_goroutine"] + run.goroutine["heap_bytes_per_goroutine"] == \
        run.goroutine["bytes_per_goroutine"]


def test_repetitions_run_in_the_slow_machine_state_are_set_aside(tmp_path: Path) -> None:
    entries = repetitions("cache_lookup/impl:task/payload:int/db:async/hit:0", [30.0, 31.0, 58.0, 29.0, 57.0])
    for entry, calibration in zip(entries, [1400.0, 1380.0, 2900.0, 1390.0, 2800.0]):
        entry["calibration_ns"] = calibration
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"context": {}, "benchmarks": entries}))
    bench = benchmark_file.load_benchmark_file(path).benchmarks["cache_lookup/impl:task/payload:int/db:async/hit:0"]
    assert (bench.repetitions, bench.timed_repetitions) == (5, 3)
    assert bench.real_time_ns == Spread(30.0, 29.0, 31.0)
    # No fast repetition at all: all of them count.
    assert benchmark_file.fast_state_entries([entries[2], entries[4]], 1380.0) == [entries[2], entries[4]]


def test_the_vocabulary_says_which_implementations_are_value_tasks_and_pooled() -> None:
    parsed = vocabulary.parse_vocabulary(VOCABULARY, "fixture")
    assert [entry.name for entry in parsed.implementations if entry.value_task] == [
        "value_task_coroutine", "value_task", "value_task_source", "pooled_value_task"]
    assert parsed.pooled_implementations() == ("value_task_source", "pooled_value_task")
    assert parsed.value_task_forms() == ("value_task_inline", "value_task_wrapping_task", "value_task_source",
                                         "pooled_value_task")
    assert parsed.sweep("ends") == (0, 100) and parsed.names_of("form")[-1] == "fiber"
    assert parsed.unknown_part("cache_lookup", {"impl": "task", "hit": "37"}) is None
    assert parsed.unknown_part("cache_lookup", {"impl": "thread"}) == "impl 'thread'"
    assert parsed.unknown_part("sleep", {}) == "scenario 'sleep'"


def rewrite_context(path: Path, change: Any) -> None:
    document = json.loads(path.read_text())
    change(document["context"])
    path.write_text(json.dumps(document))


def drop_a_sweep(context: dict) -> None:
    data = json.loads(context["vtb_vocabulary"])
    del data["hit_percent_sweeps"]["crosscheck"]
    context["vtb_vocabulary"] = json.dumps(data)


def change_allocators(context: dict) -> None:
    data = json.loads(context["vtb_vocabulary"])
    data["allocators"] = ["glibc", "mimalloc"]
    context["vtb_vocabulary"] = json.dumps(data)


@pytest.mark.parametrize("file, change, message", [
    ("bench", lambda context: context.pop("vtb_vocabulary"),
     "bench/gcc-glibc.json: its context has no vtb_vocabulary: not written by this version of vtbench"),
    ("counts", lambda context: context.pop("vtb_vocabulary"),
     "counts/gcc-glibc.json: its context has no vtb_vocabulary: not written by this version of vtbench"),
    ("counts", change_allocators,
     "counts/gcc-glibc.json: its vtb_vocabulary differs from {run}/bench/gcc-glibc.json's (the run's files come "
     "from different versions of vtbench)"),
    ("bench", lambda context: context.update(vtb_vocabulary="{\"implementations\": ["),
     "bench/gcc-glibc.json: context vtb_vocabulary: malformed JSON (Expecting value at line 1 column 22)"),
    ("bench", lambda context: context.update(vtb_vocabulary=["sync"]),
     "bench/gcc-glibc.json: context: 'vtb_vocabulary' is a list, not a string"),
    ("bench", drop_a_sweep, "bench/gcc-glibc.json: vtb_vocabulary: no hit-percent sweep crosscheck"),
])
def test_every_file_of_a_run_carries_the_same_vocabulary(tmp_path: Path, file: str, change: Any, message: str) -> None:
    directory = write_run(tmp_path / "run", {"gcc-glibc": cache_entries("task", 0, [10.0, 11.0], 1.0)})
    rewrite_context(directory / file / "gcc-glibc.json", change)
    with pytest.raises(ResultsError) as raised:
        vtb_results.load_run(directory)
    assert str(raised.value) == f"{directory}/{message.format(run=directory)}"


@pytest.mark.parametrize("entries, message", [
    (cache_entries("thread", 0, [1.0], 1.0),
     "bench/gcc-glibc.json: cache_lookup/impl:thread/payload:int/db:async/hit:0: impl 'thread' is not in its "
     "vtb_vocabulary"),
    (repetitions("footprint/form:thread", [1.0], bytes_per_op=1.0),
     "counts/gcc-glibc.json: footprint/form:thread/iterations:2000: form 'thread' is not in its vtb_vocabulary"),
    (repetitions("sleep/ms:1", [1.0]), "bench/gcc-glibc.json: sleep/ms:1: scenario 'sleep' is not in its "
                                      "vtb_vocabulary"),
])
def test_benchmark_names_must_be_in_the_vocabulary(tmp_path: Path, entries: list, message: str) -> None:
    directory = write_run(tmp_path / "run", {"gcc-glibc": entries})  # footprint is counted only: counts/
    with pytest.raises(ResultsError) as raised:
        vtb_results.load_run(directory)
    assert str(raised.value) == f"{directory}/{message}"


def test_a_configuration_allocator_must_be_in_the_vocabulary(tmp_path: Path) -> None:
    directory = write_run(tmp_path / "run", {"gcc-hoard": cache_entries("task", 0, [1.0], 1.0)})
    with pytest.raises(ResultsError) as raised:
        vtb_results.load_run(directory)
    assert str(raised.value) == (f"{directory}/meta.json: configuration gcc-hoard: allocator 'hoard' is not in "
                                 f"vtbench's vocabulary (glibc, mimalloc, jemalloc, tcmalloc)")


def test_compilers_follow_meta_json_and_allocators_the_vocabulary(tmp_path: Path) -> None:
    entries = cache_entries("task", 0, [1.0], 1.0)
    directory = write_run(tmp_path / "run", {name: entries for name in ("clang-tcmalloc", "gcc-glibc", "clang-glibc")})
    meta = json.loads((directory / "meta.json").read_text())
    meta["configurations"] = ["clang-tcmalloc", "gcc-glibc", "clang-glibc"]
    (directory / "meta.json").write_text(json.dumps(meta))
    run = vtb_results.load_run(directory)
    assert list(run.configs) == ["clang-tcmalloc", "gcc-glibc", "clang-glibc"]
    assert run.compilers() == ["clang", "gcc"] and run.allocators() == ["glibc", "tcmalloc"]
