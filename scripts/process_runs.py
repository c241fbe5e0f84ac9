"""A side of an interleaved comparison on disk: a directory of Google Benchmark JSON files,
one per process (scripts/interleave.py writes DIR/<side>/round-NN.json), read into one
Benchmark per benchmark whose real_time_ns is the spread of its processes' medians (its
values one per process: the unit process_stats tests); the pair of such sides an A/A
run is (a run's aa/A and aa/B), and the allocator comparison's sides (a run's
allocators/<compiler>/<allocator>/: one vtbench binary, one side per allocator), see
docs/results-format.md.

Every process must run the same benchmarks and carry the same vocabulary; times are taken
over the fast-state repetitions, judged against the fastest calibration of all the side's
processes. A process with no repetition of a benchmark in the fast state (it ran wholly in
the machine's slow state, about 2x slower) is left out of that benchmark's figures, as long
as MIN_PROCESSES processes remain; otherwise every process counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark_file import Benchmark, fastest_calibration, load_benchmark_file
from json_input import ResultsError, json_files, load_json
from process_stats import MIN_PROCESSES
from stats import spread_of
from vocabulary import Vocabulary

AA_DIRECTORY = "aa"          # a run's A/A check: aa/A and aa/B, one binary on both sides
AA_SIDES = ("A", "B")
ALLOCATORS_DIRECTORY = "allocators"  # allocators/<compiler>/<allocator>/round-NN.json


@dataclass
class ProcessSide:
    """The benchmarks of one side by name, each over its processes' medians, and the number of processes; a
    benchmark's `repetitions` is how many processes it counts (fewer when some were left out)."""

    directory: Path
    benchmarks: dict[str, Benchmark]
    vocabulary: Vocabulary | None
    processes: int
    contexts: dict[Path, dict[str, Any]]   # each process's file and its Google Benchmark context


def entries_of(data: Any) -> list[Any]:
    """A parsed file's benchmark entries, or none when it is not Google Benchmark JSON (load_benchmark_file
    then says so)."""
    benchmarks = data.get("benchmarks") if isinstance(data, dict) else None
    return benchmarks if isinstance(benchmarks, list) else []


def load_process_side(directory: Path) -> ProcessSide:
    """Every *.json (or *.json.gz) file of `directory`, each one process."""
    paths = json_files(directory)
    if not paths:
        raise ResultsError(f"{directory}: no *.json process files (nor a meta.json: not a run directory)")
    documents = [(path, load_json(path)) for path in paths]
    fastest = fastest_calibration([entry for _, data in documents for entry in entries_of(data)])
    files = [load_benchmark_file(path, fastest=fastest, data=data) for path, data in documents]
    first = files[0]
    for bench_file in files[1:]:
        if bench_file.vocabulary != first.vocabulary:
            raise ResultsError(f"{bench_file.path}: its vocabulary differs from {first.path}'s")
        differing = sorted(set(first.benchmarks) ^ set(bench_file.benchmarks))
        if differing:
            raise ResultsError(f"{bench_file.path}: does not run the same benchmarks as {first.path} "
                               f"(e.g. {differing[0]})")
    benchmarks = {}
    for name, bench in first.benchmarks.items():
        fast = [f for f in files if f.benchmarks[name].timed_in_fast_state]
        counted = fast if len(fast) >= MIN_PROCESSES else files
        medians = [f.benchmarks[name].real_time_ns.median for f in counted]
        benchmarks[name] = Benchmark(name=name, scenario=bench.scenario, params=bench.params,
                                     repetitions=len(counted), real_time_ns=spread_of(medians),
                                     counters=bench.counters, timed_repetitions=len(counted),
                                     timed_in_fast_state=counted is fast)
    return ProcessSide(directory, benchmarks, first.vocabulary, len(files), {f.path: f.context for f in files})


def load_aa(run_directory: Path) -> tuple[ProcessSide, ProcessSide] | None:
    """A run's A/A check (aa/A, aa/B), or None when the run has no aa/ directory."""
    directory = run_directory / AA_DIRECTORY
    if not directory.exists():
        return None
    first, second = (load_process_side(directory / side) for side in AA_SIDES)
    if set(first.benchmarks) != set(second.benchmarks):
        raise ResultsError(f"{directory}: its sides {AA_SIDES[0]} and {AA_SIDES[1]} run different benchmarks")
    return first, second


def load_allocator_sides(run_directory: Path) -> dict[str, dict[str, ProcessSide]]:
    """A run's allocator comparison: compiler -> allocator -> its side (empty when the run has no
    allocators/ directory). Every process must say it ran that compiler's build under that allocator
    (vtb_compiler, vtb_allocator: what vtbench detected), and a compiler's sides the same benchmarks."""
    directory = run_directory / ALLOCATORS_DIRECTORY
    if not directory.exists():
        return {}
    compilers: dict[str, dict[str, ProcessSide]] = {}
    for compiler_directory in sorted(path for path in directory.iterdir() if path.is_dir()):
        sides = {}
        for side_directory in sorted(path for path in compiler_directory.iterdir() if path.is_dir()):
            side = load_process_side(side_directory)
            for path, context in side.contexts.items():
                ran = (context.get("vtb_compiler"), context.get("vtb_allocator"))
                if ran != (compiler_directory.name, side_directory.name):
                    raise ResultsError(f"{path}: ran {ran[0]} under {ran[1]}, not {compiler_directory.name} under "
                                       f"{side_directory.name} as its directory says")
            sides[side_directory.name] = side
        if not sides:
            raise ResultsError(f"{compiler_directory}: no allocator side directories")
        first_name, first = next(iter(sides.items()))
        for name, side in sides.items():
            if set(side.benchmarks) != set(first.benchmarks):
                raise ResultsError(f"{compiler_directory}: sides {first_name} and {name} run different benchmarks")
        compilers[compiler_directory.name] = sides
    return compilers
