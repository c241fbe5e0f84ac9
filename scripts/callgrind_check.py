"""Instructions, branch mispredictions and cache misses per operation under valgrind: the
deterministic cost, and a regression check.

    callgrind_check.py RUN_DIR --binary PATH [--iterations N] [--config gcc-glibc] [--impl a,b] [--hit 0,90,100]
                       [--check-baseline FILE [--tolerance 0.10]] [--write-baseline FILE]
    callgrind_check.py --binary PATH --check-baseline FILE [--tolerance 0.10] [--impl a,b]
    callgrind_check.py --binary PATH --write-baseline FILE

Every implementation (from the binary's --list-impls, or --impl) runs cache_lookup (int
payload, async db, glibc: LD_PRELOAD is removed) under valgrind --tool=cachegrind
--cache-sim=yes --branch-sim=yes for exactly N and then 2N iterations. The binary must be
the timing build (vtbench: vtb_counting off), so no figure includes the counting
allocator. Cachegrind's Ir is the instruction count callgrind gives (the same figure to
the instruction: 351.01 per op both for task at hit:100, GCC 12), and it also simulates the
branch predictor and the caches (D1, LL, I1). Each whole-process total (the 'summary:'
line) includes a constant start-up part, which cancels in
per_op = (E(2N) - E(N)) / N. Part of the start-up grows with the number of
digits of the iteration count (Google Benchmark prints it and matches the filter against
the name '.../iterations:N'), so N and 2N must have the same number of digits (N starting
with 1 to 4: 40000 and 80000, not 50000 and 100000).

With RUN_DIR, hit:0, 90 and 100 (or --hit) are measured and RUN_DIR/callgrind.json is written
(docs/results-format.md; 'config' is --config). Without RUN_DIR only hit:100 is measured,
which is all a baseline holds.

--check-baseline FILE compares each hit:100 row with FILE and prints a table; exit 1 names
the rows that rose by more than --tolerance (relative), or the baseline rows this run lacks
(an implementation removed or renamed). Implementations not in the baseline are listed as
new. With --impl, only the named implementations are compared.

--write-baseline FILE writes this run's hit:100 rows as a baseline, with the build facts
from the binary's JSON context (compiler, version, flags, counting) and valgrind's version.
Refresh tests/callgrind/baseline-gcc.json this way, deliberately, after a change that is
meant to alter the cost:
    /usr/bin/python3 scripts/callgrind_check.py --binary build/gcc/harness/vtbench \\
        --write-baseline tests/callgrind/baseline-gcc.json

Exit status: 0 fine, 1 a regression or bad input (one line naming it), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vtb_results import (
    ResultsError, ScriptArgumentParser, atomic_write_text, cache_lookup_arguments, cache_lookup_name, config_name,
    environment_without_preload, format_columns, load_benchmark_file, load_json, non_negative_float,
    parse_benchmark_name, per_op_between_runs, positive_int, run_main, split_config_name,
)

PROG = "callgrind_check.py"
HIT_RATIOS = (0, 90, 100)
BASELINE_HIT = 100
DEFAULT_ITERATIONS = 40000
# Context keys that change instruction counts: a baseline recorded under other values is noted.
BUILD_KEYS = ("vtb_compiler", "vtb_compiler_version", "vtb_cxx_flags", "vtb_build_type", "vtb_counting",
              "vtb_allocator_version")
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


@dataclass
class Change:
    """One hit:100 benchmark measured against its baseline figure."""

    benchmark: str
    baseline: float
    measured: float

    @property
    def relative_change(self) -> float:
        return (self.measured - self.baseline) / self.baseline


@dataclass
class BaselineComparison:
    changes: list[Change]
    missing: list[str]  # in the baseline, not measured
    new: list[str]      # measured, not in the baseline


@dataclass
class Baseline:
    path: Path
    instructions_per_op: dict[str, float]
    build: dict[str, str]


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


def parse_total_instructions(valgrind_output: str, source: str) -> int:
    """The Ir (instructions executed) total of a callgrind or cachegrind output file."""
    return parse_event_totals(valgrind_output, source)["Ir"]


def instructions_per_op(instructions_n: int, instructions_2n: int, iterations: int, name: str) -> float:
    """(I(2N) - I(N)) / N, rounded to 0.01; the 2N run must have executed more than the N run."""
    if instructions_2n <= instructions_n:
        raise ResultsError(f"{name}: the {2 * iterations}-iteration run executed {instructions_2n} instructions, "
                           f"no more than the {iterations}-iteration run ({instructions_n})")
    return round(per_op_between_runs(instructions_n, instructions_2n, iterations), 2)


def last_program_line(stderr: str) -> str:
    """The last stderr line that is not valgrind's own ('==<pid>== ...')."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith("==")]
    return lines[-1] if lines else "no message"


