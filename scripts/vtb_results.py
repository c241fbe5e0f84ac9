"""Load a vtbench run directory (docs/results-format.md): meta.json, both passes' files of
every configuration it lists, the unchecked pass and the optional cross-check, goroutine,
misuse, A/A (process_runs.py), .NET and service (service_results.py) files.

The loader joins each configuration's two passes (times from bench/, allocation counters
from counts/), holds the run to one vocabulary (every file's vtb_vocabulary must agree,
and every benchmark name, configuration and misuse form must be in it), and checks the
shape and figures of every optional file it reads, so that what the report and charts get
is whole; anything else is bad input named in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from benchmark_file import (
    Benchmark, BenchmarkFile, fastest_calibration, load_benchmark_file, parse_benchmark_name, without_iterations,
)
from dotnet_results import DotnetRun, load_dotnet_run
from process_runs import ProcessSide, load_aa, load_allocator_sides
from dotnet_service_results import DotnetServiceFile, load_dotnet_service
from service_results import DOTNET_SERVICE_DIRECTORY, SERVICE_DIRECTORY, ServiceResults, load_service
from json_input import ResultsError, json_files, json_stem, load_json, require, require_object, stored_json_path
from vocabulary import VOCABULARY_KEY, Vocabulary, order_key

# The two passes of a run (docs/results-format.md): times from the timing pass (vtbench,
# nothing counted), allocation counters from the counting pass (vtbench_counting).
TIMING_DIRECTORY = "bench"
COUNTING_DIRECTORY = "counts"
UNCHECKED_DIRECTORY = "unchecked"
DOTNET_DIRECTORY = "dotnet"  # the .NET side (dotnet_results.py)
MISUSE_OUTCOMES = ("allowed", "detected", "undetected")
GOROUTINE_SPLIT = ("stack_bytes_per_goroutine", "heap_bytes_per_goroutine")  # optional, both or neither


@dataclass
class Run:
    """A run directory: meta.json, bench/ and counts/<config>.json and the optional files."""

    directory: Path
    meta: dict[str, Any]
    configs: dict[str, BenchmarkFile]   # in meta.json's order
    vocabulary: Vocabulary
    heaptrack: dict[str, Any] | None = None
    callgrind: dict[str, Any] | None = None
    goroutine: dict[str, Any] | None = None
    misuse: dict[str, Any] | None = None
    dotnet: DotnetRun | None = None  # the .NET side (dotnet/), when it was measured
    # The unchecked pass (unchecked/<config>.json: vtbench_unchecked, ValueTask's misuse tracking
    # compiled out, timed like bench/) and its cachegrind figures (callgrind-unchecked.json).
    unchecked: dict[str, BenchmarkFile] = field(default_factory=dict)
    callgrind_unchecked: dict[str, Any] | None = None
    # The A/A check (aa/A, aa/B: one vtbench binary against itself as interleaved processes).
    aa: tuple[ProcessSide, ProcessSide] | None = None
    # The allocator comparison (allocators/<compiler>/<allocator>/: one vtbench binary a compiler, one
    # side per allocator, interleaved processes): compiler -> allocator -> side.
    allocator_sides: dict[str, dict[str, ProcessSide]] = field(default_factory=dict)
    # The service scenario (service/: vtbench_service against the run's PostgreSQL server), or None when
    # the run has no service/ directory; its not_measured says why when the run had no server.
    service: ServiceResults | None = None
    # The C# side's service files (service/dotnet/, dotnet_service_results.py) by file stem; empty when it
    # did not run.
    service_dotnet: dict[str, DotnetServiceFile] = field(default_factory=dict)

    def config(self, compiler: str, allocator: str) -> BenchmarkFile | None:
        return self.configs.get(config_name(compiler, allocator))

    def find(self, compiler: str, allocator: str, scenario: str, **params: str | int) -> Benchmark | None:
        bench_file = self.config(compiler, allocator)
        return bench_file.find(scenario, **params) if bench_file else None

    def compilers(self) -> list[str]:
        """The compilers in the order their first configuration appears in meta.json."""
        return list(dict.fromkeys(split_config_name(name)[0] for name in self.configs))

    def allocators(self) -> list[str]:
        """The allocators of the run's configurations, in the vocabulary's order."""
        present = {split_config_name(name)[1] for name in self.configs}
        return sorted(present, key=order_key(self.vocabulary.allocators))


def config_name(compiler: str, allocator: str) -> str:
    return f"{compiler}-{allocator}"


def split_config_name(name: str) -> tuple[str, str]:
    """'gcc-glibc' -> ('gcc', 'glibc')."""
    compiler, dash, allocator = name.partition("-")
    if not dash or not compiler or not allocator or "-" in allocator:
        raise ValueError(f"configuration name {name!r} is not <compiler>-<allocator>")
    return compiler, allocator


def compiler_of(path: Path) -> str:
    """'bench/gcc-mimalloc.json' (or .json.gz) -> 'gcc'."""
    return json_stem(path).split("-")[0]


def fastest_per_compiler(timed: dict[Path, Any]) -> dict[str, float]:
    """compiler -> the fastest calibration over its timed files: one fast-state reference for all of them,
    so that times from different files (allocators, passes) are judged against the same state."""
    fastest: dict[str, float] = {}
    for path, data in timed.items():
        entries = data.get("benchmarks") if isinstance(data, dict) else None
        value = fastest_calibration(entries if isinstance(entries, list) else [])
        if value is not None:
            fastest[compiler_of(path)] = min(value, fastest.get(compiler_of(path), value))
    return fastest


def _require_counting(bench_file: BenchmarkFile, expected: str) -> None:
    recorded = bench_file.context.get("vtb_counting")
    if recorded != expected:
        binary = "vtbench_counting" if expected == "on" else "vtbench"
        raise ResultsError(f"{bench_file.path}: its context says vtb_counting={recorded!r}, but this pass must come "
                           f"from {binary} (vtb_counting={expected!r})")


def merge_passes(timing: BenchmarkFile, counting: BenchmarkFile) -> BenchmarkFile:
    """One configuration: each benchmark's times from the timing pass, its allocation counters from the
    counting pass. Every timed benchmark must have been counted; a benchmark only the counting pass has
    (footprint) keeps its counters and no time."""
    _require_counting(timing, "off")
    _require_counting(counting, "on")
    counted = {}
    for bench in counting.benchmarks.values():
        name = without_iterations(bench.name)
        params = {key: value for key, value in bench.params.items() if key != "iterations"}
        counted[name] = Benchmark(name, bench.scenario, params, bench.repetitions, None, bench.counters)
    merged = {}
    for name, bench in timing.benchmarks.items():
        if name not in counted:
            raise ResultsError(f"{counting.path}: has no counted run of {name}, which {timing.path.name} timed")
        merged[name] = Benchmark(name, bench.scenario, bench.params, bench.repetitions, bench.real_time_ns,
                                 {**bench.counters, **counted[name].counters}, bench.timed_repetitions,
                                 bench.timed_in_fast_state)
    for name, bench in counted.items():
        merged.setdefault(name, bench)
    return BenchmarkFile(path=timing.path, context=timing.context, benchmarks=merged, vocabulary=timing.vocabulary,
                         counting_path=counting.path, counting_context=counting.context)


def run_vocabulary(files: list[BenchmarkFile]) -> Vocabulary:
    """The one vocabulary of a run's benchmark files: every file must carry it, and the same one."""
    first = files[0]
    for bench_file in files:
        if bench_file.vocabulary is None:
            raise ResultsError(f"{bench_file.path}: its context has no {VOCABULARY_KEY}: not written by this "
                               f"version of vtbench")
        if bench_file.vocabulary != first.vocabulary:
            raise ResultsError(f"{bench_file.path}: its {VOCABULARY_KEY} differs from {first.path}'s (the run's "
                               f"files come from different versions of vtbench)")
    return first.vocabulary  # type: ignore[return-value]


