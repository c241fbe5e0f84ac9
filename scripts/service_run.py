#!/usr/bin/python3
"""The service scenario of a run: the run's own PostgreSQL server, pgbench's latency for one query
beside it, then vtbench_service's timing run, vtbench_service_counting's counting run and the C#
side's service mode.

  service_run.py RUN_DIR --build build/gcc --config gcc-glibc [--quick]

Writes (docs/service-format.md):
  RUN_DIR/service/<config>/service.json           the timing run (SWEEP, or QUICK_SWEEP with --quick)
  RUN_DIR/service/<config>/service-counting.json  the counting run: the same closed-loop configurations
  RUN_DIR/service/dotnet/                         the C# side against the same server
                                                  (scenarios/dotnet/run.sh --service; none without .NET)
  RUN_DIR/service/server.json                     the server's version and settings, and pgbench's figures
  RUN_DIR/service/not-measured.txt                instead of all of these when no PostgreSQL is installed

The server lives in RUN_DIR/service/pg (its socket there; stopped and removed at the end, on a failure
and on SIGINT/SIGTERM), or in a fresh directory under /tmp when the server's user cannot reach RUN_DIR.
pgbench runs one client over the socket with the prepared query `SELECT id, int_payload FROM messages
WHERE id = :id` on random keys, before the scenario, never beside it. Exit status: 0 (also when not
measured); 1 when something failed (one line names it, and no partial file is left); 2 on a usage error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import interrupts
import pg_server
from json_input import ResultsError
from script_io import ScriptArgumentParser, atomic_write_text, run_main
from service_results import (
    COUNTING_STEM, DOTNET_SERVICE_DIRECTORY, NOT_MEASURED_FILE, SERVER_FACTS_FILE, SERVICE_DIRECTORY, TIMING_STEM,
)

PROG = "service_run.py"

# vtbench_service's flags per run kind; its own defaults are the full sweep.
SWEEP: tuple[str, ...] = ()
QUICK_SWEEP = ("--hit=0,99,100", "--clients=1,16", "--workers=1", "--seconds=0.02")  # 1 client: the miss latency
COUNTING = ("--loop=closed", "--repetitions=1", "--seconds=0.02")
PGBENCH_SECONDS = {"full": 3, "quick": 1}
PGBENCH_SCRIPT = "\\set id random(0, 999)\nSELECT id, int_payload FROM messages WHERE id = :id;\n"
SERVICE_TIMEOUT = 900  # seconds either run may take before it counts as hung
DOTNET_RUNNER = Path(__file__).resolve().parent.parent / "scenarios" / "dotnet" / "run.sh"
DOTNET_NOT_MEASURED_EXIT = 3  # run.sh's exit without a .NET SDK (or without PostgreSQL)


def server_directory(run_dir: Path) -> Path:
    """RUN_DIR/service/pg when the server's user can reach it, else a new name under /tmp."""
    service_dir = run_dir / SERVICE_DIRECTORY
    prefix = pg_server.as_server_user()
    reachable = subprocess.run(prefix + ["test", "-x", str(service_dir)], cwd="/", check=False).returncode == 0
    if reachable and len(str(service_dir / "pg" / ".s.PGSQL.5432")) <= pg_server.SOCKET_PATH_MAX:
        return service_dir / "pg"
    fallback = Path(tempfile.mkdtemp(prefix="vtb-pg-", dir="/tmp"))
    fallback.rmdir()  # pg_server.start makes it, owned by the server's user
    sys.stderr.write(f"{PROG}: the server's user cannot reach {service_dir}: the server runs in {fallback}\n")
    return fallback


def pgbench_figures(output: str) -> dict[str, float]:
    """pgbench's latency average (ms) and tps from its report."""
    latency = re.search(r"^latency average = ([0-9.]+) ms$", output, re.MULTILINE)
    tps = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)$", output, re.MULTILINE)
    if latency is None or tps is None:
        raise ResultsError(f"pgbench's report has no latency average or tps: {output.strip()[-200:]!r}")
    return {"latency_average_ms": float(latency.group(1)), "tps": float(tps.group(1))}


