"""Tests of scripts/service_results.py: a run's service/ files (docs/service-format.md) loaded into
Run.service, the fast-state selection, not-measured.txt, .json.gz, and every defect of a file refused
with one line naming the file, the run and what is wrong."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any, Callable

import pytest
from conftest import cache_entries, run_script, service_run, write_run, write_service

import vtb_results
from json_input import ResultsError
from service_results import ServiceKey

ENTRIES = cache_entries("task", 0, [10.0, 11.0], 1.0) + cache_entries("value_task", 0, [10.0, 11.0], 1.0)


def service_files(tmp_path: Path, runs: list[dict[str, Any]] | None = None, **kwargs: Any) -> Path:
    """A run directory with gcc-glibc's passes and a service/ of these runs (task and value_task at 0 and
    100 % hits by default); returns the run directory."""
    run = write_run(tmp_path / "run", {"gcc-glibc": ENTRIES})
    if runs is None:
        runs = [service_run(impl, hit, [1000.0, 1010.0, 990.0]) for impl in ("task", "value_task") for hit in (0, 100)]
    write_service(run, runs, **kwargs)
    return run


def test_a_service_run_is_loaded_with_its_counts_and_per_request_figures(tmp_path: Path) -> None:
    run = vtb_results.load_run(service_files(tmp_path, allocs={"task": 1.0}))
    assert run.service is not None and run.service.not_measured is None
    config = run.service.configs["gcc-glibc"]
    point = config.points[ServiceKey("task", 0.0, 1, 16, "closed", None)]
    assert point.requests_per_second.median == 1000.0 and point.requests_per_second.values == (1000.0, 1010.0, 990.0)
    assert point.allocs_per_request == 1.0 and config.points[ServiceKey("value_task", 100.0, 1, 16, "closed",
                                                                          None)].allocs_per_request == 0.0
    assert point.queries_per_request.median == point.misses_per_request.median == 1.0
    assert point.latency_ns["p99"].median == 1200.0 and point.latency_distribution_ns[-1] == (100.0, 90000.0)
    assert point.timed_in_fast_state and point.timed_repetitions == point.repetitions == 3


def test_a_run_without_service_has_none_and_a_run_without_postgres_says_why(tmp_path: Path) -> None:
    assert vtb_results.load_run(write_run(tmp_path / "old", {"gcc-glibc": ENTRIES})).service is None
    run = write_run(tmp_path / "run", {"gcc-glibc": ENTRIES})
    (run / "service").mkdir()
    (run / "service" / "not-measured.txt").write_text("no PostgreSQL (initdb is not installed)\n")
    service = vtb_results.load_run(run).service
    assert service is not None and service.configs == {}
    assert service.not_measured == "no PostgreSQL (initdb is not installed)"


def test_repetitions_in_the_slow_state_are_left_out_unless_none_is_fast(tmp_path: Path) -> None:
    runs = [service_run("task", 0, [1000.0, 1010.0, 500.0, 990.0], calibrations=[6900.0, 7000.0, 14000.0, 6950.0]),
            service_run("task", 100, [400.0, 420.0], calibrations=[13800.0, 14100.0])]
    points = vtb_results.load_run(service_files(tmp_path, runs)).service.configs["gcc-glibc"].points
    fast = points[ServiceKey("task", 0.0, 1, 16, "closed", None)]
    assert (fast.repetitions, fast.timed_repetitions, fast.timed_in_fast_state) == (4, 3, True)
    assert fast.requests_per_second.values == (1000.0, 1010.0, 990.0)
    slow = points[ServiceKey("task", 100.0, 1, 16, "closed", None)]
    assert (slow.timed_repetitions, slow.timed_in_fast_state, slow.requests_per_second.median) == (2, False, 410.0)


def test_the_compilers_fastest_calibration_is_the_reference(tmp_path: Path) -> None:
    """As for the benchmarks: the fast state is judged against the compiler's fastest over its timed files,
    so a service file that ran wholly in the slow state is not taken for fast."""
    entries = [dict(entry, calibration_ns=5000.0) for entry in ENTRIES]
    run = write_run(tmp_path / "run", {"gcc-glibc": entries})
    write_service(run, [service_run("task", 0, [1000.0, 1010.0], calibrations=[6900.0, 6950.0])])
    point = vtb_results.load_run(run).service.configs["gcc-glibc"].points[ServiceKey("task", 0.0, 1, 16, "closed",
                                                                                         None)]
    assert not point.timed_in_fast_state and point.timed_repetitions == 2


def test_gzipped_service_files_are_read(tmp_path: Path) -> None:
    run = service_files(tmp_path)
    for name in ("service.json", "service-counting.json"):
        path = run / "service" / "gcc-glibc" / name
        path.with_name(name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    assert len(vtb_results.load_run(run).service.configs["gcc-glibc"].points) == 4


def first_run(document: dict[str, Any]) -> dict[str, Any]:
    return document["runs"][0]


def first_repetition(document: dict[str, Any]) -> dict[str, Any]:
    return first_run(document)["repetitions"][0]


TASK_0 = "run 0 (task, hit 0 %, 1 worker(s) x 16 client(s), closed loop)"
BAD_FILES: list[tuple[str, str, Callable[[dict[str, Any]], None], str]] = [
    ("missing key", "service.json", lambda d: first_repetition(d).pop("requests_per_second"),
     f"{TASK_0}: repetition 0: 'requests_per_second' is missing"),
    ("NaN", "service.json", lambda d: first_repetition(d).update(client_cpu_ns_per_request=math.nan),
     f"{TASK_0}: repetition 0: 'client_cpu_ns_per_request' is NaN"),
    ("queries are not misses", "service.json", lambda d: first_repetition(d).update(queries=999),
     f"{TASK_0}: repetition 0: the server counted 999 queries but the program 100000 misses (they must be equal)"),
    ("a timing file from the counting binary", "service.json", lambda d: d["context"].update(counting=True),
     "its context says counting=true, but this file must come from vtbench_service (counting false)"),
    ("a counting file from the timing binary", "service-counting.json", lambda d: d["context"].update(counting=False),
     "its context says counting=false, but this file must come from vtbench_service_counting (counting true)"),
    ("no counting flag", "service.json", lambda d: d["context"].pop("counting"), "context: 'counting' is missing"),
    ("allocations in a timing file", "service.json", lambda d: first_run(d).update(allocs_per_request=2.0),
     f"{TASK_0}: 'allocs_per_request' is 2.0 in a timing run (null expected: allocations come from the counting run)"),
    ("no allocations in a counting file", "service-counting.json", lambda d: first_run(d).update(allocs_per_request=None),
     f"{TASK_0}: 'allocs_per_request' is null, not a number"),
    ("another configuration", "service.json", lambda d: d["context"].update(vtb_allocator="mimalloc"),
     "ran gcc-mimalloc, not gcc-glibc as its directory says"),
    ("unknown implementation", "service.json", lambda d: first_run(d).update(implementation="fiber"),
     "run 0: implementation 'fiber' is not in the run's vocabulary"),
    ("unknown loop", "service.json", lambda d: first_run(d).update(loop="half-open"),
     "run 0: loop 'half-open' is not one of closed, open"),
    ("an open loop without a rate", "service.json", lambda d: first_run(d).update(loop="open"),
     "run 0: 'target_rate' is null, not a number"),
    ("a run twice", "service.json", lambda d: d["runs"].append(first_run(d)),
     "run 4 (task, hit 0 %, 1 worker(s) x 16 client(s), closed loop) is listed twice"),
    ("percentiles out of order", "service.json", lambda d: first_repetition(d)["latency_ns"].update(p90=5.0),
     f"{TASK_0}: repetition 0: latency_ns is not in rank order (p50, p90, p99, p99.9, max)"),
    ("a bad distribution point", "service.json", lambda d: first_repetition(d)["latency_distribution_ns"].append([101, 5]),
     f"{TASK_0}: repetition 0: latency_distribution_ns has [101, 5], not a [percentile, latency] pair of figures "
     f"with 0 < percentile <= 100"),
    ("a counting run missing", "service-counting.json", lambda d: d["runs"].pop(0),
     "has no run of task, hit 0 %, 1 worker(s) x 16 client(s), closed loop, which service.json timed"),
    ("no repetitions", "service.json", lambda d: first_run(d).update(repetitions=[]), f"{TASK_0}: no repetitions"),
]


@pytest.mark.parametrize("file_name, damage, message", [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_a_bad_service_file_is_one_line_naming_what_is_wrong(tmp_path: Path, file_name: str,
                                                              damage: Callable[[dict[str, Any]], None],
                                                              message: str) -> None:
    run = service_files(tmp_path)
    path = run / "service" / "gcc-glibc" / file_name
    document = json.loads(path.read_text())
    damage(document)
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsError) as raised:
        vtb_results.load_run(run)
    assert str(raised.value) == f"{path}: {message}"


def test_a_bad_service_directory_is_one_line(tmp_path: Path) -> None:
    run = service_files(tmp_path)
    directory = run / "service" / "gcc-glibc"
    (directory / "service-counting.json").unlink()
    with pytest.raises(ResultsError, match=r"service-counting.json: missing \(the service's timing and counting runs "
                                           r"come in pairs\)$"):
        vtb_results.load_run(run)
    (run / "service" / "not-measured.txt").write_text("no PostgreSQL\n")
    with pytest.raises(ResultsError, match="not-measured.txt: says the service was not measured, but .*gcc-glibc "
                                           "holds its results$"):
        vtb_results.load_run(run)
    for child in directory.iterdir():
        child.unlink()
    directory.rmdir()
    (run / "service" / "not-measured.txt").write_text("")
    with pytest.raises(ResultsError, match="not-measured.txt: holds 0 lines, not the one line saying why"):
        vtb_results.load_run(run)


def test_report_py_refuses_a_bad_service_file_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    run = service_files(tmp_path)
    path = run / "service" / "gcc-glibc" / "service.json"
    path.write_text(path.read_text().replace('"server_cpu_ns_per_request": 10.0', '"server_cpu_ns_per_request": NaN', 1))
    finished = run_script("report.py", run)
    assert finished.returncode == 1 and not (run / "REPORT.md").exists()
    assert finished.stderr == f"report.py: error: {path}: {TASK_0}: repetition 0: 'server_cpu_ns_per_request' is NaN\n"
