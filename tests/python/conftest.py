"""Shared helpers for the tests of scripts/: paths, running a script, and building small run directories."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_RUN = FIXTURES / "run"
INTERLEAVED = FIXTURES / "interleaved"  # an A/A run: A/ and B/, one Google Benchmark file per process
VOCABULARY_FILE = FIXTURES / "vocabulary.json"  # what `vtbench --list` prints (docs/results-format.md)
PYTHON = "/usr/bin/python3"

sys.path.insert(0, str(SCRIPTS))

import vtb_results  # noqa: E402  (found through the path above)

VOCABULARY: dict[str, Any] = json.loads(VOCABULARY_FILE.read_text())


def vocabulary_context(**context: Any) -> dict[str, Any]:
    """A Google Benchmark context as vtbench writes it: `context` plus the vocabulary (compact JSON)."""
    return {**context, "vtb_vocabulary": json.dumps(VOCABULARY, separators=(",", ":"))}


def load_compare() -> ModuleType:
    """scripts/compare has no .py suffix: load it as a module by path."""
    loader = importlib.machinery.SourceFileLoader("compare", str(SCRIPTS / "compare"))
    spec = importlib.util.spec_from_loader("compare", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["compare"] = module
    loader.exec_module(module)
    return module


def run_script(script: str, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run scripts/<script> the way run_all.sh does (compare is run directly: it has a shebang)."""
    path = SCRIPTS / script
    command = [str(path)] if script == "compare" else [PYTHON, str(path)]
    return subprocess.run(command + [str(arg) for arg in args], capture_output=True, text=True, cwd=REPO, env=env)


@pytest.fixture
def run_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture run directory."""
    destination = tmp_path / "run"
    shutil.copytree(FIXTURE_RUN, destination)
    return destination


def add_aa(run: Path, vocabulary: bool = True) -> Path:
    """The interleaved fixture as the run's aa/, its files given the run's vocabulary (as vtbench writes it)."""
    for side in ("A", "B"):
        (run / "aa" / side).mkdir(parents=True)
        for path in sorted((INTERLEAVED / side).glob("*.json")):
            document = json.loads(path.read_text())
            if vocabulary:
                document["context"] = vocabulary_context(**document["context"])
            (run / "aa" / side / path.name).write_text(json.dumps(document))
    return run


def repetitions(name: str, real_times: list[float], **counters: float) -> list[dict[str, Any]]:
    """Google Benchmark 1.7.1 iteration entries, one per real time, with the same counters."""
    return [{"name": name, "family_index": 0, "per_family_instance_index": 0, "run_name": name,
             "run_type": "iteration", "repetitions": len(real_times), "repetition_index": index, "threads": 1,
             "iterations": 1000, "real_time": real_time, "cpu_time": real_time, "time_unit": "ns", **counters}
            for index, real_time in enumerate(real_times)]


def cache_entries(impl: str, hit: int, times: list[float], allocs: float,
                  scenario: str = "cache_lookup") -> list[dict[str, Any]]:
    """Repetitions of one cache_lookup (int, async) benchmark; cache_lookup_mt gets its threads:2 suffix."""
    suffix = "/real_time/threads:2" if scenario == "cache_lookup_mt" else ""
    return repetitions(f"{scenario}/impl:{impl}/payload:int/db:async/hit:{hit}{suffix}", times, allocs_per_op=allocs)


COUNTING_COUNTERS = ("allocs_per_op", "bytes_per_op", "peak_live_bytes")


def counted_name(name: str, iterations: int = 2000) -> str:
    """The counting pass's name of a benchmark: Google Benchmark adds /iterations:N before /real_time."""
    head, marker, tail = name.partition("/real_time")
    return f"{head}/iterations:{iterations}{marker}{tail}"


