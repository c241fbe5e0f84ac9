"""A run's C# service files (docs/service-format.md, ".NET"): service/dotnet/*.json, written by
scenarios/dotnet/run.sh --service against the same server as vtbench_service.

Each file is one GC setting (FILE_SETTINGS, by file stem; its context must say the same): its runs are checked as the C++
side's are (service_results.read_runs), plus the GC figures every repetition carries per
1000 requests (GC_FIELDS) and the bare_query runs (Npgsql's request alone, no cache).
Times are taken over the fast-state repetitions, judged against the fastest calibration
of all the .NET files (the C# calibration is the same loop as the C++ one, compiled by
the JIT: the two sides' figures are comparable, not identical, so each side has its own
reference). There is no counting run: a .NET request's allocation is its GC bytes.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark_file import CALIBRATION_COUNTER, fast_state_entries
from json_input import ResultsError, load_json, require, require_object, stored_json_path
from service_results import ServiceConfig, ServiceKey, ServicePoint, read_runs, reduce_run
from vocabulary import Vocabulary

PROGRAM = "Vtbench.Benchmarks service"
BARE_QUERY = "bare_query"                 # the database request alone: what Npgsql allocates per query
BARE_QUERY_FIELD = "bare_query_runs"


@dataclass(frozen=True)
class FileSetting:
    """What one file of service/dotnet/ ran under, and what its context must say of it (ServiceProgram.cs)."""

    label: str              # as the report names it
    gc_mode: str            # context.gc_mode
    multiplexing: bool      # context.npgsql_multiplexing
    runtime_async: bool = False  # context.runtime_async (absent in files from before it: false)


# File stem -> the setting it ran under (scenarios/dotnet/run.sh --service), in the report's order.
FILE_SETTINGS = {
    "service": FileSetting("workstation GC", "workstation", True),
    "service-server-gc": FileSetting("server GC", "server", True),
    "service-constrained-heap": FileSetting("constrained heap", "constrained_heap", True),
    "service-no-multiplexing": FileSetting("workstation GC, no multiplexing", "workstation", False),
    "service-runtime-async": FileSetting("runtime-async preview, workstation GC", "workstation", True, True),
}
MAIN_STEM = "service"                     # the file with the full sweep; the others are the GC sweep
GC_FIELDS = ("allocated_bytes_per_1000_requests", "gen0_collections_per_1000_requests",
             "gen1_collections_per_1000_requests", "gen2_collections_per_1000_requests",
             "gc_pause_ns_per_1000_requests")


@dataclass(frozen=True)
class DotnetServiceFile:
    """One GC setting's runs: as a ServiceConfig (no counting run), and per run the median GC figures
    (GC_FIELDS) over its fast-state repetitions; bare_query's runs apart."""

    stem: str
    setting: str                                        # FILE_SETTINGS[stem].label
    config: ServiceConfig
    gc: dict[ServiceKey, dict[str, float]]
    bare_query: dict[ServiceKey, ServicePoint]
    bare_query_gc: dict[ServiceKey, dict[str, float]]


def load_dotnet_service(directory: Path, vocabulary: Vocabulary) -> dict[str, DotnetServiceFile]:
    """service/dotnet/: stem -> its file, in FILE_SETTINGS's order; MAIN_STEM must be there."""
    names = {path.name.split(".", 1)[0] for path in directory.iterdir() if path.is_file()}
    unknown = sorted(names - set(FILE_SETTINGS))
    if unknown:
        raise ResultsError(f"{directory}: holds {unknown[0]}, not one of the service files "
                           f"({', '.join(FILE_SETTINGS)})")
    if MAIN_STEM not in names:
        raise ResultsError(f"{directory}: no {MAIN_STEM}.json (the C# side's main sweep)")
    read = {stem: read_file(stored_json_path(directory, stem), vocabulary, stem) for stem in FILE_SETTINGS
            if stem in names}
    fastest = min(float(repetition[CALIBRATION_COUNTER]) for runs, bare, _ in read.values()
                  for run in (*runs.values(), *bare.values()) for repetition in run["repetitions"])
    return {stem: reduce_file(stem, stored_json_path(directory, stem), context, runs, bare, fastest)
            for stem, (runs, bare, context) in read.items()}


def read_file(path: Path, vocabulary: Vocabulary, stem: str) -> tuple[dict[ServiceKey, Any], dict[ServiceKey, Any],
                                                                      dict[str, Any]]:
    """(runs, bare_query runs, context) of one file, every field checked, its context against its name."""
    data = require_object(load_json(path), path)
    context = require(data, "context", "object", path, "the top level")
    program = require(context, "program", "string", path, "context")
    if program != PROGRAM:
        raise ResultsError(f"{path}: written by {program!r}, not {PROGRAM!r}")
    if require(context, "counting", "boolean", path, "context"):
        raise ResultsError(f"{path}: its context says counting=true; the C# side has no counting run")
    setting = FILE_SETTINGS[stem]
    if require(context, "gc_mode", "string", path, "context") != setting.gc_mode:
        raise ResultsError(f"{path}: its context says gc_mode {context['gc_mode']!r}, but the file's name says "
                           f"{setting.label} ({setting.gc_mode!r})")
    if require(context, "npgsql_multiplexing", "boolean", path, "context") != setting.multiplexing:
        raise ResultsError(f"{path}: its context says npgsql_multiplexing={str(context['npgsql_multiplexing']).lower()}"
                           f", but the file's name says {setting.label}")
    runtime_async = context.get("runtime_async", False)
    if runtime_async is not setting.runtime_async:
        raise ResultsError(f"{path}: its context says runtime_async={str(runtime_async).lower()}, but the file's name "
                           f"says {setting.label}")
    runs = read_runs(data, "runs", path, False, vocabulary.implementation_names())
    bare = read_runs(data, BARE_QUERY_FIELD, path, False, (BARE_QUERY,)) if BARE_QUERY_FIELD in data else {}
    for key, run in (*runs.items(), *bare.items()):
        for number, repetition in enumerate(run["repetitions"]):
            for field in GC_FIELDS:
                require(repetition, field, "figure", path, f"{key.describe()}: repetition {number}")
    return runs, bare, context


def gc_medians(repetitions: list[dict[str, Any]], fastest: float) -> dict[str, float]:
    timed = fast_state_entries(repetitions, fastest)
    return {field: statistics.median(float(repetition[field]) for repetition in timed) for field in GC_FIELDS}


def reduce_file(stem: str, path: Path, context: dict[str, Any], runs: dict[ServiceKey, Any],
                bare: dict[ServiceKey, Any], fastest: float) -> DotnetServiceFile:
    config = ServiceConfig(f"dotnet {FILE_SETTINGS[stem].label}", path, None, context,
                           {key: reduce_run(key, run["repetitions"], fastest, None) for key, run in runs.items()})
    return DotnetServiceFile(
        stem, FILE_SETTINGS[stem].label, config,
        {key: gc_medians(run["repetitions"], fastest) for key, run in runs.items()},
        {key: reduce_run(key, run["repetitions"], fastest, None) for key, run in bare.items()},
        {key: gc_medians(run["repetitions"], fastest) for key, run in bare.items()})
