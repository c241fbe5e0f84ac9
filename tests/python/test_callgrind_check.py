"""Tests of scripts/callgrind_check.py: parsing a recorded callgrind output file, the N/2N
arithmetic, the baseline comparison, and whole runs with stand-ins for valgrind and vtbench
(tests/python/fixtures/callgrind/fake_*.py), so that no test runs the real valgrind. The
real run is the ctest test callgrind_baseline (tests/callgrind/)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, PYTHON, run_script

import cachegrind_runs
import callgrind_baseline
import callgrind_check
from cachegrind_runs import CallgrindRow
from callgrind_baseline import Baseline
from json_input import ResultsError

CALLGRIND_FIXTURES = FIXTURES / "callgrind"
ITERATIONS = 1000
TASK_HIT = "cache_lookup/impl:task/payload:int/db:async/hit:100"
VALUE_TASK_HIT = "cache_lookup/impl:value_task/payload:int/db:async/hit:100"
SYNC_HIT = "cache_lookup/impl:sync/payload:int/db:async/hit:100"


def test_parse_reads_the_recorded_totals() -> None:
    recorded = (CALLGRIND_FIXTURES / "task_hit100_n1000.callgrind").read_text()
    assert cachegrind_runs.parse_event_totals(recorded, "recorded")["Ir"] == 5213425


@pytest.mark.parametrize("text, expected", [
    ("events: Ir Dr\nsummary: 10 20\nfn=(1) f\n0 10 20\ntotals: 10 20\n", 10),
    ("events: Dr Ir\nsummary: 5 7\ntotals: 5 7\n", 7),
    ("events: Ir\nsummary: 1234\nfn=(1) f\n0 1234\n", 1234),   # no totals line: the header's summary
])
def test_parse_takes_the_ir_column(text: str, expected: int) -> None:
    assert cachegrind_runs.parse_event_totals(text, "x")["Ir"] == expected


@pytest.mark.parametrize("text, message", [
    ("", "x: not callgrind output (no 'events:' line)"),
    ("events: Dr\ntotals: 5\n", "x: callgrind recorded no Ir (instructions) event, only Dr"),
    ("events: Ir\nfn=(1) f\n0 10\n", "x: no 'totals:' or 'summary:' line (callgrind did not finish?)"),
    ("events: Ir Dr\ntotals: \n", "x: cost line '' has no Ir figure"),
    ("events: Ir\ntotals: 12x\n", "x: cost line '12x' has no Ir figure"),
    ("events: Ir\ntotals: 0\n", "x: callgrind counted no instructions"),
])
def test_parse_errors_name_the_source(text: str, message: str) -> None:
    with pytest.raises(ResultsError) as raised:
        cachegrind_runs.parse_event_totals(text, "x")
    assert str(raised.value) == message


def test_instructions_per_op_cancels_the_start_up_cost() -> None:
    start_up = 3_366_425
    assert cachegrind_runs.instructions_per_op(start_up + 443 * 1000, start_up + 443 * 2000, 1000, "b") == 443.0
    assert cachegrind_runs.instructions_per_op(5213425, 5656437, 1000, "b") == 443.01   # rounded to 0.01
    with pytest.raises(ResultsError, match="^b: the 2000-iteration run executed 100 instructions, "
                                           r"no more than the 1000-iteration run \(100\)$"):
        cachegrind_runs.instructions_per_op(100, 100, 1000, "b")


def comparison(baseline: float, measured: float) -> callgrind_baseline.BaselineComparison:
    return callgrind_baseline.compare_with_baseline({TASK_HIT: baseline}, {TASK_HIT: measured})


@pytest.mark.parametrize("measured, rose", [(109.0, False), (110.0, False), (111.0, True), (80.0, False)])
def test_a_rise_beyond_the_tolerance_is_a_regression(measured: float, rose: bool) -> None:
    risen = callgrind_baseline.regressions(comparison(100.0, measured), 0.10)
    assert [change.benchmark for change in risen] == ([TASK_HIT] if rose else [])


def test_missing_and_new_rows_are_told_apart() -> None:
    result = callgrind_baseline.compare_with_baseline({TASK_HIT: 400.0, VALUE_TASK_HIT: 50.0},
                                                   {TASK_HIT: 401.0, SYNC_HIT: 20.0})
    assert [change.benchmark for change in result.changes] == [TASK_HIT]
    assert result.missing == [VALUE_TASK_HIT] and result.new == [SYNC_HIT]


def test_baseline_rows_keep_hit_100_of_the_selected_implementations() -> None:
    figures = {TASK_HIT: 1.0, VALUE_TASK_HIT: 2.0, "cache_lookup/impl:task/payload:int/db:async/hit:0": 3.0}
    assert callgrind_baseline.baseline_rows(figures) == {TASK_HIT: 1.0, VALUE_TASK_HIT: 2.0}
    assert callgrind_baseline.baseline_rows(figures, ["value_task"]) == {VALUE_TASK_HIT: 2.0}


def table_row(printed: str, benchmark: str) -> list[str]:
    """The cells of the printed table's line for `benchmark` (columns are two or more spaces apart)."""
    lines = [line for line in printed.splitlines() if line.startswith(benchmark + " ")]
    assert len(lines) == 1, printed
    return re.split(r"\s{2,}", lines[0])


