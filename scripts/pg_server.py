#!/usr/bin/python3
"""The run's private PostgreSQL server: started into a directory of the run, stopped and removed.

  pg_server.py start DIR [--facts FILE]       initdb into DIR/data, start the server, load the
                                              messages table; print the connection line; return
  pg_server.py stop DIR                       fast shutdown, then remove DIR
  pg_server.py run DIR [--facts FILE] -- CMD  start, run CMD with PGHOST, PGPORT, PGDATABASE and
                                              PGUSER set, then stop: on CMD's exit, on a failure
                                              and on SIGINT/SIGTERM (forwarded to CMD) alike

The server is one instance per run, of the PostgreSQL whose binaries `pg_config --bindir`
names, run as `postgres` when the caller is root (PostgreSQL refuses root) and as the caller
otherwise. DIR holds its data directory (DIR/data), its log (DIR/server.log) and its Unix
socket (DIR/.s.PGSQL.5432); it listens on no TCP address, runs with durability off (fsync,
synchronous_commit, full_page_writes: the table is read-only during a run) and takes at most
SETTINGS["max_connections"] connections. Database `vtbench` holds the table `messages`:
the cache scenarios' key_count keys, each with its int and its 48-character string payload,
the values the C++ scenarios compute (payload_traits in scenarios/cache_service.hpp).

The connection line (stdout, one JSON object): socket_dir, port, dbname, user and conninfo
(a libpq connection string). --facts FILE writes the server's version and settings as JSON
(server_facts()) for meta.json. A DIR left by a crashed run (its postmaster gone, or still
running) is stopped and removed before the new server starts, and one line says so; a DIR
that pg_server.py did not make is never touched. SIGINT and SIGTERM are handled by
interrupts.py: the step under way is cancelled, the server stopped and DIR removed, and only
then does pg_server.py exit; a stop always completes. Exit status: 0; 1 on an error (one line
naming it; a server this call started is stopped and its DIR removed); 2 on a usage error;
3 when no PostgreSQL is installed (NO_POSTGRES_EXIT); 128 + the signal's number after SIGINT
or SIGTERM; for `run` otherwise CMD's status.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import interrupts
from json_input import ResultsError
from script_io import ScriptArgumentParser, atomic_write_text, run_main

PROG = "pg_server.py"
NO_POSTGRES_EXIT = 3  # as scenarios/dotnet/run.sh's exit without dotnet: "not measured"
SERVER_USER = "postgres"  # Debian's package creates it; the server runs as it when we are root
PORT = 5432  # names the socket file only: the server listens on no TCP address
DATABASE = "vtbench"
MARKER = "pg_server.marker"  # in DIR: pg_server.py made it, so stop and stale clean-up may remove it
SOCKET_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) on Linux is 108, with the terminating NUL
COMMAND_TIMEOUT = 60.0  # seconds any one initdb, pg_ctl or psql may take before it counts as hung
SERVER_WAIT = 20  # seconds pg_ctl waits for the server to start or stop (pg_ctl -t)
PROCESS_WAIT = 5.0  # seconds to wait for killed processes to be gone
CHILD_WAIT = 10.0  # seconds `run` gives its command after forwarding a signal, before SIGKILL

# The server's settings (written into postgresql.conf, read back by server_facts()); the
# socket directory and the port are DIR's and are added where the file is written.
SETTINGS: dict[str, str] = {
    "listen_addresses": "",  # no TCP: the Unix socket only
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "20",
    "shared_preload_libraries": "pg_stat_statements",  # the service counts the queries the server ran
}

# The messages table: the cache scenarios' keys and payloads. KEY_COUNT is cache_params'
# key_count in scenarios/cache_service.hpp; the payloads are its payload_traits<int>::make
# and payload_traits<std::string>::make (scenarios/dotnet's Core.cs makes the same).
KEY_COUNT = 1000
STRING_PAYLOAD_LENGTH = 48


def int_payload(key: int) -> int:
    """payload_traits<int>::make: 1000 + 7 * key."""
    return 1000 + 7 * key


def string_payload(key: int) -> str:
    """payload_traits<std::string>::make: 48 'a's whose first characters are the key's decimal digits."""
    digits = str(key)
    return digits + "a" * (STRING_PAYLOAD_LENGTH - len(digits))


