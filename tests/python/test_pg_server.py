"""Tests of scripts/pg_server.py against the real PostgreSQL server: start, the messages table over the
socket, stop; clean-up on a failure and on SIGTERM of the starter; a stale directory of a crashed or of a
still running earlier server; and the bad cases (no PostgreSQL, a socket path too long, a foreign DIR).
Every wait is bounded; no server outlives a test (the fixture stops whatever a test left)."""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
from conftest import PYTHON, REPO, SCRIPTS

import interrupts
import pg_server

TIMEOUT = 60  # seconds: a bound on any one command, far above what it takes (start: about 2 s)

try:
    BINDIR = pg_server.postgres_bindir()
    NO_POSTGRES_REASON = ""
except pg_server.NoPostgres as exc:
    BINDIR = Path("/nonexistent")
    NO_POSTGRES_REASON = f"PostgreSQL is not installed ({exc}); run_all.sh installs postgresql-15"
needs_postgres = pytest.mark.skipif(bool(NO_POSTGRES_REASON), reason=NO_POSTGRES_REASON)


def pg_server_cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(SCRIPTS / "pg_server.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=TIMEOUT)


@pytest.fixture
def base() -> Iterator[Path]:
    """A directory the server's user can reach (pytest's tmp_path is under a root-only 0700 directory);
    whatever server a test left in it is stopped afterwards."""
    path = Path(tempfile.mkdtemp(prefix="vtb-pg-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for leftover in path.iterdir():
            if (leftover / pg_server.MARKER).exists():
                pg_server.stop(leftover)
        shutil.rmtree(path)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def children(pid: int) -> list[int]:
    """The processes whose parent is pid."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def naming(directory: Path) -> list[int]:
    """The live processes whose command line names DIR (initdb, pg_ctl, the postmaster: postgres -D DIR/data)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(directory).encode() in cmdline.read_bytes() and alive(int(cmdline.parent.name)):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def assert_gone(directory: Path, pids: list[int]) -> None:
    """DIR is removed and none of its server's processes survives."""
    assert not directory.exists()
    assert pg_server.server_processes(directory / "data") == []
    assert [pid for pid in pids if alive(pid)] == []
    assert naming(directory) == []


def query(socket_dir: Path, sql: str) -> str:
    """psql over the socket, as a client of the run would connect."""
    return subprocess.run([str(BINDIR / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(socket_dir),
                           "-U", "postgres" if os.geteuid() == 0 else os.environ.get("USER", ""),
                           "-d", "vtbench", "-c", sql],
                          capture_output=True, text=True, check=True, timeout=TIMEOUT).stdout


def read_line(stream, seconds: float) -> str:  # type: ignore[no-untyped-def]
    """One line from a pipe, or a failure after `seconds`."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        assert selector.select(timeout=seconds), f"no line within {seconds} s"
    return stream.readline()


def wait_for(found: Callable[[], list[int]]) -> list[int]:
    """found()'s first non-empty answer, polled for at most TIMEOUT seconds."""
    deadline = time.monotonic() + TIMEOUT
    while not (answer := found()):
        assert time.monotonic() < deadline, "not found in time"
        time.sleep(0.01)
    return answer


def test_payload_rule_is_the_one_of_cache_service_hpp() -> None:
    header = (REPO / "scenarios" / "cache_service.hpp").read_text()
    # the C++ definition the Python functions transcribe: if it changes, so must pg_server.py
    assert "static int make(int key) { return 1000 + 7 * key; }" in header
    assert "static constexpr std::size_t length = 48;" in header
    assert "std::string value(length, 'a');" in header
    assert "std::copy(digits.begin(), digits.end(), value.begin());" in header
    assert "int key_count = 1000;" in header
    assert [pg_server.int_payload(key) for key in (0, 1, 7, 999)] == [1000, 1007, 1049, 7993]
    assert pg_server.string_payload(0) == "0" + "a" * 47
    assert pg_server.string_payload(42) == "42" + "a" * 46
    assert pg_server.string_payload(999) == "999" + "a" * 45
    assert {len(pg_server.string_payload(key)) for key in range(pg_server.KEY_COUNT)} == {48}


@needs_postgres
def test_start_serves_the_messages_table_over_the_socket_and_stop_removes_everything(base: Path) -> None:
    directory = base / "server"
    started = pg_server_cli("start", directory, "--facts", base / "facts.json")
    assert started.returncode == 0, started.stderr
    line = json.loads(started.stdout)
    assert line["socket_dir"] == str(directory) and line["port"] == 5432 and line["dbname"] == "vtbench"
    assert line["conninfo"] == f"host='{directory}' port='5432' dbname='vtbench' user='{line['user']}'"
    assert (directory / ".s.PGSQL.5432").is_socket()
    pids = pg_server.server_processes(directory / "data")
    assert len(pids) >= 2  # the postmaster and its background processes

    assert query(directory, "SELECT count(*), min(id), max(id) FROM messages") == "1000|0|999\n"
    assert query(directory, "SELECT id, int_payload, string_payload FROM messages WHERE id IN (0, 7, 999) "
                            "ORDER BY id").splitlines() == [
        "0|1000|0" + "a" * 47, "7|1049|7" + "a" * 47, "999|7993|999" + "a" * 45]
    rows = query(directory, "SELECT id, int_payload, string_payload FROM messages ORDER BY id").splitlines()
    assert rows == [f"{key}|{pg_server.int_payload(key)}|{pg_server.string_payload(key)}" for key in range(1000)]
    assert query(directory, "SHOW listen_addresses") == "\n"  # no TCP

    facts = json.loads((base / "facts.json").read_text())
    assert re.fullmatch(r"15\.\d+.*", facts["version"])
    assert facts["settings"] == {"fsync": "off", "full_page_writes": "off", "listen_addresses": "",
                                 "max_connections": "20", "shared_preload_libraries": "pg_stat_statements",
                                 "synchronous_commit": "off"}

    stopped = pg_server_cli("stop", directory)
    assert (stopped.returncode, stopped.stderr) == (0, "")
    assert_gone(directory, pids)
    assert pg_server_cli("stop", directory).returncode == 0  # stopping a stopped server is fine


@needs_postgres
def test_run_gives_the_command_the_server_and_its_exit_status(base: Path) -> None:
    directory = base / "server"
    done = pg_server_cli("run", directory, "--", "sh", "-c",
                         '"$0" -X -A -t -c "SELECT count(*) FROM messages" && exit 7', BINDIR / "psql")
    assert done.returncode == 7, done.stderr
    assert done.stdout.splitlines()[1:] == ["1000"]  # after the connection line: what psql printed
    assert not directory.exists()


@needs_postgres
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_starter_stops_the_server_and_its_command(base: Path, signum: signal.Signals) -> None:
    directory = base / "server"
    starter = subprocess.Popen([PYTHON, str(SCRIPTS / "pg_server.py"), "run", directory, "--", "sleep", "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert json.loads(read_line(starter.stdout, TIMEOUT))["socket_dir"] == str(directory)
        pids = pg_server.server_processes(directory / "data")
        command = wait_for(lambda: [pid for pid in children(starter.pid)
                                    if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"sleep\0")])
        assert pids
        starter.send_signal(signum)
        assert starter.wait(timeout=TIMEOUT) == 128 + signum
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait(timeout=TIMEOUT)
    assert starter.stderr.read() == f"pg_server.py: {signum.name}: the server is stopped and its directory removed\n"
    assert_gone(directory, pids + command)


@needs_postgres
def test_sigterm_while_the_server_is_being_made_leaves_nothing(base: Path) -> None:
    directory = base / "server"
    starter = subprocess.Popen([PYTHON, str(SCRIPTS / "pg_server.py"), "start", directory],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (directory / "data" / "PG_VERSION").exists():  # initdb is under way
            assert time.monotonic() < deadline and starter.poll() is None
            time.sleep(0.01)
        busy = naming(directory)
        starter.send_signal(signal.SIGTERM)
        assert starter.wait(timeout=TIMEOUT) == 128 + signal.SIGTERM
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait(timeout=TIMEOUT)
    assert busy  # initdb and the postgres it runs were caught at work
    assert starter.stdout.read() == ""
    assert starter.stderr.read() == "pg_server.py: SIGTERM: the server is stopped and its directory removed\n"
    assert_gone(directory, busy)


def fail_block() -> None:
    raise RuntimeError("the block failed")


def sigterm_block() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(TIMEOUT)  # interrupted before this ends


@needs_postgres
@pytest.mark.parametrize("block, raised", [(fail_block, RuntimeError), (sigterm_block, interrupts.Interrupted)])
def test_the_context_manager_cleans_up_when_its_block_fails_or_is_interrupted(
        base: Path, block: Callable[[], None], raised: type[BaseException]) -> None:
    directory = base / "server"
    with pytest.raises(raised):
        with pg_server.private_server(directory) as server:
            pids = pg_server.server_processes(server.data_dir)
            assert pg_server.psql(server, "SELECT count(*) FROM messages") == "1000\n"
            block()
    assert_gone(directory, pids)


@needs_postgres
def test_a_stale_directory_of_a_crashed_server_is_removed_and_replaced(base: Path) -> None:
    directory = base / "server"
    assert pg_server_cli("start", directory).returncode == 0
    crashed = pg_server.server_processes(directory / "data")
    pid = pg_server.postmaster_pid(directory / "data")
    pg_server.kill_server_processes(directory / "data")  # a crash: postmaster.pid and the socket file stay
    assert (directory / "data" / "postmaster.pid").exists() and (directory / ".s.PGSQL.5432").exists()

    again = pg_server_cli("start", directory)
    assert again.returncode == 0, again.stderr
    assert again.stderr == (f"pg_server.py: {directory}: stale server directory of a crashed run "
                            f"(its postmaster, pid {pid}, is gone): removed\n")
    assert query(directory, "SELECT count(*) FROM messages") == "1000\n"
    assert not set(crashed) & set(pg_server.server_processes(directory / "data"))


@needs_postgres
def test_a_server_still_running_from_an_earlier_run_is_stopped_never_reused(base: Path) -> None:
    directory = base / "server"
    assert pg_server_cli("start", directory).returncode == 0
    earlier = pg_server.server_processes(directory / "data")
    pid = pg_server.postmaster_pid(directory / "data")

    again = pg_server_cli("start", directory)
    assert again.returncode == 0, again.stderr
    assert again.stderr == (f"pg_server.py: {directory}: a server of an earlier run was still running "
                            f"(pid {pid}): stopped it and removed\n")
    assert [p for p in earlier if alive(p)] == []
    assert pg_server.postmaster_pid(directory / "data") not in (None, pid)


def test_a_directory_pg_server_did_not_make_is_never_touched(base: Path) -> None:
    directory = base / "mine"
    directory.mkdir()
    (directory / "notes.txt").write_text("keep me")
    for action in ("start", "stop"):
        done = pg_server_cli(action, directory)
        assert done.returncode == 1
        assert len(done.stderr.splitlines()) == 1 and "not" in done.stderr and str(directory) in done.stderr
        assert (directory / "notes.txt").read_text() == "keep me"


def fake_path(base: Path, pg_config: str | None) -> dict[str, str]:
    """An environment whose PATH has runuser and python but only the given pg_config (or none)."""
    bin_dir = base / "bin"
    bin_dir.mkdir()
    for tool in ("runuser", "sh"):
        if found := shutil.which(tool):
            (bin_dir / tool).symlink_to(found)
    if pg_config is not None:
        (bin_dir / "pg_config").write_text(f"#!/bin/sh\n{pg_config}\n")
        (bin_dir / "pg_config").chmod(0o755)
    return {**os.environ, "PATH": str(bin_dir)}


@pytest.mark.parametrize("pg_config, says", [
    (None, "pg_config is not on the PATH"),
    ("echo /nonexistent/postgresql/bin", "/nonexistent/postgresql/bin (pg_config --bindir) has no initdb"),
])
def test_no_postgresql_is_one_line_and_its_own_exit_status(base: Path, pg_config: str | None, says: str) -> None:
    directory = base / "server"
    for action in ("start", "run"):
        done = pg_server_cli(action, directory, *(["--", "true"] if action == "run" else []),
                             env=fake_path(base, pg_config))
        shutil.rmtree(base / "bin")
        assert done.returncode == pg_server.NO_POSTGRES_EXIT == 3
        assert len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
        assert done.stderr.startswith("pg_server.py: no PostgreSQL")
        assert not directory.exists()


def test_a_socket_path_over_107_bytes_is_refused_before_anything_is_made(base: Path) -> None:
    directory = base / ("d" * (107 - len(f"{base}/") - len("/.s.PGSQL.5432") + 1))
    assert len(f"{directory}/.s.PGSQL.5432") == 108
    done = pg_server_cli("start", directory)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "would be 108 bytes long, over the 107" in done.stderr
    assert not directory.exists()


@needs_postgres
@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the directory to another user")
def test_a_directory_the_server_user_cannot_reach_is_refused_and_removed(base: Path) -> None:
    closed = base / "closed"
    closed.mkdir(mode=0o700)  # root's alone, as pytest's own tmp_path is
    directory = closed / "server"
    done = pg_server_cli("start", directory)
    assert done.returncode == 1
    assert done.stderr == (f"pg_server.py: error: {directory}: the server's user cannot write there (a parent "
                           "directory is not searchable by it): use a directory it can reach\n")
    assert not directory.exists()


@pytest.mark.parametrize("tail", [[], ["--"], ["true"]])
def test_run_without_a_command_after_the_separator_is_a_usage_error(base: Path, tail: list[str]) -> None:
    done = pg_server_cli("run", base / "server", *tail)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "no command given after --" in done.stderr or "unrecognized arguments: true" in done.stderr
    assert not (base / "server").exists()


def test_run_takes_its_own_options_before_the_separator_and_the_command_s_after_it() -> None:
    arguments = pg_server.parse_arguments(["run", "D", "--facts", "F", "--", "sh", "-c", "x --facts y", "--"])
    assert (arguments.directory, arguments.facts) == (Path("D"), Path("F"))
    assert arguments.command == ["sh", "-c", "x --facts y", "--"]