def rows(**figures: float) -> list[CallgrindRow]:
    return [CallgrindRow(f"cache_lookup/impl:{impl}/payload:int/db:async/hit:100", "gcc-glibc", value)
            for impl, value in figures.items()]


def test_check_prints_the_table_and_fails_on_a_missing_row(capsys: pytest.CaptureFixture[str]) -> None:
    baseline = Baseline(Path("base.json"), {TASK_HIT: 400.0, VALUE_TASK_HIT: 50.0}, {})
    assert callgrind_check.check_against_baseline(baseline, rows(task=436.0, sync=22.0), {}, 0.10, None) == 1
    out, err = capsys.readouterr()
    assert table_row(out, TASK_HIT) == [TASK_HIT, "400.00", "436.00", "+9.0%", "ok"]
    assert table_row(out, SYNC_HIT) == [SYNC_HIT, "-", "22.00", "-", "new"]
    assert table_row(out, VALUE_TASK_HIT) == [VALUE_TASK_HIT, "-", "-", "-", "MISSING"]
    assert "callgrind_check.py: rows not in base.json (new, not checked): 1" in out
    assert err == (f"callgrind_check.py: error: base.json: rows missing from this run "
                   f"(implementation removed or renamed?): {VALUE_TASK_HIT}\n")
    # The same run restricted to the implementations it measured compares only those.
    assert callgrind_check.check_against_baseline(baseline, rows(task=436.0), {}, 0.10, ["task"]) == 0


def test_check_notes_a_baseline_from_another_build(capsys: pytest.CaptureFixture[str]) -> None:
    baseline = Baseline(Path("base.json"), {TASK_HIT: 400.0}, {"vtb_cxx_flags": "-O2", "vtb_git_revision": "old"})
    context = {"vtb_cxx_flags": "-O3", "vtb_git_revision": "new"}
    assert callgrind_check.check_against_baseline(baseline, rows(task=444.0), context, 0.10, None) == 1
    assert capsys.readouterr().err.splitlines() == [
        "callgrind_check.py: note: base.json was recorded with another build: "
        "vtb_cxx_flags: baseline '-O2', binary '-O3'",
        f"callgrind_check.py: 1 of 1 rows rose by more than 10% over base.json: {TASK_HIT}"]


@pytest.mark.parametrize("content, message", [
    ({"rows": []}, "not a callgrind baseline (no 'rows' list)"),
    ({"rows": [{"benchmark": TASK_HIT, "instructions_per_op": 0}]}, "row 0: 'instructions_per_op' is not positive (0)"),
    ({"rows": [{"benchmark": TASK_HIT, "instructions_per_op": "443"}]},
     "row 0: 'instructions_per_op' is a string, not a number"),
    # A NaN or infinite baseline figure would make every comparison false: the gate would pass anything.
    ({"rows": [{"benchmark": TASK_HIT, "instructions_per_op": float("nan")}]}, "row 0: 'instructions_per_op' is NaN"),
    ({"rows": [{"benchmark": TASK_HIT, "instructions_per_op": float("inf")}]},
     "row 0: 'instructions_per_op' is infinite"),
    ({"rows": [{"instructions_per_op": 1}]}, "row 0: 'benchmark' is missing"),
    ({"rows": [1]}, "row 0 is not an object"),
    ({"rows": [{"benchmark": "cache_lookup/impl", "instructions_per_op": 1}]},
     "row 0: benchmark name 'cache_lookup/impl': part 'impl' is not key:value"),
    ({"rows": [{"benchmark": TASK_HIT, "instructions_per_op": 1}] * 2}, f"{TASK_HIT} is listed twice"),
])
def test_bad_baseline_files(tmp_path: Path, content: object, message: str) -> None:
    path = tmp_path / "base.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ResultsError) as raised:
        callgrind_baseline.load_baseline(path)
    assert str(raised.value) == f"{path}: {message}"