class NoPostgres(Exception):
    """PostgreSQL is not installed (or cannot be run here): the run does not measure the service."""


class ServerError(ResultsError):
    """The server could not be set up, started or stopped: the message says which step and why."""


@dataclass(frozen=True)
class Server:
    """A private server's whereabouts."""

    directory: Path
    bindir: Path  # PostgreSQL's binaries (postgres_bindir())
    user: str  # the database superuser: the user the server runs as
    port: int = PORT
    dbname: str = DATABASE

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def conninfo(self) -> str:
        """The libpq connection string (values quoted as libpq reads them)."""
        def quoted(value: str) -> str:
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return " ".join(f"{key}={quoted(str(value))}" for key, value in
                        (("host", self.directory), ("port", self.port), ("dbname", self.dbname), ("user", self.user)))

    def environment(self) -> dict[str, str]:
        """The libpq environment variables that make a client (psql, PQconnectdb("")) connect to it."""
        return {"PGHOST": str(self.directory), "PGPORT": str(self.port), "PGDATABASE": self.dbname,
                "PGUSER": self.user}

    def connection_line(self) -> str:
        """What start and run print: one JSON object."""
        return json.dumps({"socket_dir": str(self.directory), "port": self.port, "dbname": self.dbname,
                           "user": self.user, "conninfo": self.conninfo})


# ---- PostgreSQL's binaries and the user they run as -------------------------------------

def postgres_bindir() -> Path:
    """The directory of initdb, pg_ctl and psql (`pg_config --bindir`), or NoPostgres saying what is missing."""
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        raise NoPostgres("no PostgreSQL: pg_config is not on the PATH (Debian: apt-get install postgresql-15)")
    try:
        bindir = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True,
                                     timeout=COMMAND_TIMEOUT).stdout.strip())
    except (OSError, subprocess.SubprocessError) as exc:
        raise NoPostgres(f"no PostgreSQL: {pg_config} --bindir failed ({exc})") from None
    for tool in ("initdb", "pg_ctl", "postgres", "psql"):
        if not os.access(bindir / tool, os.X_OK):
            raise NoPostgres(f"no PostgreSQL server: {bindir} (pg_config --bindir) has no {tool} "
                             "(Debian: apt-get install postgresql-15)")
    return bindir


