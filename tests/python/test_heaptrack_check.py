"""Tests of scripts/heaptrack_check.py: parsing recorded heaptrack_print output, the arithmetic,
and whole runs of a fake vtbench (tests/python/fixtures/fake_vtbench.cpp, whose --list prints the
fixture vocabulary) under the real heaptrack."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, VOCABULARY, VOCABULARY_FILE, run_script

import heaptrack_check
from json_input import ResultsError

ITERATIONS = 200


def test_parse_allocation_calls_reads_the_summary_not_the_backtrace_lines() -> None:
    recorded = (FIXTURES / "heaptrack_print_task_hit0_n1000.txt").read_text()
    assert "2037 calls to allocation functions" in recorded
    assert heaptrack_check.parse_allocation_calls(recorded, "recorded") == 2045


def test_parse_allocation_calls_without_summary_names_the_source() -> None:
    with pytest.raises(ResultsError, match="^x.zst: heaptrack_print printed no 'calls to allocation functions' line$"):
        heaptrack_check.parse_allocation_calls("MOST CALLS TO ALLOCATION FUNCTIONS\n", "x.zst")


def test_allocs_per_op_cancels_the_start_up_calls() -> None:
    assert heaptrack_check.allocs_per_op_from_calls(2045, 4045, 1000) == 2.0
    assert heaptrack_check.allocs_per_op_from_calls(1843, 1843, 10000) == 0.0
    assert heaptrack_check.allocs_per_op_from_calls(1000, 1250, 1000) == 0.25


@pytest.mark.parametrize("heaptrack_allocs, counted, expected", [
    (1.01, 1.0, True), (1.03, 1.0, False),      # relative at 1 alloc/op and above
    (102.0, 100.0, True), (103.0, 100.0, False),
    (0.015, 0.0, True), (0.03, 0.0, False),     # absolute below 1 alloc/op
])
def test_agreement_tolerance(heaptrack_allocs: float, counted: float, expected: bool) -> None:
    assert heaptrack_check.agrees(heaptrack_allocs, counted, 0.02) is expected


@pytest.fixture(scope="module")
def fake_vtbench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (shutil.which("heaptrack") and shutil.which("heaptrack_print") and shutil.which("g++")):
        pytest.skip("needs heaptrack, heaptrack_print and g++")
    binary = tmp_path_factory.mktemp("fake") / "fake_vtbench"
    subprocess.run(["g++", "-O0", "-o", str(binary), str(FIXTURES / "fake_vtbench.cpp")], check=True)
    return binary


# What run_all.sh has it check: one implementation per allocation pattern (the fake makes 2/1, 2/0 and 0/0).
THREE = ("--impl", "task,value_task,value_task_source")


def environment(**variables: str) -> dict[str, str]:
    return {**os.environ, "FAKE_VTBENCH_VOCABULARY": str(VOCABULARY_FILE), **variables}


def test_agreeing_run_writes_heaptrack_json_and_exits_0(tmp_path: Path, fake_vtbench: Path) -> None:
    finished = run_script("heaptrack_check.py", tmp_path, "--binary", fake_vtbench, "--iterations", str(ITERATIONS),
                          *THREE, env=environment(LD_PRELOAD=""))
    assert finished.returncode == 0, finished.stderr
    assert finished.stderr.count("heaptrack_check.py: [") == 12
    result = json.loads((tmp_path / "heaptrack.json").read_text())
    assert result["iterations"] == [ITERATIONS, 2 * ITERATIONS] and result["all_agree"] is True
    rows = {row["benchmark"]: row for row in result["rows"]}
    task_miss = rows["cache_lookup/impl:task/payload:int/db:async/hit:0"]
    assert task_miss["heaptrack_calls"][1] - task_miss["heaptrack_calls"][0] == 2 * ITERATIONS
    assert task_miss["heaptrack_allocs_per_op"] == 2.0 and task_miss["counted_allocs_per_op"] == 2.0
    assert rows["cache_lookup/impl:value_task/payload:int/db:async/hit:100"]["heaptrack_allocs_per_op"] == 0.0
    assert len(rows) == 6


def test_disagreement_exits_1_and_is_recorded(tmp_path: Path, fake_vtbench: Path) -> None:
    finished = run_script("heaptrack_check.py", tmp_path, "--binary", fake_vtbench, "--iterations", str(ITERATIONS),
                          *THREE, env=environment(FAKE_VTBENCH_MISCOUNT="value_task_source"))
    assert finished.returncode == 1
    assert finished.stderr.splitlines()[-1] == (
        "heaptrack_check.py: 2 of 6 rows disagree beyond tolerance 0.02: "
        "cache_lookup/impl:value_task_source/payload:int/db:async/hit:0, "
        "cache_lookup/impl:value_task_source/payload:int/db:async/hit:100")
    result = json.loads((tmp_path / "heaptrack.json").read_text())
    assert result["all_agree"] is False
    assert [row["agree"] for row in result["rows"]] == [True, True, True, True, False, False]
    assert "0.00                 0.50               NO" in finished.stdout


def test_failing_binary_is_a_one_line_error_and_writes_nothing(tmp_path: Path, fake_vtbench: Path) -> None:
    finished = run_script("heaptrack_check.py", tmp_path, "--binary", fake_vtbench, "--iterations", "10",
                          *THREE, env=environment(FAKE_VTBENCH_FAIL="1"))
    assert finished.returncode == 1
    error_lines = [line for line in finished.stderr.splitlines() if "error" in line]
    assert error_lines == [f"heaptrack_check.py: error: {fake_vtbench}: exited with status 3 under heaptrack for "
                           f"cache_lookup/impl:task/payload:int/db:async/hit:0: fake_vtbench: simulated failure"]
    assert list(tmp_path.iterdir()) == []


def test_last_program_line_skips_heaptracks_own_stats() -> None:
    stderr = ("fake_vtbench: simulated failure\nheaptrack stats:\n\tallocations:          \t1\n"
              "\ttemporary allocations:\t1\n")
    assert heaptrack_check.last_program_line(stderr) == "fake_vtbench: simulated failure"
    assert heaptrack_check.last_program_line("heaptrack stats:\n\tallocations: 1\n") == "no message"


def test_defaults_come_from_the_binarys_vocabulary_and_impl_hit_override_them(tmp_path: Path,
                                                                              fake_vtbench: Path) -> None:
    vocabulary = json.loads(json.dumps(VOCABULARY))
    vocabulary["hit_percent_sweeps"]["ends"] = [100]
    vocabulary["implementations"] = vocabulary["implementations"][:2]
    listed = tmp_path / "vocabulary.json"
    listed.write_text(json.dumps(vocabulary))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    finished = run_script("heaptrack_check.py", run_dir, "--binary", fake_vtbench, "--iterations", "50",
                          env=environment(FAKE_VTBENCH_VOCABULARY=str(listed)))
    assert finished.returncode == 0, finished.stderr
    rows = json.loads((run_dir / "heaptrack.json").read_text())["rows"]
    assert [row["benchmark"] for row in rows] == [f"cache_lookup/impl:{entry['name']}/payload:int/db:async/hit:100"
                                                  for entry in vocabulary["implementations"]]
    finished = run_script("heaptrack_check.py", run_dir, "--binary", fake_vtbench, "--iterations", "50",
                          "--impl", "sync", "--hit", "0,50", env=environment())
    assert finished.returncode == 0, finished.stderr
    rows = json.loads((run_dir / "heaptrack.json").read_text())["rows"]
    assert [row["benchmark"] for row in rows] == ["cache_lookup/impl:sync/payload:int/db:async/hit:0",
                                                  "cache_lookup/impl:sync/payload:int/db:async/hit:50"]


def test_an_implementation_the_binary_does_not_list_is_a_usage_error(tmp_path: Path, fake_vtbench: Path) -> None:
    usage = run_script("heaptrack_check.py", tmp_path, "--binary", fake_vtbench, "--impl", "thread", env=environment())
    assert usage.returncode == 2 and usage.stderr.startswith("heaptrack_check.py: error: --impl: thread not in ")
    assert list(tmp_path.iterdir()) == []