@pytest.mark.parametrize("content, message", [
    (b'{"rows": []}\xff', "not UTF-8 text (byte 0xff at offset 12)"),
    (b"[" * 100_000, "JSON nested too deeply to read"),
    (b"", "empty file"),
])
def test_unreadable_baseline_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "base.json"
    path.write_bytes(content)
    with pytest.raises(ResultsError) as raised:
        callgrind_baseline.load_baseline(path)
    assert str(raised.value) == f"{path}: {message}"


# Whole runs, with fake_valgrind.py as `valgrind` on PATH and fake_vtbench.py as the binary.

FAKE_COSTS = {"sync:0": 30, "sync:90": 22.7, "sync:100": 21.96, "task:0": 631, "task:90": 460, "task:100": 443,
              "value_task:0": 693, "value_task:90": 110, "value_task:100": 54}
FAKE_COPY_COSTS = {"copy_cost/type:value_task/depth:1": 23, "copy_cost/type:task/depth:1": 16}


@pytest.fixture
def fakes(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """(the fake vtbench, an environment whose PATH finds the fake valgrind first)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in (("valgrind", "fake_valgrind.py"), ("fake_vtbench", "fake_vtbench.py")):
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\nexec {PYTHON} {CALLGRIND_FIXTURES / script} "$@"\n')
        wrapper.chmod(0o755)
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_CALLGRIND_COSTS": json.dumps({**FAKE_COSTS, **FAKE_COPY_COSTS})}
    return bin_dir / "fake_vtbench", environment


def check(*arguments: str | Path, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return run_script("callgrind_check.py", *arguments, "--iterations", str(ITERATIONS), env=environment)


def write_baseline(path: Path, **figures: float) -> Path:
    path.write_text(json.dumps({"rows": [{"benchmark": row.benchmark, "config": row.config,
                                          "instructions_per_op": row.instructions_per_op}
                                         for row in rows(**figures)]}))
    return path


def test_run_dir_gets_callgrind_json_for_hit_0_90_and_100_and_copy_cost(tmp_path: Path, fakes: tuple[Path, dict[str, str]]) -> None:
    binary, environment = fakes
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    finished = check(run_dir, "--binary", binary, environment=environment)
    assert finished.returncode == 0, finished.stderr
    progress = [line for line in finished.stderr.splitlines() if line.startswith("callgrind_check.py: [")]
    assert progress[0] == ("callgrind_check.py: [1-2/22] cache_lookup/impl:sync/payload:int/db:async/hit:0, "
                           "1000 and 2000 iterations")
    assert progress[-1] == "callgrind_check.py: [21-22/22] copy_cost/type:task/depth:1, 1000 and 2000 iterations"
    assert len(progress) == 11
    result = json.loads((run_dir / "callgrind.json").read_text())
    assert result["iterations"] == [ITERATIONS, 2 * ITERATIONS]
    assert {(row["benchmark"], row["config"], row["instructions_per_op"]) for row in result["rows"]} == {
        (f"cache_lookup/impl:{impl_hit.split(':')[0]}/payload:int/db:async/hit:{impl_hit.split(':')[1]}",
         "gcc-glibc", cost) for impl_hit, cost in FAKE_COSTS.items()} | {
        (name, "gcc-glibc", cost) for name, cost in FAKE_COPY_COSTS.items()}
    # The fake makes 10 branches, 1 mispredicted, and 2 D1 misses per iteration.
    assert {(row["branches_per_op"], row["branch_mispredicts_per_op"], row["d1_misses_per_op"])
            for row in result["rows"]} == {(10.0, 1.0, 2.0)}


def test_baseline_written_then_checked(tmp_path: Path, fakes: tuple[Path, dict[str, str]]) -> None:
    binary, environment = fakes
    baseline = tmp_path / "baseline.json"
    written = check("--binary", binary, "--write-baseline", baseline, environment=environment)
    assert written.returncode == 0, written.stderr
    assert written.stderr.count("callgrind_check.py: [") == 3   # hit:100 only without RUN_DIR
    content = json.loads(baseline.read_text())
    assert content["build"]["vtb_compiler_version"] == "12.2.0" and content["valgrind"] == "valgrind-3.19.0-fake"
    assert [row["instructions_per_op"] for row in content["rows"]] == [21.96, 443, 54]
    checked = check("--binary", binary, "--check-baseline", baseline, environment=environment)
    assert checked.returncode == 0, checked.stderr
    assert table_row(checked.stdout.split("status")[1], TASK_HIT) == [TASK_HIT, "443.00", "443.00", "+0.0%", "ok"]


def test_regression_exits_1_naming_the_rows(tmp_path: Path, fakes: tuple[Path, dict[str, str]]) -> None:
    binary, environment = fakes
    baseline = write_baseline(tmp_path / "baseline.json", task=443 / 1.11, value_task=54 / 1.09)
    finished = check("--binary", binary, "--check-baseline", baseline, environment=environment)
    assert finished.returncode == 1
    assert finished.stderr.splitlines()[-1] == (f"callgrind_check.py: 1 of 2 rows rose by more than 10% "
                                                f"over {baseline}: {TASK_HIT}")
    comparison_table = finished.stdout.split("status")[1]
    assert table_row(comparison_table, TASK_HIT) == [TASK_HIT, "399.10", "443.00", "+11.0%", "ROSE > 10%"]
    assert table_row(comparison_table, VALUE_TASK_HIT) == [VALUE_TASK_HIT, "49.54", "54.00", "+9.0%", "ok"]
    assert table_row(comparison_table, SYNC_HIT) == [SYNC_HIT, "-", "21.96", "-", "new"]


def test_baseline_row_missing_from_the_binary_is_an_error(tmp_path: Path, fakes: tuple[Path, dict[str, str]]) -> None:
    binary, environment = fakes
    baseline = write_baseline(tmp_path / "baseline.json", task=443, value_task=54)
    finished = check("--binary", binary, "--check-baseline", baseline,
                     environment={**environment, "FAKE_VTBENCH_IMPLS": "sync,task"})
    assert finished.returncode == 1
    assert finished.stderr.splitlines()[-1] == (f"callgrind_check.py: error: {baseline}: rows missing from this run "
                                                f"(implementation removed or renamed?): {VALUE_TASK_HIT}")


def assert_one_line_error(finished: subprocess.CompletedProcess, message: str) -> None:
    assert finished.returncode == 1, finished
    assert "Traceback" not in finished.stderr
    errors = [line for line in finished.stderr.splitlines() if not line.startswith("callgrind_check.py: [")]
    assert errors == [f"callgrind_check.py: error: {message}"]


@pytest.mark.parametrize("variables, message", [
    ({"FAKE_VTBENCH_FAIL": "task"},
     "{binary}: exited with status 3 under cachegrind for cache_lookup/impl:task/payload:int/db:async/hit:0: "
     "fake_vtbench: simulated failure"),
    ({"FAKE_CALLGRIND_GARBAGE": "1"},
     "cachegrind output of cache_lookup/impl:sync/payload:int/db:async/hit:0, 1000 iterations: "
     "no 'totals:' or 'summary:' line (callgrind did not finish?)"),
    ({"FAKE_VTBENCH_COMPILER": "clang"},
     "{binary}: runs as configuration clang-glibc without LD_PRELOAD, not --config gcc-glibc"),
    ({"FAKE_VTBENCH_COUNTING": "on"},
     "{binary}: counts allocations (vtb_counting on): measure the timing binary vtbench, whose instructions "
     "include no counting"),
])
def test_bad_runs_are_one_line_errors_and_write_nothing(tmp_path: Path, fakes: tuple[Path, dict[str, str]],
                                                         variables: dict[str, str], message: str) -> None:
    binary, environment = fakes
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    baseline = tmp_path / "new-baseline.json"
    finished = check(run_dir, "--binary", binary, "--write-baseline", baseline, environment={**environment, **variables})
    assert_one_line_error(finished, message.format(binary=binary))
    assert list(run_dir.iterdir()) == [] and not baseline.exists()


@pytest.mark.parametrize("arguments, message", [
    (["--binary", "{tmp}/no-such-vtbench", "--check-baseline", "{tmp}/base.json"],
     "{tmp}/no-such-vtbench: no such executable"),
    (["{tmp}/no-such-run", "--binary", "{binary}"], "{tmp}/no-such-run: no such run directory"),
    (["--binary", "{binary}", "--check-baseline", "{tmp}/base.json"], "{tmp}/base.json: no such file"),
])
def test_bad_paths(tmp_path: Path, fakes: tuple[Path, dict[str, str]], arguments: list[str], message: str) -> None:
    binary, environment = fakes
    fill = {"tmp": tmp_path, "binary": binary}
    finished = check(*[argument.format(**fill) for argument in arguments], environment=environment)
    assert_one_line_error(finished, message.format(**fill))


def test_valgrind_absent(tmp_path: Path, fakes: tuple[Path, dict[str, str]]) -> None:
    binary, environment = fakes
    finished = check(tmp_path, "--binary", binary, environment={**environment, "PATH": str(tmp_path)})
    assert_one_line_error(finished, "valgrind: not found on PATH (Debian package valgrind)")


@pytest.mark.parametrize("arguments", [
    ["--binary", "{binary}"],                                          # nothing to do
    ["{tmp}", "--binary", "{binary}", "--impl", "task,nope"],          # not in --list
    ["{tmp}", "--binary", "{binary}", "--hit", "sometimes"],           # no such sweep in --list
    ["{tmp}", "--binary", "{binary}", "--hit", "0,101"],
    ["{tmp}", "--binary", "{binary}", "--impl", "task,"],
    ["{tmp}", "--binary", "{binary}", "--config", "gcc"],
    ["{tmp}", "--binary", "{binary}", "--iterations", "0"],
    ["{tmp}", "--binary", "{binary}", "--iterations", "50000"],        # 100000 has one digit more
    ["{tmp}", "--binary", "{binary}", "--tolerance", "-0.1"],
])
def test_bad_arguments_exit_2_with_one_line(tmp_path: Path, fakes: tuple[Path, dict[str, str]],
                                            arguments: list[str]) -> None:
    binary, environment = fakes
    finished = run_script("callgrind_check.py", *[argument.format(tmp=tmp_path, binary=binary) for argument in arguments],
                          env=environment)
    assert finished.returncode == 2, finished
    assert len(finished.stderr.splitlines()) == 1, finished.stderr
    assert finished.stderr.startswith("callgrind_check.py: error: ") and finished.stderr.rstrip().endswith("(see --help)")
    assert list(tmp_path.glob("callgrind.json")) == []


def test_help() -> None:
    finished = run_script("callgrind_check.py", "--help")
    assert finished.returncode == 0 and finished.stdout.startswith("usage: callgrind_check.py")
    assert "--check-baseline FILE" in finished.stdout and "--write-baseline FILE" in finished.stdout


def test_hit_takes_a_sweep_of_the_binarys_vocabulary(tmp_path: Path, fakes: tuple[Path, dict[str, str]]) -> None:
    binary, environment = fakes
    finished = check(tmp_path, "--binary", binary, "--impl", "task", "--hit", "ends", environment=environment)
    assert finished.returncode == 0, finished.stderr
    rows = json.loads((tmp_path / "callgrind.json").read_text())["rows"]
    assert [row["benchmark"].rsplit("/", 1)[1] for row in rows if row["benchmark"].startswith("cache_lookup/")] == [
        "hit:0", "hit:100"]


def test_a_nan_baseline_figure_is_refused_before_anything_runs(tmp_path: Path,
                                                               fakes: tuple[Path, dict[str, str]]) -> None:
    binary, environment = fakes
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"rows": [{"benchmark": "%s", "instructions_per_op": NaN}]}' % TASK_HIT)
    finished = check("--binary", binary, "--check-baseline", baseline, environment=environment)
    assert_one_line_error(finished, f"{baseline}: row 0: 'instructions_per_op' is NaN")
    assert "[1-2/" not in finished.stderr


@pytest.mark.parametrize("program, message", [
    ("/bin/echo", "{binary} --list: malformed JSON (Expecting value at line 1 column 1)"),
    ("/bin/false", "{binary} --list: exited with status 1: no message"),
])
def test_a_binary_that_does_not_publish_its_vocabulary(tmp_path: Path, fakes: tuple[Path, dict[str, str]],
                                                       program: str, message: str) -> None:
    binary = tmp_path / "old-vtbench"
    binary.symlink_to(program)
    finished = check(tmp_path, "--binary", binary, environment=fakes[1])
    assert_one_line_error(finished, message.format(binary=binary))
    assert not (tmp_path / "callgrind.json").exists()