def as_server_user() -> list[str]:
    """The prefix that runs a command as the server's user: runuser when we are root, nothing otherwise."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise NoPostgres(f"no PostgreSQL: running as root and there is no user {SERVER_USER!r} to run the "
                         "server as (Debian's postgresql-15 package creates it)") from None
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", SERVER_USER, "--"]


def run_tool(step: str, command: Sequence[str | Path], stdin: str | None = None, cancellable: bool = True) -> str:
    """Run one PostgreSQL command as the server's user; its stdout, or ServerError with its last error line.
    It runs in a process group of its own, killed whole if it hangs, and (when cancellable) when SIGINT or
    SIGTERM arrives, which is then raised as Interrupted: no initdb or psql outlives us. (The server leaves
    the group: pg_ctl starts it in a session of its own.)"""
    full = as_server_user() + [str(part) for part in command]
    try:
        process = subprocess.Popen(full, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, cwd="/", start_new_session=True)
    except OSError as exc:
        raise ServerError(f"{step}: {exc}") from None
    with process:
        try:
            with interrupts.cancel_group(process.pid) if cancellable else contextlib.nullcontext():
                stdout, stderr = process.communicate(stdin or "", timeout=COMMAND_TIMEOUT)
        except BaseException as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            if isinstance(exc, subprocess.TimeoutExpired):
                raise ServerError(f"{step}: no answer within {COMMAND_TIMEOUT:g} s") from None
            raise
    if cancellable:
        interrupts.check()
    if process.returncode != 0:
        lines = [line for line in (stderr + stdout).splitlines() if line.strip()]
        raise ServerError(f"{step} failed (exit {process.returncode}): {lines[-1] if lines else 'no output'}")
    return stdout


# ---- The server's processes -------------------------------------------------------------

def server_processes(data_dir: Path) -> list[int]:
    """The processes of the server of data_dir: every PostgreSQL process works in its data directory
    (also once that is removed, when the kernel reads it as '<dir> (deleted)')."""
    targets = {str(data_dir), f"{data_dir} (deleted)"}
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "cwd") in targets:
                    pids.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile, or not ours to read
    return pids


def postmaster_pid(data_dir: Path) -> int | None:
    """The pid postmaster.pid records, or None where there is none."""
    try:
        first = (data_dir / "postmaster.pid").read_text().split("\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() else None


def kill_server_processes(data_dir: Path) -> None:
    """SIGKILL whatever of data_dir's server still runs, and wait until it is gone."""
    deadline = time.monotonic() + PROCESS_WAIT
    while pids := server_processes(data_dir):
        if time.monotonic() > deadline:
            raise ServerError(f"{data_dir}: server processes {pids} survive SIGKILL")
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


# ---- Start and stop ----------------------------------------------------------------------

def server_directory(text: str | Path) -> Path:
    """DIR as an absolute path whose parent exists and whose socket path fits a Unix socket; ServerError if not."""
    given = Path(text)
    parent = given.absolute().parent
    if not parent.is_dir():
        raise ServerError(f"{given}: its parent directory {parent} does not exist")
    directory = parent.resolve() / given.name
    socket = directory / f".s.PGSQL.{PORT}"
    if len(os.fsencode(socket)) > SOCKET_PATH_MAX:
        raise ServerError(f"{given}: the server's socket {socket} would be {len(os.fsencode(socket))} bytes long, "
                          f"over the {SOCKET_PATH_MAX} a Unix socket path can have: use a shorter directory")
    return directory