def _check_names(bench_file: BenchmarkFile, vocabulary: Vocabulary) -> None:
    for bench in bench_file.benchmarks.values():
        unknown = vocabulary.unknown_part(bench.scenario, bench.params)
        if unknown is not None:
            raise ResultsError(f"{bench_file.path}: {bench.name}: {unknown} is not in its {VOCABULARY_KEY}")


@dataclass
class Passes:
    """A run directory's benchmark files, read and checked as Google Benchmark files but not yet held to a
    vocabulary (so that scripts/compare can read a run of an older version of the suite)."""

    directory: Path
    meta: dict[str, Any]
    configs: dict[str, BenchmarkFile]      # each configuration's two passes merged, in meta.json's order
    unchecked: dict[str, BenchmarkFile]
    files: list[BenchmarkFile]             # every file as read: timing, counting and unchecked passes
    fastest: dict[str, float]              # compiler -> its fastest calibration over its timed files

    def shared_vocabulary(self) -> Vocabulary | None:
        """The vocabulary every file carries, or None when they do not all carry the same one."""
        first = self.files[0].vocabulary
        return first if first is not None and all(each.vocabulary == first for each in self.files) else None


def load_passes(directory: Path) -> Passes:
    """meta.json and every configuration's bench/ and counts/ files (both required), merged, and the
    unchecked pass."""
    if not directory.is_dir():
        raise ResultsError(f"{directory}: no such run directory")
    meta_path = directory / "meta.json"
    meta = require_object(load_json(meta_path), meta_path)
    listed = meta.get("configurations")
    if not isinstance(listed, list) or not listed or not all(isinstance(name, str) for name in listed):
        raise ResultsError(f"{meta_path}: 'configurations' is not a list of configuration names")
    if len(set(listed)) != len(listed):
        raise ResultsError(f"{meta_path}: 'configurations' lists a configuration twice")
    for name in listed:
        try:
            split_config_name(name)
        except ValueError as exc:
            raise ResultsError(f"{meta_path}: {exc}") from None
        for pass_directory in (TIMING_DIRECTORY, COUNTING_DIRECTORY):
            path = stored_json_path(directory / pass_directory, name)
            if not path.is_file():
                raise ResultsError(f"{path}: missing (configuration {name} is listed in meta.json)")

    # The timed files (timing and unchecked passes), parsed once: one fast-state reference per compiler,
    # since each compiler's binaries are judged against their own calibrations.
    timing_paths = {name: stored_json_path(directory / TIMING_DIRECTORY, name) for name in listed}
    timed = {path: load_json(path) for path in [*timing_paths.values(), *json_files(directory / UNCHECKED_DIRECTORY)]}
    fastest = fastest_per_compiler(timed)
    timing = {name: load_benchmark_file(path, allow_empty=True, fastest=fastest.get(compiler_of(path)), data=timed[path])
              for name, path in timing_paths.items()}
    counting = {name: load_benchmark_file(stored_json_path(directory / COUNTING_DIRECTORY, name)) for name in listed}
    unchecked = {json_stem(path): load_benchmark_file(path, fastest=fastest.get(compiler_of(path)), data=data)
                 for path, data in timed.items() if path.parent.name == UNCHECKED_DIRECTORY}
    for bench_file in unchecked.values():
        _require_counting(bench_file, "off")
        if bench_file.context.get("vtb_misuse_checks") != "off":
            raise ResultsError(f"{bench_file.path}: its context does not say vtb_misuse_checks='off' "
                               f"(not from vtbench_unchecked?)")
    return Passes(directory, meta, {name: merge_passes(timing[name], counting[name]) for name in listed}, unchecked,
                  [*timing.values(), *counting.values(), *unchecked.values()], fastest)


