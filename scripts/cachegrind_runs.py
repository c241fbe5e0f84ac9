"""Measuring one benchmark (a cache_lookup row, or any benchmark the binary lists, such as
copy_cost's) under valgrind's cachegrind for callgrind_check.py: the runs of N and 2N
iterations, their output's event totals, and the per-operation row they make
((E(2N) - E(N)) / N per event), plus the binary's own facts (its JSON context: which
configuration it runs as, and that it is the timing build)."""

from __future__ import annotations

import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmark_file import load_benchmark_file
from crosscheck import Subject, environment_without_preload, last_line, per_op_between_runs
from json_input import ResultsError
from vtb_results import config_name

COST_LINE = re.compile(r"^(totals|summary):(.*)$", re.MULTILINE)
EVENTS_LINE = re.compile(r"^events:(.*)$", re.MULTILINE)
# Cachegrind's events -> the row fields they make (per operation, summed).
EVENT_FIELDS = {
    "instructions_per_op": ("Ir",),
    "branches_per_op": ("Bc", "Bi"),
    "branch_mispredicts_per_op": ("Bcm", "Bim"),
    "d1_misses_per_op": ("D1mr", "D1mw"),
    "ll_misses_per_op": ("DLmr", "DLmw"),
    "i1_misses_per_op": ("I1mr",),
}


def listed_subjects(binary: Path, scenario: str) -> list[Subject]:
    """Every benchmark of `scenario` the binary registers with no flags (--benchmark_list_tests), in its order."""
    finished = subprocess.run([str(binary), f"--benchmark_filter=^{re.escape(scenario)}/",
                               "--benchmark_list_tests=true"], env=environment_without_preload(),
                              capture_output=True, text=True, errors="replace")
    if finished.returncode != 0:
        raise ResultsError(f"{binary}: --benchmark_list_tests exited with status {finished.returncode}: "
                           f"{last_program_line(finished.stderr)}")
    names = [line.strip() for line in finished.stdout.splitlines() if line.startswith(f"{scenario}/")]
    if not names:
        raise ResultsError(f"{binary}: registers no {scenario} benchmark")
    return [Subject(name) for name in names]


@dataclass
class CallgrindRow:
    benchmark: str
    config: str
    instructions_per_op: float
    branches_per_op: float | None = None
    branch_mispredicts_per_op: float | None = None
    d1_misses_per_op: float | None = None
    ll_misses_per_op: float | None = None
    i1_misses_per_op: float | None = None


def parse_event_totals(valgrind_output: str, source: str) -> dict[str, int]:
    """Event name -> whole-process total, from a callgrind or cachegrind output file's 'totals:' (else
    'summary:') line; it must hold a non-zero Ir (instructions executed)."""
    events = EVENTS_LINE.search(valgrind_output)
    if not events:
        raise ResultsError(f"{source}: not callgrind output (no 'events:' line)")
    event_names = events.group(1).split()
    if "Ir" not in event_names:
        raise ResultsError(f"{source}: callgrind recorded no Ir (instructions) event, only {' '.join(event_names)}")
    costs = {kind: line for kind, line in COST_LINE.findall(valgrind_output)}
    line = costs.get("totals", costs.get("summary"))
    if line is None:
        raise ResultsError(f"{source}: no 'totals:' or 'summary:' line (callgrind did not finish?)")
    figures = line.split()
    index = event_names.index("Ir")
    if len(figures) <= index or not figures[index].isdigit():
        raise ResultsError(f"{source}: cost line {line.strip()!r} has no Ir figure")
    if int(figures[index]) == 0:
        raise ResultsError(f"{source}: callgrind counted no instructions")
    return {name: int(figure) for name, figure in zip(event_names, figures) if figure.isdigit()}


def instructions_per_op(instructions_n: int, instructions_2n: int, iterations: int, name: str) -> float:
    """(I(2N) - I(N)) / N, rounded to 0.01; the 2N run must have executed more than the N run."""
    if instructions_2n <= instructions_n:
        raise ResultsError(f"{name}: the {2 * iterations}-iteration run executed {instructions_2n} instructions, "
                           f"no more than the {iterations}-iteration run ({instructions_n})")
    return round(per_op_between_runs(instructions_n, instructions_2n, iterations), 2)


def last_program_line(stderr: str) -> str:
    """The binary's last stderr line, valgrind's own ('==<pid>== ...') left out."""
    return last_line("\n".join(line for line in stderr.splitlines() if not line.startswith("==")))


