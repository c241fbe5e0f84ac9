#!/usr/bin/python3
"""Write RUN_DIR/meta.json for a run_all.sh run (shape in docs/results-format.md).

run_all.sh passes what only it knows (run id, command line, times, matrix); the machine
is read from /proc and /etc/os-release, and the compilers, flags and Google Benchmark
build from the context of the run's own bench/<configuration>.json files, so meta.json
records what the binaries said about themselves (the allocators in the order of the
vocabulary they publish). The file is written to a temporary name and renamed; bad input
is one line naming the file, exit 1, and no meta.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from json_input import ResultsError, load_json, require_object, stored_json_path
from script_io import ScriptArgumentParser, UsageError, atomic_write_text, run_main
from service_results import NOT_MEASURED_FILE, SERVER_FACTS_FILE, SERVICE_DIRECTORY
from vocabulary import VOCABULARY_KEY, Vocabulary, ordered, vocabulary_from_context
from vtb_results import split_config_name

PROG = "write_meta.py"
DEBUG_LIBRARY_NOTE = ("Google Benchmark library was built as DEBUG (Debian build); "
                      "the timed loop is our code at -O2")


def parse_utc(text: str) -> datetime:
    """'2026-11-26T01:02:03Z' -> an aware datetime."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ResultsError(f"{text!r} is not an ISO 8601 time such as 2026-11-26T01:02:03Z") from None


def read_key_values(path: Path, separator: str) -> dict[str, str]:
    """'key<separator>value' lines of a /proc or /etc file; {} when it is unreadable."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    pairs = (line.split(separator, 1) for line in lines if separator in line)
    return {key.strip(): value.strip().strip('"') for key, value in pairs}


def machine_facts() -> dict[str, Any]:
    """CPU model, cores, memory, kernel and OS of this machine."""
    memory_kib = read_key_values(Path("/proc/meminfo"), ":").get("MemTotal", "0 kB").split()[0]
    return {
        "cpu": read_key_values(Path("/proc/cpuinfo"), ":").get("model name", platform.processor() or "unknown"),
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory_kib) / 2**20, 1),
        "kernel": platform.release(),
        "os": read_key_values(Path("/etc/os-release"), "=").get("PRETTY_NAME", "unknown"),
    }


def bench_contexts(run_dir: Path, configurations: list[str]) -> dict[str, dict[str, Any]]:
    """Each configuration's Google Benchmark context, from bench/<configuration>.json."""
    contexts = {}
    for configuration in configurations:
        path = stored_json_path(run_dir / "bench", configuration)
        context = require_object(load_json(path), path).get("context")
        if not isinstance(context, dict):
            raise ResultsError(f"{path}: not a Google Benchmark JSON file with a context")
        contexts[configuration] = context
    return contexts


def run_vocabulary(run_dir: Path, contexts: dict[str, dict[str, Any]]) -> Vocabulary:
    """The vocabulary the binaries published (every bench file's context carries it)."""
    configuration, context = next(iter(contexts.items()))
    path = stored_json_path(run_dir / "bench", configuration)
    vocabulary = vocabulary_from_context(context, str(path))
    if vocabulary is None:
        raise ResultsError(f"{path}: its context has no {VOCABULARY_KEY}: not written by this version of vtbench")
    return vocabulary