def load_run(directory: Path) -> Run:
    """Load a run directory: its passes, held to one vocabulary, and the optional files."""
    passes = load_passes(directory)
    vocabulary = run_vocabulary(passes.files)
    for bench_file in passes.files:
        _check_names(bench_file, vocabulary)
    for name in passes.configs:
        allocator = split_config_name(name)[1]
        if allocator not in vocabulary.allocators:
            raise ResultsError(f"{directory / 'meta.json'}: configuration {name}: allocator {allocator!r} is not "
                               f"in vtbench's vocabulary ({', '.join(vocabulary.allocators)})")

    aa = load_aa(directory)
    allocator_sides = load_allocator_sides(directory)
    for side in [*(aa or ()), *(side for sides in allocator_sides.values() for side in sides.values())]:
        if side.vocabulary != vocabulary:
            raise ResultsError(f"{side.directory}: its {VOCABULARY_KEY} is missing or differs from the run's")

    def optional(name: str, check: Callable[[dict[str, Any], Path], None]) -> dict[str, Any] | None:
        path = directory / name
        if not path.exists():
            return None
        data = require_object(load_json(path), path)
        check(data, path)
        return data

    service = directory / SERVICE_DIRECTORY
    return Run(
        directory=directory,
        meta=passes.meta,
        configs=passes.configs,
        vocabulary=vocabulary,
        heaptrack=optional("heaptrack.json", _check_heaptrack),
        callgrind=optional("callgrind.json", _check_callgrind),
        goroutine=optional("goroutine.json", _check_goroutine),
        misuse=optional("misuse.json", lambda data, path: _check_misuse(data, path, vocabulary)),
        dotnet=load_dotnet_run(directory / DOTNET_DIRECTORY) if (directory / DOTNET_DIRECTORY).exists() else None,
        unchecked=passes.unchecked,
        callgrind_unchecked=optional("callgrind-unchecked.json", _check_callgrind),
        aa=aa,
        allocator_sides=allocator_sides,
        service=load_service(service, vocabulary, passes.fastest) if service.exists() else None,
        service_dotnet=(load_dotnet_service(service / DOTNET_SERVICE_DIRECTORY, vocabulary)
                        if (service / DOTNET_SERVICE_DIRECTORY).is_dir() else {}),
    )