def split_passes(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Entries as one pass -> (timing entries without the allocation counters, counting entries: one per
    benchmark, the first repetition's counters). Footprint is counted only, as vtbench does it."""
    timing, counting, seen = [], [], set()
    for entry in entries:
        if not entry["name"].startswith("footprint"):
            timing.append({key: value for key, value in entry.items() if key not in COUNTING_COUNTERS})
        if entry["name"] not in seen:
            seen.add(entry["name"])
            counting.append(dict(entry, name=counted_name(entry["name"]), iterations=2000, repetitions=1))
    return timing, counting


def write_run(directory: Path, configs: dict[str, list[dict[str, Any]]], **extra_files: Any) -> Path:
    """A run directory with meta.json, bench/ and counts/<config>.json per entry list (split_passes), and
    <name>.json per extra file (misuse.json gets the fixture vocabulary's forms when it names none)."""
    (directory / "bench").mkdir(parents=True)
    (directory / "counts").mkdir(parents=True)
    meta = {"run_id": "test-run", "repetitions": 3, "configurations": list(configs)}
    (directory / "meta.json").write_text(json.dumps(meta))
    for config, entries in configs.items():
        timing, counting = split_passes(entries)
        (directory / "bench" / f"{config}.json").write_text(
            json.dumps({"context": vocabulary_context(vtb_counting="off"), "benchmarks": timing}))
        (directory / "counts" / f"{config}.json").write_text(
            json.dumps({"context": vocabulary_context(vtb_counting="on"), "benchmarks": counting}))
    for name, content in extra_files.items():
        if name == "misuse" and "forms" not in content:
            # every form but the fiber, as vtb_misuse_table writes them
            content = {"forms": [form for form in VOCABULARY["forms"] if form["name"] != "fiber"], **content}
        (directory / f"{name}.json").write_text(json.dumps(content))
    return directory


def made_up_run(tmp_path: Path, entries: list[dict[str, Any]], clang: list[dict[str, Any]] | None = None,
                **extra_files: Any) -> vtb_results.Run:
    """A loaded run of gcc-glibc (and clang-glibc when given) with these entries, plus extra files."""
    configs = {"gcc-glibc": entries} | ({"clang-glibc": clang} if clang else {})
    return vtb_results.load_run(write_run(tmp_path / "run", configs, **extra_files))


def write_allocator_comparison(run: Path, compiler: str, times: dict[str, dict[str, list[float]]]) -> Path:
    """A run's allocators/<compiler>/<allocator>/round-NN.json as scripts/interleave.py writes them:
    allocator -> benchmark name -> one time per process; each process file holds one repetition of
    every benchmark at its time, and a context saying what vtbench detected (compiler, allocator)."""
    for allocator, benchmarks in times.items():
        side = run / "allocators" / compiler / allocator
        side.mkdir(parents=True)
        for index in range(len(next(iter(benchmarks.values())))):
            entries = [entry for name, per_process in benchmarks.items()
                       for entry in repetitions(name, [per_process[index]])]
            context = vocabulary_context(vtb_compiler=compiler, vtb_allocator=allocator, vtb_counting="off",
                                         vtb_side=allocator, vtb_round=str(index + 1))
            (side / f"round-{index + 1:02d}.json").write_text(json.dumps({"context": context, "benchmarks": entries}))
    return run


# A latency distribution's percentiles (docs/service-format.md) and each one's latency as a multiple of p50.
SERVICE_DISTRIBUTION = ((50.0, 1.0), (75.0, 1.1), (90.0, 1.3), (99.0, 4.0), (99.9, 130.0), (99.99, 260.0),
                        (100.0, 300.0))
SERVICE_PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99.9": 99.9, "max": 100.0}


def service_run(impl: str, hit: float, rates: list[float], workers: int = 1, clients: int = 16,
                loop: str = "closed", target_rate: float | None = None, client_cpu: float = 300.0,
                server_cpu: float = 10.0, p50_ns: float = 300.0,
                calibrations: list[float] | None = None) -> dict[str, Any]:
    """One run of service.json (docs/service-format.md): one repetition per requests-per-second figure, each of
    100,000 requests with its misses (the server counting as many queries) at the hit ratio."""
    requests, misses = 100_000, round(100_000 * (100 - hit) / 100)
    distribution = [[p, p50_ns * factor] for p, factor in SERVICE_DISTRIBUTION]
    latency = {name: dict(SERVICE_DISTRIBUTION)[p] * p50_ns for name, p in SERVICE_PERCENTILES.items()}
    return {"implementation": impl, "hit_percent": hit, "workers": workers, "clients_per_worker": clients,
            "loop": loop, "target_rate": target_rate, "allocs_per_request": None,
            "repetitions": [{"requests": requests, "seconds": requests / rate, "requests_per_second": rate,
                             "latency_ns": latency, "latency_distribution_ns": distribution,
                             "client_cpu_ns_per_request": client_cpu, "server_cpu_ns_per_request": server_cpu,
                             "queries": misses, "misses": misses,
                             "calibration_ns": (calibrations or [6900.0] * len(rates))[index]}
                            for index, rate in enumerate(rates)]}


def service_document(runs: list[dict[str, Any]], counting: bool = False, config: str = "gcc-glibc") -> dict[str, Any]:
    compiler, allocator = config.split("-")
    context = {"program": "vtbench_service", "vtb_compiler": compiler, "vtb_allocator": allocator,
               "vtb_git_revision": "0123456", "counting": counting, "payload": "int", "repetition_seconds": 0.25,
               "repetitions": len(runs[0]["repetitions"]) if runs else 0,
               "server": {"version": "15.20", "settings": {"fsync": "off"}}, "server_pid_count": 3}
    return {"context": context, "runs": runs}


def write_service(run: Path, runs: list[dict[str, Any]], allocs: dict[str, float] | None = None,
                  config: str = "gcc-glibc") -> Path:
    """service/<config>/service.json with these runs and service-counting.json with their closed-loop ones (as
    vtbench_service_counting runs them), each with its implementation's allocs_per_request (0 unless `allocs`
    says otherwise); returns the directory."""
    directory = run / "service" / config
    directory.mkdir(parents=True)
    counted = [dict(each, allocs_per_request=(allocs or {}).get(each["implementation"], 0.0)) for each in runs
               if each["loop"] == "closed"]
    (directory / "service.json").write_text(json.dumps(service_document(runs, config=config)))
    (directory / "service-counting.json").write_text(json.dumps(service_document(counted, True, config)))
    return directory