def is_empty_directory(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def remove_stale(directory: Path) -> None:
    """Clean up a DIR an earlier run left (its server stopped if it still runs), saying so in one line;
    refuse a DIR that pg_server.py did not make."""
    if not directory.exists():
        return
    if is_empty_directory(directory):
        directory.rmdir()
        return
    if not (directory / MARKER).exists():
        raise ServerError(f"{directory}: exists and is not a server directory of {PROG} (no {MARKER}): "
                          "not touching it")
    data_dir = directory / "data"
    pid = postmaster_pid(data_dir)
    running = server_processes(data_dir)
    if running:
        what = f"a server of an earlier run was still running (pid {pid or running[0]}): stopped it and removed"
    elif pid is not None:
        what = f"stale server directory of a crashed run (its postmaster, pid {pid}, is gone): removed"
    else:
        what = "stale server directory of an earlier run (no server running): removed"
    stop(directory)
    sys.stderr.write(f"{PROG}: {directory}: {what}\n")


def postgresql_conf(directory: Path) -> str:
    """The lines appended to initdb's postgresql.conf: SETTINGS, the socket directory and the port."""
    def quoted(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"
    settings = {**SETTINGS, "unix_socket_directories": str(directory), "unix_socket_permissions": "0700",
                "port": str(PORT)}
    return "\n# pg_server.py\n" + "".join(f"{name} = {quoted(value)}\n" for name, value in settings.items())


def messages_sql() -> str:
    """psql input that creates and fills the messages table (COPY of KEY_COUNT rows)."""
    rows = "".join(f"{key}\t{int_payload(key)}\t{string_payload(key)}\n" for key in range(KEY_COUNT))
    return ("CREATE EXTENSION pg_stat_statements;\n"
            "CREATE TABLE messages (id integer PRIMARY KEY, int_payload integer NOT NULL, "
            "string_payload text NOT NULL);\n"
            "COPY messages (id, int_payload, string_payload) FROM STDIN;\n"
            f"{rows}\\.\n"
            "ANALYZE messages;\n")


def psql(server: Server, sql: str, dbname: str | None = None) -> str:
    """Run SQL through psql over the server's socket (unaligned, tuples only); its output."""
    return run_tool("psql", [server.bindir / "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                             "-h", server.directory, "-p", str(server.port), "-U", server.user,
                             "-d", dbname or server.dbname], stdin=sql)


def start(directory_text: str | Path) -> Server:
    """Make DIR, initdb into it, start the server and load the messages table. On any failure, and on
    SIGINT/SIGTERM inside interrupts.handled() (raised as Interrupted once the running step is cancelled),
    the server is stopped and DIR removed before the exception goes on."""
    bindir = postgres_bindir()
    as_server_user()  # NoPostgres before anything is made when root has no postgres user
    directory = server_directory(directory_text)
    remove_stale(directory)
    directory.mkdir(mode=0o700)
    try:
        (directory / MARKER).write_text(f"made by {PROG}: removed by `{PROG} stop {directory}`\n")
        if os.geteuid() == 0:
            shutil.chown(directory, SERVER_USER, SERVER_USER)
        try:
            run_tool("access check", ["test", "-w", directory, "-a", "-x", directory])
        except ServerError:
            raise ServerError(f"{directory}: the server's user cannot write there "
                              "(a parent directory is not searchable by it): use a directory it can reach") from None
        server = Server(directory, bindir, SERVER_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name)
        run_tool("initdb", [bindir / "initdb", "--no-sync", "--no-instructions", "-D", server.data_dir,
                            "-U", server.user, "--auth=trust", "--encoding=UTF8", "--locale=C"])
        with open(server.data_dir / "postgresql.conf", "a") as conf:
            conf.write(postgresql_conf(directory))
        log = directory / "server.log"
        try:
            run_tool("pg_ctl start", [bindir / "pg_ctl", "start", "-w", "-t", str(SERVER_WAIT), "-D", server.data_dir,
                                      "-l", log])
        except ServerError as exc:
            raise ServerError(f"{exc}; the server's log ends: {last_line(log)}") from None
        psql(server, f"CREATE DATABASE {DATABASE};", dbname="postgres")
        psql(server, messages_sql())
        return server
    except BaseException:
        stop(directory)
        raise


def stop(directory_text: str | Path) -> None:
    """Fast shutdown of DIR's server (SIGKILL if it does not stop in time), then remove DIR. A DIR that is
    already gone is fine; one that pg_server.py did not make is refused."""
    directory = Path(directory_text).absolute()
    if not directory.exists():
        return
    if is_empty_directory(directory):  # start was interrupted before it wrote the marker
        directory.rmdir()
        return
    if not (directory / MARKER).exists():
        raise ServerError(f"{directory}: not a server directory of {PROG} (no {MARKER}): not removing it")
    data_dir = directory / "data"
    if postmaster_pid(data_dir) is not None and server_processes(data_dir):
        with contextlib.suppress(ServerError, NoPostgres):  # then SIGKILL below does it
            run_tool("pg_ctl stop", [postgres_bindir() / "pg_ctl", "stop", "-m", "fast", "-w", "-t",
                                     str(SERVER_WAIT), "-D", data_dir], cancellable=False)
    kill_server_processes(data_dir)
    shutil.rmtree(directory)


def last_line(path: Path) -> str:
    """The last non-empty line of a file, or a note that there is none."""
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(empty)"


def server_facts(server: Server) -> dict[str, object]:
    """The running server's version and SETTINGS as it reports them, for meta.json."""
    names = ", ".join(f"'{name}'" for name in SETTINGS)
    answer = psql(server, "SELECT json_build_object('version', current_setting('server_version'), 'settings', "
                          f"(SELECT json_object_agg(name, setting ORDER BY name) FROM pg_settings "
                          f"WHERE name IN ({names})));")
    facts = json.loads(answer)
    return {"version": facts["version"], "settings": facts["settings"], "port": server.port,
            "database": server.dbname, "table": "messages", "rows": KEY_COUNT}


# ---- The server for the length of a block or a command --------------------------------

@contextlib.contextmanager
def private_server(directory: str | Path) -> Iterator[Server]:
    """A started server for the block's duration: stopped and its directory removed when the block ends,
    fails, or SIGINT/SIGTERM arrives (raised in the block as interrupts.Interrupted, in the main thread;
    one that arrives while the server is made or stopped is raised once that is done)."""
    with interrupts.handled():
        server = start(directory)
        try:
            with interrupts.raising():
                yield server
        finally:
            stop(server.directory)
        interrupts.check()


def run_command(directory: Path, command: list[str], facts: Path | None) -> int:
    """`run` (inside interrupts.handled()): the command's exit status, with the server up around it. SIGINT
    and SIGTERM go on to the command, which gets CHILD_WAIT seconds to end before SIGKILL."""
    server = start(directory)
    try:
        report(server, facts)
        interrupts.check()
        child = subprocess.Popen(command, env={**os.environ, **server.environment()})
        try:
            with interrupts.forward_to(child), interrupts.raising():
                status = child.wait()
        except interrupts.Interrupted:
            try:
                child.wait(timeout=CHILD_WAIT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            raise
    finally:
        stop(server.directory)
    interrupts.check()
    return 128 - status if status < 0 else status  # killed by a signal: as a shell reports it


def report(server: Server, facts: Path | None) -> None:
    """Print the connection line; write the facts file when asked for."""
    if facts is not None:
        atomic_write_text(facts, json.dumps(server_facts(server), indent=2) + "\n")
    print(server.connection_line(), flush=True)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__)
    commands = parser.add_subparsers(dest="action", required=True, metavar="{start,stop,run}")
    for name, help_text in (("start", "start DIR's server, print the connection line, return"),
                            ("stop", "stop DIR's server and remove DIR"),
                            ("run", "start, run a command with the PG* variables set, stop")):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.error = parser.error  # type: ignore[method-assign]  # the one-line usage error
        sub.add_argument("directory", type=Path, metavar="DIR", help="the server's directory (made by start)")
        if name != "stop":
            sub.add_argument("--facts", type=Path, metavar="FILE",
                             help="write the server's version and settings here as JSON (for meta.json)")
        if name == "run":
            sub.usage = f"{PROG} run [-h] DIR [--facts FILE] -- CMD [ARG ...]"
    # run's command is everything after its first "--", options of its own included
    command: list[str] = []
    if argv[:1] == ["run"] and "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1:]
    arguments = parser.parse_args(argv)
    if arguments.action == "run":
        if not command:
            parser.error("run: no command given after --")
        arguments.command = command
    return arguments


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)

    def body() -> int:
        with interrupts.handled():  # a stop completes; a start or a run cleans up, then says so
            if arguments.action == "stop":
                stop(arguments.directory)
                return 0
            if arguments.action == "run":
                return run_command(arguments.directory, arguments.command, arguments.facts)
            server = start(arguments.directory)
            try:
                report(server, arguments.facts)
                interrupts.check()
            except BaseException:
                stop(server.directory)
                raise
            return 0

    try:
        return run_main(PROG, body)
    except NoPostgres as exc:
        sys.stderr.write(f"{PROG}: {exc}\n")
        return NO_POSTGRES_EXIT
    except interrupts.Interrupted as exc:
        sys.stderr.write(f"{PROG}: {exc}: the server is stopped and its directory removed\n")
        return 128 + exc.signum


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