def benchmark_context(json_out: Path, impl: str, hit: int, iterations: int) -> dict[str, Any]:
    """The Google Benchmark context of a run, once its JSON shows that the benchmark ran `iterations` times."""
    name = cache_lookup_name(impl, hit)
    results = load_benchmark_file(json_out)
    if results.errors:
        failed_name, message = results.errors[0]
        raise ResultsError(f"{json_out}: {failed_name} failed: {message}")
    if results.find("cache_lookup", impl=impl, payload="int", db="async", hit=hit, iterations=iterations) is None:
        raise ResultsError(f"{json_out}: the binary did not run {name} for {iterations} iterations")
    return results.context


def run_under_valgrind(binary: Path, impl: str, hit: int, iterations: int, work_dir: Path) -> dict[str, int]:
    """Run one benchmark under cachegrind: the event totals of the whole process."""
    stem = f"{impl}-hit{hit}-n{iterations}"
    valgrind_out = work_dir / f"{stem}.cachegrind"
    json_out = work_dir / f"{stem}.json"
    command = ["valgrind", "-q", "--tool=cachegrind", "--cache-sim=yes", "--branch-sim=yes",
               f"--cachegrind-out-file={valgrind_out}", str(binary),
               *cache_lookup_arguments(impl, hit, iterations, json_out)]
    finished = subprocess.run(command, env=environment_without_preload(), capture_output=True, text=True)
    if finished.returncode != 0:
        raise ResultsError(f"{binary}: exited with status {finished.returncode} under cachegrind "
                           f"for {cache_lookup_name(impl, hit)}: {last_program_line(finished.stderr)}")
    source = f"cachegrind output of {cache_lookup_name(impl, hit)}, {iterations} iterations"
    if not valgrind_out.is_file():
        raise ResultsError(f"{source}: cachegrind wrote no file")
    totals = parse_event_totals(valgrind_out.read_text(errors="replace"), source)
    benchmark_context(json_out, impl, hit, iterations)  # the benchmark did run, N times
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


def measure(binary: Path, impl: str, hit: int, iterations: int, config: str, work_dir: Path,
            progress: tuple[int, int]) -> CallgrindRow:
    """Runs of N and 2N iterations, side by side on two processes; progress is (number of the first run,
    number of runs)."""
    name = cache_lookup_name(impl, hit)
    sys.stderr.write(f"{PROG}: [{progress[0]}-{progress[0] + 1}/{progress[1]}] {name}, "
                     f"{iterations} and {2 * iterations} iterations\n")
    with ThreadPoolExecutor(max_workers=2) as pool:
        totals = list(pool.map(lambda count: run_under_valgrind(binary, impl, hit, count, work_dir),
                               (iterations, 2 * iterations)))
    return row_of(name, config, totals[0], totals[1], iterations)


def list_implementations(binary: Path) -> list[str]:
    finished = subprocess.run([str(binary), "--list-impls"], env=environment_without_preload(),
                              capture_output=True, text=True)
    if finished.returncode != 0:
        raise ResultsError(f"{binary}: --list-impls exited with status {finished.returncode}: "
                           f"{last_program_line(finished.stderr)}")
    names = finished.stdout.split()
    if not names:
        raise ResultsError(f"{binary}: --list-impls printed no implementation")
    return names