def benchmark_context(json_out: Path, subject: Subject, iterations: int) -> dict[str, Any]:
    """The Google Benchmark context of a run, once its JSON shows that the benchmark ran `iterations` times."""
    results = load_benchmark_file(json_out)
    if f"{subject.name}/iterations:{iterations}" not in results.benchmarks:
        raise ResultsError(f"{json_out}: the binary did not run {subject.name} for {iterations} iterations")
    return results.context


def run_under_valgrind(binary: Path, subject: Subject, iterations: int, work_dir: Path) -> dict[str, int]:
    """Run one benchmark under cachegrind: the event totals of the whole process."""
    stem = f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', subject.name)}-n{iterations}"
    valgrind_out = work_dir / f"{stem}.cachegrind"
    json_out = work_dir / f"{stem}.json"
    command = ["valgrind", "-q", "--tool=cachegrind", "--cache-sim=yes", "--branch-sim=yes",
               f"--cachegrind-out-file={valgrind_out}", str(binary), *subject.arguments(iterations, json_out)]
    finished = subprocess.run(command, env=environment_without_preload(), capture_output=True, text=True,
                              errors="replace")
    if finished.returncode != 0:
        raise ResultsError(f"{binary}: exited with status {finished.returncode} under cachegrind "
                           f"for {subject.name}: {last_program_line(finished.stderr)}")
    source = f"cachegrind output of {subject.name}, {iterations} iterations"
    if not valgrind_out.is_file():
        raise ResultsError(f"{source}: cachegrind wrote no file")
    totals = parse_event_totals(valgrind_out.read_text(errors="replace"), source)
    benchmark_context(json_out, subject, iterations)  # the benchmark did run, N times
    return totals


def row_of(name: str, config: str, totals_n: dict[str, int], totals_2n: dict[str, int], iterations: int) -> CallgrindRow:
    """The per-operation row from the N and 2N runs' event totals: each field sums those of its events
    that were recorded, and is None when none was."""
    row = CallgrindRow(name, config, instructions_per_op(totals_n["Ir"], totals_2n["Ir"], iterations, name))
    for field_name, events in EVENT_FIELDS.items():
        recorded = [event for event in events if event in totals_n and event in totals_2n]
        if field_name != "instructions_per_op" and recorded:
            value = sum(per_op_between_runs(totals_n[event], totals_2n[event], iterations) for event in recorded)
            setattr(row, field_name, round(value, 3))
    return row


def measure(binary: Path, subject: Subject, iterations: int, config: str, work_dir: Path) -> CallgrindRow:
    """Runs of N and 2N iterations, side by side on two processes."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        totals = list(pool.map(lambda count: run_under_valgrind(binary, subject, count, work_dir),
                               (iterations, 2 * iterations)))
    return row_of(subject.name, config, totals[0], totals[1], iterations)


def binary_context(binary: Path, subject: Subject, work_dir: Path) -> dict[str, Any]:
    """The binary's JSON context from one native iteration: checked before the long cachegrind runs."""
    json_out = work_dir / "context.json"
    finished = subprocess.run([str(binary), *subject.arguments(1, json_out)],
                              env=environment_without_preload(), capture_output=True, text=True, errors="replace")
    if finished.returncode != 0:
        raise ResultsError(f"{binary}: exited with status {finished.returncode} "
                           f"for {subject.name}: {last_program_line(finished.stderr)}")
    return benchmark_context(json_out, subject, 1)


def config_of_binary(context: dict[str, Any], binary: Path) -> str:
    """'gcc-glibc' from the vtb_compiler and vtb_allocator context keys; the binary must be the timing
    build (vtb_counting off), since counting would add its own instructions to every allocation."""
    values = [context.get(key) for key in ("vtb_compiler", "vtb_allocator", "vtb_counting")]
    if not all(isinstance(value, str) for value in values):
        raise ResultsError(f"{binary}: its JSON context lacks vtb_compiler, vtb_allocator or vtb_counting "
                           f"(not a vtbench binary?)")
    compiler, allocator, counting = values
    if counting != "off":
        raise ResultsError(f"{binary}: counts allocations (vtb_counting {counting}): measure the timing "
                           f"binary vtbench, whose instructions include no counting")
    return config_name(compiler, allocator)


def results_json(rows: list[CallgrindRow], iterations: int) -> str:
    """callgrind.json (docs/results-format.md)."""
    document = {"iterations": [iterations, 2 * iterations], "rows": [asdict(row) for row in rows]}
    return json.dumps(document, indent=2) + "\n"


def valgrind_version() -> str:
    finished = subprocess.run(["valgrind", "--version"], capture_output=True, text=True)
    if finished.returncode != 0 or not finished.stdout.strip():
        raise ResultsError(f"valgrind --version failed: {finished.stderr.strip() or finished.returncode}")
    return finished.stdout.strip()
