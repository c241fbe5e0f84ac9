"""run_all.sh's bad inputs: one line naming the problem, a non-zero exit, nothing left
behind; and a failed or interrupted run removes what it wrote in its results directory,
whether it created that directory or found it empty."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_ALL = REPO / "run_all.sh"
# A run on the gcc build alone (built by the gcc preset before the Python tests in --test).
SMALL_RUN = ("--quick", "--compilers=gcc", "--allocators=glibc")


def run_all(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUN_ALL), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def the_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("args, message", [
    (("--allocators=glibc,glibc",), "--allocators: 'glibc' is given twice"),
    (("--compilers=gcc,gcc",), "--compilers: 'gcc' is given twice"),
    (("--allocators=glibc,",), "--allocators: 'glibc,' has an empty name"),
    (("--allocators=snmalloc",), "--allocators: unknown name 'snmalloc' (known: glibc, mimalloc, jemalloc, tcmalloc)"),
    (("--out=",), "--out: the directory name is empty"),
    (("--filter=",), "--filter: the regular expression is empty"),
    (("--repetitions=0",), "--repetitions: '0' is not an integer from 1 to 1000"),
    (("--repetitions=99999999999999999999",), "is not an integer from 1 to 1000"),
    (("--repetitions=2.5",), "is not an integer from 1 to 1000"),
    (("--test", "--quick"), "--test takes no other option"),
    (("--bogus",), "unknown option '--bogus'"),
    (("--compare", "no-such-revision", "HEAD"), "--compare: unknown revision 'no-such-revision'"),
    (("--compare", "HEAD"), "--compare needs two revisions: --compare REV_A REV_B"),
    (("--compare=HEAD", "HEAD"), "--compare takes two revisions: --compare REV_A REV_B"),
    (("--compare", "HEAD", "HEAD", "--quick"),
     "--compare takes only --filter, --impl, --hit, --rounds, --repetitions and --out"),
    (("--compare", "HEAD", "HEAD", "--rounds=3"), "--rounds: '3' is not an integer from 4 to 1000"),
    (("--impl=sync",), "--impl, --hit and --rounds go with --compare"),
])
def test_bad_options_are_refused_before_anything_runs(args: tuple[str, ...], message: str) -> None:
    result = run_all(*args)
    assert result.returncode == 2
    assert message in the_error_line(result)


def test_an_out_that_is_a_file_is_not_a_directory(tmp_path: Path) -> None:
    regular = tmp_path / "file"
    regular.write_text("keep me")
    result = run_all(f"--out={regular}")
    assert result.returncode == 2
    assert the_error_line(result).endswith(f"--out {regular}: not a directory")
    assert regular.read_text() == "keep me"


def test_an_out_that_is_not_empty_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    result = run_all(f"--out={tmp_path}")
    assert result.returncode == 2
    assert "exists and is not empty" in the_error_line(result)
    assert [path.name for path in tmp_path.iterdir()] == ["mine.txt"]


def test_an_out_that_cannot_be_created_is_refused_before_building() -> None:
    result = run_all("--out=/proc/vtbench-cannot-be-here")
    assert result.returncode == 2
    assert "cannot create the directory" in the_error_line(result)


def test_a_relative_out_is_taken_from_where_run_all_is_called(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("")
    result = subprocess.run([str(RUN_ALL), "--out=taken"], capture_output=True, text=True, cwd=tmp_path,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert f"--out {tmp_path}/taken: exists and is not empty" in the_error_line(result)


def test_a_failed_run_empties_the_directory_it_was_given(tmp_path: Path) -> None:
    result = run_all(*SMALL_RUN, "--filter=NONE", f"--out={tmp_path}")
    assert result.returncode == 1
    assert "vtbench exited with status 1; bench/gcc-glibc.json not written" in result.stderr
    assert list(tmp_path.iterdir()) == []
    rerun = run_all(*SMALL_RUN, "--filter=NONE", f"--out={tmp_path}")
    assert "exists and is not empty" not in rerun.stderr
    assert "vtbench exited with status 1" in rerun.stderr


def test_a_failed_run_removes_the_directory_it_created(tmp_path: Path) -> None:
    out = tmp_path / "new"
    result = run_all(*SMALL_RUN, "--filter=NONE", f"--out={out}")
    assert result.returncode == 1
    assert not out.exists()


def with_default_signal_handling() -> None:
    """Undoes an inherited SIG_IGN for SIGINT and SIGTERM (pytest started as a background job
    of a shell without job control ignores SIGINT, and bash cannot trap a signal ignored on
    entry), so that the run sees the signal as a user's Ctrl-C would deliver it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.mark.parametrize("signal_number, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_run_stops_its_benchmark_and_removes_what_it_wrote(
        tmp_path: Path, signal_number: int, status: int) -> None:
    out = tmp_path / "run"
    log = tmp_path / "log"
    with log.open("w") as log_file:
        process = subprocess.Popen([str(RUN_ALL), *SMALL_RUN, "--repetitions=1000", f"--out={out}"],
                                   stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, preexec_fn=with_default_signal_handling)
        try:
            deadline = time.monotonic() + 600
            while not list((out / "bench").glob(".*.tmp")):  # the timing pass's JSON being written
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the timing pass never started"
                time.sleep(0.2)
            process.send_signal(signal_number)
            assert process.wait(timeout=60) == status
        finally:
            if process.poll() is None:  # the test failed: nothing it started may outlive it
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                # The benchmark runs in a process group of its own (run_all.sh's set -m).
                subprocess.run(["pkill", "-KILL", "-f", f"--benchmark_out={out}/"], check=False)
    assert f"interrupted (SIG{signal.Signals(signal_number).name[3:]})" in log.read_text()
    assert not out.exists()
    leftover = subprocess.run(["pgrep", "-f", f"--benchmark_out={out}/"], capture_output=True, text=True)
    if leftover.stdout:
        subprocess.run(["pkill", "-KILL", "-f", f"--benchmark_out={out}/"], check=False)
    assert leftover.stdout == "", f"a benchmark survived: {leftover.stdout}"
    assert os.path.isdir(tmp_path)


def worktrees() -> list[str]:
    listed = subprocess.run(["git", "worktree", "list", "--porcelain"], capture_output=True, text=True, cwd=REPO)
    return [line for line in listed.stdout.splitlines() if line.startswith("worktree ")]


def test_a_revision_that_does_not_build_is_named_and_its_worktree_removed(tmp_path: Path) -> None:
    root = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], capture_output=True, text=True,
                          cwd=REPO).stdout.split()[0]  # the project skeleton: no sources to build yet
    before = worktrees()
    out = tmp_path / "compare"
    result = run_all("--compare", root, "HEAD", f"--out={out}", "--filter=^copy_cost/")
    assert result.returncode == 1
    failure = [line for line in result.stderr.splitlines() if "does not build" in line]
    assert len(failure) == 1 and failure[0].startswith(
        f"run_all.sh: --compare: revision '{root}' ({root[:12]}) does not build with the gcc preset: ")
    assert worktrees() == before
    assert not out.exists()