def _objects(data: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    values = require(data, key, "list", path, "the top level")
    if not all(isinstance(value, dict) for value in values):
        raise ResultsError(f"{path}: '{key}' is not a list of objects")
    return values


def _check_heaptrack(data: dict[str, Any], path: Path) -> None:
    require(data, "tolerance", "figure", path, "the top level")
    for index, row in enumerate(_objects(data, "rows", path)):
        where = f"row {index}"
        require(row, "benchmark", "string", path, where)
        require(row, "heaptrack_allocs_per_op", "number", path, where)
        require(row, "counted_allocs_per_op", "figure", path, where)
        require(row, "agree", "boolean", path, where)


def _check_callgrind(data: dict[str, Any], path: Path) -> None:
    for index, row in enumerate(_objects(data, "rows", path)):
        where = f"row {index}"
        try:
            parse_benchmark_name(require(row, "benchmark", "string", path, where))
        except ValueError as exc:
            raise ResultsError(f"{path}: {where}: {exc}") from None
        require(row, "config", "string", path, where)
        require(row, "instructions_per_op", "figure", path, where)
        for key, value in row.items():  # the other events per op are N/2N differences too: finite, maybe < 0
            if key.endswith("_per_op") and value is not None:
                require(row, key, "number", path, where)


def _check_goroutine(data: dict[str, Any], path: Path) -> None:
    if not require(data, "available", "boolean", path, "the top level"):
        require(data, "reason", "string", path, "the top level")
        return
    require(data, "bytes_per_goroutine", "figure", path, "the top level")
    if any(key in data for key in GOROUTINE_SPLIT):
        for key in GOROUTINE_SPLIT:
            require(data, key, "figure", path, "the top level")


def _check_misuse(data: dict[str, Any], path: Path, vocabulary: Vocabulary) -> None:
    """misuse.json: its forms (each one of the vocabulary's, with the same value_task), and rules whose
    results are keyed by those forms."""
    known = {form.name: form for form in vocabulary.forms}
    names = []
    for index, form in enumerate(_objects(data, "forms", path)):
        name = require(form, "name", "string", path, f"form {index}")
        require(form, "type", "string", path, f"form {name}")
        value_task = require(form, "value_task", "boolean", path, f"form {name}")
        if name not in known:
            raise ResultsError(f"{path}: form {name!r} is not in the run's {VOCABULARY_KEY}")
        if value_task != known[name].value_task:
            raise ResultsError(f"{path}: form {name}: value_task is {str(value_task).lower()}, the run's "
                               f"{VOCABULARY_KEY} says {str(known[name].value_task).lower()}")
        names.append(name)
    if len(set(names)) != len(names):
        raise ResultsError(f"{path}: 'forms' lists a form twice")
    for index, rule in enumerate(_objects(data, "rules", path)):
        name = require(rule, "rule", "string", path, f"rule {index}")
        for optional in ("claim", "description"):
            if optional in rule:
                require(rule, optional, "string", path, f"rule {name}")
        for form, result in require(rule, "results", "object", path, f"rule {name}").items():
            where = f"rule {name}, form {form}"
            if form not in names:
                raise ResultsError(f"{path}: rule {name}: {form!r} is not one of its forms")
            if not isinstance(result, dict):
                raise ResultsError(f"{path}: {where} is not an object")
            if require(result, "outcome", "string", path, where) not in MISUSE_OUTCOMES:
                raise ResultsError(f"{path}: {where} has outcome {result['outcome']!r}, "
                                   f"expected one of {', '.join(MISUSE_OUTCOMES)}")
            require(result, "message", "string", path, where)
            if "exception" in result:
                require(result, "exception", "string", path, where)