def build_facts(contexts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Compilers with versions, C++ flags and notes, as the binaries recorded them."""
    compilers: dict[str, str] = {}
    flags_by_compiler: dict[str, str] = {}
    notes = []
    for configuration, context in contexts.items():
        compiler = context.get("vtb_compiler")
        if not compiler:
            raise ResultsError(f"bench/{configuration}.json: context lacks vtb_compiler (not written by vtbench?)")
        compilers[compiler] = context.get("vtb_compiler_version", "unknown")
        flags_by_compiler[compiler] = context.get("vtb_cxx_flags", "unknown")
    if any(context.get("vtb_benchmark_library_build") == "debug" for context in contexts.values()):
        notes.append(DEBUG_LIBRARY_NOTE)
    distinct_flags = set(flags_by_compiler.values())
    if len(distinct_flags) == 1:
        cxx_flags = distinct_flags.pop()
    else:
        cxx_flags = "; ".join(f"{compiler}: {flags}" for compiler, flags in flags_by_compiler.items())
    return {"compilers": compilers, "cxx_flags": cxx_flags, "notes": notes}


def allocators_of(configurations: list[str], vocabulary: Vocabulary) -> list[str]:
    """The allocators of the configurations (gcc-mimalloc -> mimalloc), in the vocabulary's order."""
    try:
        return ordered((split_config_name(configuration)[1] for configuration in configurations), vocabulary.allocators)
    except ValueError as exc:
        raise UsageError(f"--configurations: {exc}") from None


DOTNET_REASONS = {"no-sdk": "no .NET SDK (dotnet is not on the PATH)",
                  "failed": "scenarios/dotnet/run.sh failed (its last lines are in the run's log)"}
DOTNET_KEYS = ("sdk_version", "runtime_version", "benchmarkdotnet_version", "job", "wall_seconds",
               "runtime_async_build")


def dotnet_facts(run_dir: Path, status: str) -> dict[str, Any]:
    """The .NET side's versions and job (from RUN_DIR/dotnet/meta.json), or why it was not measured."""
    if status != "measured":
        return {"measured": False, "reason": DOTNET_REASONS[status]}
    path = run_dir / "dotnet" / "meta.json"
    recorded = require_object(load_json(path), path)
    return {"measured": True, **{key: recorded[key] for key in DOTNET_KEYS if key in recorded}}


def service_facts(run_dir: Path) -> dict[str, Any]:
    """The service scenario's server and pgbench figures (RUN_DIR/service/server.json, by service_run.py), or
    why it was not measured."""
    service_dir = run_dir / SERVICE_DIRECTORY
    if (service_dir / NOT_MEASURED_FILE).is_file():
        return {"measured": False, "reason": (service_dir / NOT_MEASURED_FILE).read_text().strip()}
    path = service_dir / SERVER_FACTS_FILE
    if not path.is_file():
        return {"measured": False, "reason": "not run (run_all.sh runs it when no --filter is given)"}
    return {"measured": True, **require_object(load_json(path), path)}


def build_meta(arguments: argparse.Namespace, machine: dict[str, Any],
               contexts: dict[str, dict[str, Any]], vocabulary: Vocabulary) -> dict[str, Any]:
    """The meta.json object."""
    started = parse_utc(arguments.started)
    finished = parse_utc(arguments.finished)
    if finished < started:
        raise ResultsError(f"--finished {arguments.finished} is before --started {arguments.started}")
    build = build_facts(contexts)
    notes = build["notes"]
    if arguments.pinned_core is None:
        notes.append("Not pinned to a core (taskset missing or a single core): timings are noisier")
    return {
        "run_id": arguments.run_id,
        "command": arguments.command,
        "quick": arguments.quick,
        "started": arguments.started,
        "finished": arguments.finished,
        "wall_seconds": round((finished - started).total_seconds()),
        "git_revision": arguments.git_revision,
        "machine": machine,
        "compilers": build["compilers"],
        "cxx_flags": build["cxx_flags"],
        "allocators": allocators_of(arguments.configurations, vocabulary),
        "repetitions": arguments.repetitions,
        "min_time": arguments.min_time,
        "passes": {
            "timing": {"binary": "vtbench", "files": "bench/<configuration>.json", "counting": False,
                       "repetitions": arguments.repetitions, "min_time": arguments.min_time,
                       "random_interleaving": True},
            "counting": {"binary": "vtbench_counting", "files": "counts/<configuration>.json", "counting": True,
                         "iterations": arguments.counting_iterations,
                         "warm_up": f"one untimed run of {arguments.counting_iterations} iterations first"},
        },
        "pinned_core": arguments.pinned_core,
        "dotnet": dotnet_facts(arguments.run_dir, arguments.dotnet),
        "service": service_facts(arguments.run_dir),
        "configurations": arguments.configurations,
        "notes": notes,
    }


def pinned_core(text: str) -> int | None:
    """argparse type for --pinned-core: a core number, or 'none'."""
    if text == "none":
        return None
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is neither a core number nor 'none'")
    return int(text)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="results/<run-id> directory")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--command", required=True, help="the run_all.sh command line")
    parser.add_argument("--quick", action="store_true", help="the run was a --quick run")
    parser.add_argument("--started", required=True, help="UTC start, e.g. 2026-11-26T01:02:03Z")
    parser.add_argument("--finished", required=True, help="UTC end")
    parser.add_argument("--git-revision", required=True)
    parser.add_argument("--repetitions", type=int, required=True)
    parser.add_argument("--min-time", type=float, required=True, help="--benchmark_min_time in seconds")
    parser.add_argument("--pinned-core", type=pinned_core, required=True, help="core number, or 'none'")
    parser.add_argument("--dotnet", choices=("measured", *DOTNET_REASONS), required=True,
                        help="what scenarios/dotnet/run.sh did")
    parser.add_argument("--counting-iterations", type=int, required=True,
                        help="iterations per benchmark of the counting pass (vtbench_counting --iterations)")
    parser.add_argument("--configurations", required=True, type=lambda text: text.split(","),
                        help="comma-separated, e.g. gcc-glibc,gcc-mimalloc")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)

    def body() -> int:
        if not arguments.run_dir.is_dir():
            raise ResultsError(f"{arguments.run_dir}: no such run directory")
        contexts = bench_contexts(arguments.run_dir, arguments.configurations)
        meta = build_meta(arguments, machine_facts(), contexts, run_vocabulary(arguments.run_dir, contexts))
        atomic_write_text(arguments.run_dir / "meta.json", json.dumps(meta, indent=2) + "\n")
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
