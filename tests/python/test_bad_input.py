"""Bad input to every script: a one-line error naming the file, a non-zero exit, no traceback,
and nothing half-written left behind."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Callable

import pytest
from conftest import FIXTURE_RUN, run_script


def missing_directory(run_dir: Path) -> Path:
    return run_dir.parent / "no-such-run"


def empty_bench_file(run_dir: Path) -> Path:
    path = run_dir / "bench" / "gcc-mimalloc.json"
    path.write_text("")
    return path


def malformed_bench_file(run_dir: Path) -> Path:
    path = run_dir / "bench" / "clang-glibc.json"
    path.write_text('{"context": {}, "benchmarks": [{"name": "cache_lookup/impl:task"')
    return path


def missing_configuration(run_dir: Path) -> Path:
    path = run_dir / "bench" / "gcc-mimalloc.json"
    path.unlink()
    return path


def malformed_meta(run_dir: Path) -> Path:
    path = run_dir / "meta.json"
    path.write_text("{\"run_id\": ")
    return path


def malformed_optional_file(run_dir: Path) -> Path:
    path = run_dir / "heaptrack.json"
    path.write_text(json.dumps({"tolerance": 0.02, "rows": [{"benchmark": "x"}]}))
    return path


BREAKAGES: list[Callable[[Path], Path]] = [missing_directory, empty_bench_file, malformed_bench_file,
                                           missing_configuration, malformed_meta, malformed_optional_file]


def files_under(directory: Path) -> set[Path]:
    return {path for path in directory.rglob("*")} if directory.exists() else set()


def assert_one_line_error(finished: subprocess.CompletedProcess, prog: str, named: Path) -> None:
    assert finished.returncode == 1, finished
    assert "Traceback" not in finished.stderr
    lines = finished.stderr.splitlines()
    assert len(lines) == 1, finished.stderr
    assert lines[0].startswith(f"{prog}: error: {named}"), lines[0]


@pytest.mark.parametrize("script", ["charts.py", "report.py", "compare"])
@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda breakage: breakage.__name__)
def test_bad_run_directory(script: str, breakage: Callable[[Path], Path], run_copy: Path) -> None:
    named = breakage(run_copy)
    run_dir = run_copy if named != missing_directory(run_copy) else named
    before = files_under(run_copy)
    arguments = [run_dir, FIXTURE_RUN] if script == "compare" else [run_dir]
    finished = run_script(script, *arguments)
    assert_one_line_error(finished, script, named)
    assert files_under(run_copy) == before


@pytest.mark.parametrize("arguments, named", [
    (["{missing}", "--binary", "/bin/true"], "{missing}"),
    (["{run}", "--binary", "{run}/no-such-vtbench"], "{run}/no-such-vtbench"),
    (["{run}", "--binary", "{run}/meta.json"], "{run}/meta.json"),
])
def test_heaptrack_check_bad_paths(arguments: list[str], named: str, run_copy: Path) -> None:
    fill = {"missing": run_copy.parent / "no-such-run", "run": run_copy}
    before = files_under(run_copy)
    finished = run_script("heaptrack_check.py", *[argument.format(**fill) for argument in arguments])
    assert_one_line_error(finished, "heaptrack_check.py", Path(named.format(**fill)))
    assert files_under(run_copy) == before


@pytest.mark.parametrize("script, arguments", [
    ("charts.py", []),
    ("charts.py", ["{run}", "--bogus"]),
    ("report.py", ["{run}", "{run}"]),
    ("heaptrack_check.py", ["{run}"]),
    ("heaptrack_check.py", ["{run}", "--binary", "/bin/true", "--iterations", "0"]),
    ("heaptrack_check.py", ["{run}", "--binary", "/bin/true", "--tolerance", "-1"]),
    ("compare", ["{run}"]),
    ("compare", ["{run}", "{run}", "--threshold", "-5"]),
])
def test_bad_arguments_exit_2_with_one_line(script: str, arguments: list[str]) -> None:
    finished = run_script(script, *[argument.format(run=FIXTURE_RUN) for argument in arguments])
    assert finished.returncode == 2, finished
    assert len(finished.stderr.splitlines()) == 1, finished.stderr
    assert finished.stderr.startswith(f"{script}: error: ") and finished.stderr.rstrip().endswith("(see --help)")


@pytest.mark.parametrize("script", ["charts.py", "report.py", "heaptrack_check.py", "compare"])
def test_help(script: str) -> None:
    finished = run_script(script, "--help")
    assert finished.returncode == 0 and finished.stdout.startswith(f"usage: {script}")