def binary_context(binary: Path, impl: str, work_dir: Path) -> dict[str, Any]:
    """The binary's JSON context from one native iteration: checked before the long callgrind runs."""
    json_out = work_dir / "context.json"
    finished = subprocess.run([str(binary), *cache_lookup_arguments(impl, BASELINE_HIT, 1, json_out)],
                              env=environment_without_preload(), capture_output=True, text=True)
    if finished.returncode != 0:
        raise ResultsError(f"{binary}: exited with status {finished.returncode} "
                           f"for {cache_lookup_name(impl, BASELINE_HIT)}: {last_program_line(finished.stderr)}")
    return benchmark_context(json_out, impl, BASELINE_HIT, 1)


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
    document = {"iterations": [iterations, 2 * iterations], "rows": [asdict(row) for row in rows]}
    return json.dumps(document, indent=2) + "\n"


def valgrind_version() -> str:
    finished = subprocess.run(["valgrind", "--version"], capture_output=True, text=True)
    if finished.returncode != 0 or not finished.stdout.strip():
        raise ResultsError(f"valgrind --version failed: {finished.stderr.strip() or finished.returncode}")
    return finished.stdout.strip()


def baseline_json(rows: list[CallgrindRow], iterations: int, context: dict[str, Any], valgrind: str) -> str:
    """A baseline: this run's hit:100 rows, with the build facts that the figures depend on."""
    kept = baseline_rows({row.benchmark: row.instructions_per_op for row in rows})
    document = {
        "description": "callgrind instructions per operation at hit:100, checked by scripts/callgrind_check.py "
                       "--check-baseline; refresh deliberately with --write-baseline (see its --help)",
        "iterations": [iterations, 2 * iterations],
        "build": {key: context[key] for key in (*BUILD_KEYS, "vtb_git_revision") if key in context},
        "valgrind": valgrind,
        "rows": [{"benchmark": row.benchmark, "config": row.config, "instructions_per_op": row.instructions_per_op}
                 for row in rows if row.benchmark in kept],
    }
    return json.dumps(document, indent=2) + "\n"


def load_baseline(path: Path) -> Baseline:
    data = load_json(path)
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise ResultsError(f"{path}: not a callgrind baseline (no 'rows' list)")
    figures: dict[str, float] = {}
    for index, row in enumerate(rows):
        name = row.get("benchmark") if isinstance(row, dict) else None
        value = row.get("instructions_per_op") if isinstance(row, dict) else None
        if (not isinstance(name, str) or isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value) or value <= 0):
            raise ResultsError(f"{path}: row {index} needs a 'benchmark' name and a positive 'instructions_per_op'")
        try:
            parse_benchmark_name(name)
        except ValueError as exc:
            raise ResultsError(f"{path}: row {index}: {exc}") from None
        if name in figures:
            raise ResultsError(f"{path}: {name} is listed twice")
        figures[name] = float(value)
    build = data.get("build", {})
    if not isinstance(build, dict):
        raise ResultsError(f"{path}: 'build' is not an object")
    return Baseline(path, figures, build)


def baseline_rows(figures: dict[str, float], implementations: list[str] | None = None) -> dict[str, float]:
    """The hit:100 entries of benchmark -> instructions/op, only of `implementations` when given."""
    def wanted(name: str) -> bool:
        params = parse_benchmark_name(name)[1]
        return (params.get("hit") == str(BASELINE_HIT)
                and (implementations is None or params.get("impl") in implementations))
    return {name: value for name, value in figures.items() if wanted(name)}


def compare_with_baseline(baseline: dict[str, float], measured: dict[str, float]) -> BaselineComparison:
    changes = [Change(name, baseline[name], measured[name]) for name in baseline if name in measured]
    return BaselineComparison(changes,
                              missing=[name for name in baseline if name not in measured],
                              new=[name for name in measured if name not in baseline])


def regressions(comparison: BaselineComparison, tolerance: float) -> list[Change]:
    """The changes that rose by more than `tolerance` relative to the baseline."""
    return [change for change in comparison.changes if change.relative_change > tolerance]


def build_differences(baseline_build: dict[str, str], context: dict[str, Any]) -> list[str]:
    """'vtb_cxx_flags: baseline '-O2', binary '-O3'' for every build fact that differs."""
    return [f"{key}: baseline {baseline_build[key]!r}, binary {context.get(key)!r}"
            for key in BUILD_KEYS if key in baseline_build and baseline_build[key] != context.get(key)]


def format_instructions(value: float) -> str:
    return f"{value:,.2f}"