def run_pgbench(server: pg_server.Server, seconds: int) -> dict[str, object]:
    """pgbench, one client, prepared, for `seconds` seconds: its figures and the command."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(PGBENCH_SCRIPT)
    os.chmod(script.name, 0o644)
    def command(script_path: str) -> list[str]:
        return [str(server.bindir / "pgbench"), "-n", "-M", "prepared", "-c", "1", "-T", str(seconds),
                "-f", script_path, "-h", str(server.directory), "-p", str(server.port), "-U", server.user,
                server.dbname]
    try:
        done = subprocess.run(command(script.name), capture_output=True, text=True, timeout=seconds + 60, check=False)
    finally:
        os.unlink(script.name)
    if done.returncode != 0:
        raise ResultsError(f"pgbench failed (exit {done.returncode}): {done.stderr.strip()[-200:]}")
    return {"command": " ".join(command("SCRIPT")), "script": PGBENCH_SCRIPT, **pgbench_figures(done.stdout)}


def run_service_binary(binary: Path, out: Path, flags: tuple[str, ...], server: pg_server.Server) -> None:
    """One vtbench_service run into `out` (the program writes it whole or not at all)."""
    command = [str(binary), f"--out={out}", *flags]
    sys.stderr.write(f"{PROG}: {' '.join(command)}\n")
    env = {**os.environ, **server.environment()}
    try:
        done = subprocess.run(command, env=env, timeout=SERVICE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise ResultsError(f"{binary.name} took more than {SERVICE_TIMEOUT} s") from None
    interrupts.check()
    if done.returncode != 0:
        raise ResultsError(f"{binary.name} failed (exit {done.returncode}; its message is above)")


def run_dotnet_service(out: Path, server: pg_server.Server, quick: bool) -> None:
    """The C# side's service mode against the same server into `out` (scenarios/dotnet/run.sh --service
    writes it whole or not at all); without a .NET SDK one line says so and nothing is written."""
    command = [str(DOTNET_RUNNER), "--service", *(["--quick"] if quick else []), str(out)]
    sys.stderr.write(f"{PROG}: {' '.join(command)}\n")
    try:
        done = subprocess.run(command, env={**os.environ, **server.environment()}, timeout=SERVICE_TIMEOUT,
                              check=False)
    except subprocess.TimeoutExpired:
        raise ResultsError(f"{DOTNET_RUNNER.name} --service took more than {SERVICE_TIMEOUT} s") from None
    interrupts.check()
    if done.returncode == DOTNET_NOT_MEASURED_EXIT:
        sys.stderr.write(f"{PROG}: the .NET side's service is not measured (no .NET SDK)\n")
    elif done.returncode != 0:
        raise ResultsError(f"{DOTNET_RUNNER} --service failed (exit {done.returncode}; its message is above)")


def run_service(run_dir: Path, build: Path, config: str, quick: bool) -> int:
    service_dir = run_dir / SERVICE_DIRECTORY
    service_dir.mkdir(exist_ok=True)
    binaries = {name: build / "scenarios" / "service" / name for name in ("vtbench_service", "vtbench_service_counting")}
    for binary in binaries.values():
        if not os.access(binary, os.X_OK):
            raise ResultsError(f"{binary}: not built (cmake --build --preset ... --target {binary.name})")
    out_dir = service_dir / config
    try:
        pg_server.postgres_bindir()  # NoPostgres before anything else is tried
        with pg_server.private_server(server_directory(run_dir)) as server:
            facts = {"server": pg_server.server_facts(server),
                     "pgbench": run_pgbench(server, PGBENCH_SECONDS["quick" if quick else "full"])}
            out_dir.mkdir()
            sweep = QUICK_SWEEP if quick else SWEEP
            run_service_binary(binaries["vtbench_service"], out_dir / f"{TIMING_STEM}.json", sweep, server)
            run_service_binary(binaries["vtbench_service_counting"], out_dir / f"{COUNTING_STEM}.json",
                               sweep + COUNTING, server)
            run_dotnet_service(service_dir / DOTNET_SERVICE_DIRECTORY, server, quick)
        atomic_write_text(service_dir / SERVER_FACTS_FILE, json.dumps(facts, indent=2) + "\n")
    except pg_server.NoPostgres as exc:
        atomic_write_text(service_dir / NOT_MEASURED_FILE, f"{exc}\n")
        sys.stderr.write(f"{PROG}: not measured: {exc}\n")
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)  # a timing run without its counting run is no result
        shutil.rmtree(service_dir / DOTNET_SERVICE_DIRECTORY, ignore_errors=True)
        raise
    return 0


def main(argv: list[str]) -> int:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("run_dir", type=Path, help="the run's results directory")
    parser.add_argument("--build", type=Path, required=True, help="the build directory (build/<preset>)")
    parser.add_argument("--config", required=True, help="<compiler>-<allocator>, as the run's other passes")
    parser.add_argument("--quick", action="store_true", help="the reduced sweep")
    arguments = parser.parse_args(argv)
    if not arguments.run_dir.is_dir():
        parser.error(f"{arguments.run_dir}: no such run directory")

    try:
        return run_main(PROG, lambda: run_service(arguments.run_dir.absolute(), arguments.build, arguments.config,
                                                  arguments.quick))
    except interrupts.Interrupted as exc:
        sys.stderr.write(f"{PROG}: {exc}: the server is stopped and its directory removed\n")
        return 128 + exc.signum


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
