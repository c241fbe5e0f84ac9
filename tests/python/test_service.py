"""Tests of the service scenario against a real PostgreSQL server (scenarios/service/, scripts/service_run.py):
the figures a short run writes, the exact allocations per request, the server's query count, and the
faults: the server killed during a run, a wrong row in the table, bad flags, no PostgreSQL. Each test
starts its own private server (pg_server.private_server) in a directory the server's user can reach,
and stops it; every command is bounded in time."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest
from conftest import PYTHON, REPO, SCRIPTS

import pg_server

BINARIES = REPO / "build" / "gcc" / "scenarios" / "service"
TIMEOUT = 120  # seconds: a bound on any one command, far above what it takes
FAST = ["--seconds=0.02", "--warm-up-seconds=0.01", "--repetitions=2"]

try:
    pg_server.postgres_bindir()
    NO_POSTGRES_REASON = ""
except pg_server.NoPostgres as exc:
    NO_POSTGRES_REASON = f"PostgreSQL is not installed ({exc}); run_all.sh installs postgresql-15"
pytestmark = pytest.mark.skipif(bool(NO_POSTGRES_REASON), reason=NO_POSTGRES_REASON)


def binary(name: str) -> Path:
    path = BINARIES / name
    if not path.exists():
        pytest.fail(f"{path} is not built (cmake --build --preset gcc)")
    return path


@pytest.fixture
def server() -> Iterator[pg_server.Server]:
    """A private server of the test's own, stopped and removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="vtb-svc-", dir="/tmp"))
    base.chmod(0o755)
    try:
        with pg_server.private_server(base / "pg") as running:
            yield running
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run_service(server: pg_server.Server, out: Path, *flags: str, name: str = "vtbench_service",
                wait: bool = True) -> subprocess.CompletedProcess | subprocess.Popen:
    command = [str(binary(name)), f"--out={out}", *flags]
    env = {"PATH": "/usr/bin:/bin", **server.environment()}
    if not wait:
        return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def test_a_short_run_measures_every_figure_and_the_server_counts_every_miss(server: pg_server.Server,
                                                                            tmp_path: Path) -> None:
    out = tmp_path / "service.json"
    done = run_service(server, out, "--impl=sync,task,value_task_source", "--hit=0,90,100", "--clients=1,4",
                       "--workers=1", "--open-clients=4", "--open-load=50", *FAST)
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["context"]["counting"] is False
    runs = document["runs"]
    closed = [run for run in runs if run["loop"] == "closed"]
    opened = [run for run in runs if run["loop"] == "open"]
    assert len(closed) == 3 * 3 * 2 and len(opened) == 3 * 3  # the open loop at 4 clients only
    for run in runs:
        assert run["allocs_per_request"] is None
        for repetition in run["repetitions"]:
            assert repetition["requests"] > 0
            assert repetition["queries"] == repetition["misses"]
            # every key cycle of 1000 requests holds exactly the hit ratio's misses
            assert abs(repetition["misses"] - repetition["requests"] * (100 - run["hit_percent"]) / 100) <= 1000
            latency = repetition["latency_ns"]
            assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["p99.9"] <= latency["max"]
            if run["hit_percent"] < 100:
                assert repetition["server_cpu_ns_per_request"] > 0
    for run in opened:
        twin = [each for each in closed if (each["implementation"], each["hit_percent"], each["clients_per_worker"])
                == (run["implementation"], run["hit_percent"], 4)]
        assert len(twin) == 1 and run["target_rate"] > 0


def test_allocations_per_request_are_exact_and_the_pooled_forms_allocate_nothing(server: pg_server.Server,
                                                                                 tmp_path: Path) -> None:
    out = tmp_path / "service-counting.json"
    done = run_service(server, out, "--impl=task,value_task,value_task_source,pooled_value_task", "--hit=0,50",
                       "--clients=16", "--workers=1,2", "--loop=closed", *FAST, name="vtbench_service_counting")
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["context"]["counting"] is True
    for run in document["runs"]:
        misses = sum(r["misses"] for r in run["repetitions"]) / sum(r["requests"] for r in run["repetitions"])
        expected = {"task": 1.0, "value_task": misses, "value_task_source": 0.0, "pooled_value_task": 0.0}
        assert run["allocs_per_request"] == pytest.approx(expected[run["implementation"]], abs=1e-9), run


def test_a_killed_server_fails_the_run_within_10_s_with_one_line_and_no_file(server: pg_server.Server,
                                                                            tmp_path: Path) -> None:
    out = tmp_path / "service.json"
    process = run_service(server, out, "--impl=task", "--hit=0", "--clients=16", "--workers=1", "--loop=closed",
                          "--seconds=0.5", "--repetitions=100", wait=False)
    time.sleep(1.5)
    pg_server.kill_server_processes(server.data_dir)
    killed = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - killed < 10
    assert process.returncode == 1
    failure = [line for line in stderr.splitlines() if not line.startswith("vtbench_service: [")]
    assert len(failure) == 1, stderr
    assert failure[0].startswith("vtbench_service: loop:closed/workers:1/clients:16/hit:0/impl:task: ")
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_row_in_the_table_fails_the_checksum(server: pg_server.Server, tmp_path: Path) -> None:
    pg_server.psql(server, "UPDATE messages SET int_payload = int_payload + 1 WHERE id = 5;")
    done = run_service(server, tmp_path / "service.json", "--impl=value_task", "--hit=0", "--clients=4",
                       "--workers=1", "--loop=closed", *FAST)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == ("vtbench_service: loop:closed/workers:1/clients:4/hit:0/impl:value_task: "
                                            "wrong results: the values received do not match the messages table")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("flags", "message"), [
    ([], "vtbench_service: --out=FILE is required: where the results go"),
    (["--out=x", "--hit=99.95"], "vtbench_service: --hit=99.95: '99.95' is not a hit percent within 0..100 that is "
                                 "a whole number of the 1000 keys"),
    (["--out=x", "--impl=std_future"], "vtbench_service: --impl=std_future: unknown implementation 'std_future' "
                                       "(known: sync, task, task_from_result, value_task_coroutine, value_task, "
                                       "value_task_source, pooled_value_task, lazy_task)"),
    (["--out=x", "--loop=open"], "vtbench_service: --loop=open needs closed too: the open loop's rate comes from "
                                 "the closed loop's throughput"),
    (["--out=x", "--open-clients=8"], "vtbench_service: --open-clients: 8 is not among --clients (the open loop's "
                                      "rate comes from the closed loop's run)"),
])
def test_bad_flags_are_one_line_and_exit_2(flags: list[str], message: str) -> None:
    done = subprocess.run([str(binary("vtbench_service")), *flags], capture_output=True, text=True, timeout=TIMEOUT)
    assert (done.returncode, done.stderr, done.stdout) == (2, message + "\n", "")


def test_without_postgresql_the_service_is_not_measured_and_says_why(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(PYTHON)
    done = subprocess.run([PYTHON, str(SCRIPTS / "service_run.py"), str(tmp_path), "--build", str(REPO / "build/gcc"),
                           "--config", "gcc-glibc"], capture_output=True, text=True, timeout=TIMEOUT,
                          env={"PATH": str(bin_dir)})
    assert done.returncode == 0, done.stderr
    reason = (tmp_path / "service" / "not-measured.txt").read_text()
    assert reason == "no PostgreSQL: pg_config is not on the PATH (Debian: apt-get install postgresql-15)\n"
    assert sorted(path.name for path in (tmp_path / "service").iterdir()) == ["not-measured.txt"]