def percent(fraction: float) -> str:
    """0.1 -> '10%', 0.025 -> '2.5%'."""
    return f"{fraction * 100:g}%"


def format_results_table(rows: list[CallgrindRow]) -> str:
    def optional(value: float | None) -> str:
        return "-" if value is None else f"{value:,.2f}"
    return format_columns([("benchmark", "instructions/op", "branches/op", "mispredicts/op", "D1 misses/op",
                            "LL misses/op")] +
                          [(row.benchmark, format_instructions(row.instructions_per_op), optional(row.branches_per_op),
                            optional(row.branch_mispredicts_per_op), optional(row.d1_misses_per_op),
                            optional(row.ll_misses_per_op)) for row in rows])


def format_comparison_table(comparison: BaselineComparison, measured: dict[str, float], tolerance: float) -> str:
    lines = [("benchmark", "baseline", "measured", "change", "status")]
    for change in comparison.changes:
        status = f"ROSE > {percent(tolerance)}" if change.relative_change > tolerance else "ok"
        lines.append((change.benchmark, format_instructions(change.baseline), format_instructions(change.measured),
                      f"{change.relative_change:+.1%}", status))
    lines += [(name, "-", format_instructions(measured[name]), "-", "new") for name in comparison.new]
    lines += [(name, "-", "-", "-", "MISSING") for name in comparison.missing]
    return format_columns(lines)


def check_against_baseline(baseline: Baseline, rows: list[CallgrindRow], context: dict[str, Any],
                           tolerance: float, selected: list[str] | None) -> int:
    """Print the comparison table; 1 (with the reason on stderr) on a regression or a missing row."""
    measured = baseline_rows({row.benchmark: row.instructions_per_op for row in rows})
    compared = baseline_rows(baseline.instructions_per_op, selected)
    for difference in build_differences(baseline.build, context):
        sys.stderr.write(f"{PROG}: note: {baseline.path} was recorded with another build: {difference}\n")
    comparison = compare_with_baseline(compared, measured)
    print(format_comparison_table(comparison, measured, tolerance))
    if comparison.new:
        print(f"{PROG}: rows not in {baseline.path} (new, not checked): {len(comparison.new)}")
    risen = regressions(comparison, tolerance)
    if risen:
        sys.stderr.write(f"{PROG}: {len(risen)} of {len(comparison.changes)} rows rose by more than {percent(tolerance)} "
                         f"over {baseline.path}: {', '.join(change.benchmark for change in risen)}\n")
    if comparison.missing:
        sys.stderr.write(f"{PROG}: error: {baseline.path}: rows missing from this run "
                         f"(implementation removed or renamed?): {', '.join(comparison.missing)}\n")
    return 1 if risen or comparison.missing else 0


def implementation_list(text: str) -> list[str]:
    """argparse type: 'a,b' -> ['a', 'b']."""
    names = text.split(",")
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated implementation names, got {text!r}")
    return names


def hit_list(text: str) -> tuple[int, ...]:
    """argparse type: '0,90,100' -> (0, 90, 100), each an integer 0..100, none twice."""
    try:
        hits = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers 0..100, got {text!r}") from None
    if not all(0 <= hit <= 100 for hit in hits) or len(set(hits)) != len(hits):
        raise argparse.ArgumentTypeError(f"expected distinct integers 0..100, got {text!r}")
    return hits


def iteration_count(text: str) -> int:
    """argparse type: a positive N whose double has as many digits (the start-up cost depends on them)."""
    iterations = positive_int(text)
    if len(str(2 * iterations)) != len(str(iterations)):
        raise argparse.ArgumentTypeError(f"{iterations} and {2 * iterations} differ in digits, which changes "
                                         f"the start-up cost: take N starting with 1 to 4")
    return iterations


def configuration(text: str) -> str:
    """argparse type: a <compiler>-<allocator> configuration name."""
    try:
        split_config_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def main(argv: list[str] | None = None) -> int:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("run_dir", type=Path, nargs="?", metavar="RUN_DIR",
                        help="results/<run-id> directory to write callgrind.json into (hit:0 and hit:100); "
                             "optional with --check-baseline or --write-baseline")
    parser.add_argument("--binary", type=Path, required=True, metavar="PATH", help="the vtbench binary")
    parser.add_argument("--iterations", type=iteration_count, default=DEFAULT_ITERATIONS, metavar="N",
                        help=f"iterations of the shorter run; the longer one runs 2N (default {DEFAULT_ITERATIONS})")
    parser.add_argument("--config", type=configuration, default="gcc-glibc",
                        help="the bench/<config>.json the rows belong to; must match the binary (default gcc-glibc)")
    parser.add_argument("--impl", type=implementation_list, metavar="A,B",
                        help="implementations to measure (default: all of the binary's --list-impls)")
    parser.add_argument("--output", default="callgrind.json", metavar="NAME",
                        help="the file RUN_DIR/NAME to write (default callgrind.json; run_all.sh writes "
                             "callgrind-unchecked.json for vtbench_unchecked)")
    parser.add_argument("--hit", type=hit_list, default=HIT_RATIOS, metavar="H,H",
                        help=f"hit ratios to measure with RUN_DIR (default {','.join(map(str, HIT_RATIOS))})")
    parser.add_argument("--check-baseline", type=Path, metavar="FILE",
                        help="compare the hit:100 rows with this baseline; exit 1 on a rise beyond --tolerance")
    parser.add_argument("--tolerance", type=non_negative_float, default=0.10,
                        help="allowed relative rise over the baseline (default 0.10)")
    parser.add_argument("--write-baseline", type=Path, metavar="FILE",
                        help="write this run's hit:100 rows as a baseline")
    args = parser.parse_args(argv)
    if "/" in args.output or not args.output.endswith(".json"):
        parser.error(f"--output must be a file name ending in .json, got {args.output!r}")
    if args.run_dir is None and args.check_baseline is None and args.write_baseline is None:
        parser.error("nothing to do: give RUN_DIR, --check-baseline FILE or --write-baseline FILE")

    def body() -> int:
        if args.run_dir is not None and not args.run_dir.is_dir():
            raise ResultsError(f"{args.run_dir}: no such run directory")
        if not (args.binary.is_file() and os.access(args.binary, os.X_OK)):
            raise ResultsError(f"{args.binary}: no such executable")
        binary = args.binary.absolute()  # 'vtbench' alone would be looked up on PATH
        if shutil.which("valgrind") is None:
            raise ResultsError("valgrind: not found on PATH (Debian package valgrind)")
        baseline = load_baseline(args.check_baseline) if args.check_baseline else None
        available = list_implementations(binary)
        unknown = [name for name in args.impl or [] if name not in available]
        if unknown:
            parser.error(f"--impl: {', '.join(unknown)} not in {binary} --list-impls ({', '.join(available)})")
        implementations = list(dict.fromkeys(args.impl or available))
        hits = args.hit if args.run_dir is not None else (BASELINE_HIT,)
        configurations = [(impl, hit) for impl in implementations for hit in hits]
        started = time.monotonic()
        rows = []
        with tempfile.TemporaryDirectory(prefix="vtb-callgrind-") as work_dir:
            context = binary_context(binary, implementations[0], Path(work_dir))
            binary_config = config_of_binary(context, binary)
            if binary_config != args.config:
                raise ResultsError(f"{binary}: runs as configuration {binary_config} without LD_PRELOAD, "
                                   f"not --config {args.config}")
            for index, (impl, hit) in enumerate(configurations):
                rows.append(measure(binary, impl, hit, args.iterations, args.config, Path(work_dir),
                                    (2 * index + 1, 2 * len(configurations))))
        sys.stderr.write(f"{PROG}: {2 * len(configurations)} cachegrind runs in {time.monotonic() - started:.0f} s\n")
        print(format_results_table(rows))
        if args.run_dir is not None:
            output = args.run_dir / args.output
            atomic_write_text(output, results_json(rows, args.iterations))
            print(f"{PROG}: wrote {output}")
        status = 0
        if baseline is not None:
            status = check_against_baseline(baseline, rows, context, args.tolerance, args.impl)
        if args.write_baseline is not None:
            atomic_write_text(args.write_baseline, baseline_json(rows, args.iterations, context, valgrind_version()))
            print(f"{PROG}: wrote {args.write_baseline}")
        return status

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
