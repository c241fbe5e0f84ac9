"""Cross-check the counting allocator's allocs_per_op against heaptrack.

    /usr/bin/python3 scripts/heaptrack_check.py RUN_DIR --binary build/gcc/harness/vtbench_counting
                                                [--iterations N] [--tolerance 0.02] [--impl a,b] [--hit H,H|SWEEP]

The binary publishes the suite's vocabulary (`PATH --list`). For cache_lookup x every
implementation it lists (or --impl) x the hit ratios of its `ends` sweep (or --hit)
(int payload, async db, glibc: LD_PRELOAD is removed), the binary runs
exactly N and then 2N iterations under heaptrack. heaptrack counts every malloc call of
the process, the counting allocator forwards operator new to malloc, so the constant
start-up calls cancel in (calls(2N) - calls(N)) / N, which must match the allocs_per_op
the binary itself reports for the 2N run. Writes RUN_DIR/heaptrack.json
(docs/results-format.md), prints a table, exits 1 when a row disagrees beyond the
tolerance.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmark_file import load_benchmark_file
from crosscheck import (
    binary_vocabulary, cache_lookup_name, cache_lookup_subject, environment_without_preload, executable,
    hit_selection, last_line, name_list, selected_hits, selected_implementations,
)
from crosscheck import per_op_between_runs as allocs_per_op_from_calls
from formats import format_allocs
from json_input import ResultsError
from script_io import ScriptArgumentParser, atomic_write_text, non_negative_float, positive_int, run_main
from tables import text_table

PROG = "heaptrack_check.py"
HIT_SWEEP = "ends"  # the vocabulary's sweep of the two extremes: every miss and every hit
ALLOCATION_CALLS = re.compile(r"^calls to allocation functions: (\d+)", re.MULTILINE)


@dataclass
class CheckRow:
    benchmark: str
    heaptrack_allocs_per_op: float
    counted_allocs_per_op: float
    heaptrack_calls: list[int]
    agree: bool


def parse_allocation_calls(heaptrack_print_output: str, source: str) -> int:
    """The 'calls to allocation functions: N' figure of heaptrack_print's summary."""
    match = ALLOCATION_CALLS.search(heaptrack_print_output)
    if not match:
        raise ResultsError(f"{source}: heaptrack_print printed no 'calls to allocation functions' line")
    return int(match.group(1))


def agrees(heaptrack_allocs: float, counted_allocs: float, tolerance: float) -> bool:
    """Relative tolerance, taken as absolute (allocs/op) below one allocation per operation."""
    return abs(heaptrack_allocs - counted_allocs) <= tolerance * max(1.0, abs(counted_allocs))


def counted_allocs_per_op(json_path: Path, impl: str, hit: int) -> float:
    bench = load_benchmark_file(json_path).find("cache_lookup", impl=impl, payload="int", db="async", hit=hit)
    allocs = bench.counter("allocs_per_op") if bench else None
    if allocs is None:
        raise ResultsError(f"{json_path}: no allocs_per_op for {cache_lookup_name(impl, hit)} "
                           f"(is the binary built with counting?)")
    return allocs.median


def last_program_line(stderr: str) -> str:
    """The binary's last stderr line: heaptrack appends its own 'heaptrack stats:' block after it."""
    return last_line(stderr.split("heaptrack stats:")[0])


def run_binary_under_heaptrack(binary: Path, impl: str, hit: int, iterations: int, work_dir: Path) -> tuple[int, float]:
    """Run one configuration under heaptrack: (malloc calls of the whole process, counted allocs_per_op)."""
    name = cache_lookup_name(impl, hit)
    stem = f"{impl}-hit{hit}-n{iterations}"
    json_out = work_dir / f"{stem}.json"
    command = ["heaptrack", "-o", str(work_dir / stem), str(binary),
               *cache_lookup_subject(impl, hit).arguments(iterations, json_out)]
    finished = subprocess.run(command, env=environment_without_preload(), capture_output=True, text=True,
                              errors="replace")
    if finished.returncode != 0:
        raise ResultsError(f"{binary}: exited with status {finished.returncode} under heaptrack "
                           f"for {name}: {last_program_line(finished.stderr)}")
    recordings = [path for path in work_dir.glob(f"{stem}.*") if path != json_out]
    if len(recordings) != 1:
        raise ResultsError(f"{work_dir / stem}: expected one heaptrack recording, found {len(recordings)}")
    printed = subprocess.run(["heaptrack_print", "--print-peaks=0", "--print-allocators=0",
                              "--print-temporary=0", str(recordings[0])], capture_output=True, text=True,
                              errors="replace")
    if printed.returncode != 0:
        raise ResultsError(f"{recordings[0]}: heaptrack_print failed: {printed.stderr.strip() or printed.returncode}")
    calls = parse_allocation_calls(printed.stdout, f"heaptrack_print {recordings[0].name}")
    if calls == 0:
        raise ResultsError(f"{recordings[0]}: heaptrack recorded no allocation calls at all")
    return calls, counted_allocs_per_op(json_out, impl, hit)


def check_configuration(binary: Path, impl: str, hit: int, iterations: int, tolerance: float,
                        work_dir: Path, progress: str) -> CheckRow:
    samples = []
    for run_iterations in (iterations, 2 * iterations):
        sys.stderr.write(f"{PROG}: {progress} {cache_lookup_name(impl, hit)}, {run_iterations} iterations\n")
        samples.append(run_binary_under_heaptrack(binary, impl, hit, run_iterations, work_dir))
    (calls_n, _), (calls_2n, counted) = samples
    heaptrack_allocs = allocs_per_op_from_calls(calls_n, calls_2n, iterations)
    return CheckRow(cache_lookup_name(impl, hit), heaptrack_allocs, counted, [calls_n, calls_2n],
                    agrees(heaptrack_allocs, counted, tolerance))


def results_json(rows: list[CheckRow], iterations: int, tolerance: float, binary: Path) -> str:
    document = {
        "iterations": [iterations, 2 * iterations],
        "tolerance": tolerance,
        "binary": str(binary),
        "rows": [asdict(row) for row in rows],
        "all_agree": all(row.agree for row in rows),
    }
    return json.dumps(document, indent=2) + "\n"


def format_table(rows: list[CheckRow]) -> str:
    return "\n".join(text_table(("benchmark", "heaptrack allocs/op", "counted allocs/op", "agree"),
                                [(row.benchmark, format_allocs(row.heaptrack_allocs_per_op),
                                  format_allocs(row.counted_allocs_per_op), "yes" if row.agree else "NO")
                                 for row in rows]))


def main(argv: list[str] | None = None) -> int:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="results/<run-id> directory to write heaptrack.json into")
    parser.add_argument("--binary", type=Path, required=True, metavar="PATH", help="vtbench_counting (the binary built with counting)")
    parser.add_argument("--iterations", type=positive_int, default=10000, metavar="N",
                        help="iterations of the shorter run; the longer one runs 2N (default 10000)")
    parser.add_argument("--tolerance", type=non_negative_float, default=0.02,
                        help="allowed difference, relative (absolute below 1 alloc/op) (default 0.02)")
    parser.add_argument("--impl", type=name_list, metavar="A,B",
                        help="implementations to check (default: every one the binary lists)")
    parser.add_argument("--hit", type=hit_selection, default=HIT_SWEEP, metavar="H,H|SWEEP",
                        help=f"hit ratios: percentages, or a sweep of the binary's --list (default {HIT_SWEEP})")
    args = parser.parse_args(argv)

    def body() -> int:
        if not args.run_dir.is_dir():
            raise ResultsError(f"{args.run_dir}: no such run directory")
        binary = executable(args.binary)
        for tool in ("heaptrack", "heaptrack_print"):
            if shutil.which(tool) is None:
                raise ResultsError(f"{tool}: not found on PATH (Debian package heaptrack)")
        vocabulary = binary_vocabulary(binary)
        implementations = selected_implementations(args.impl, vocabulary)
        configurations = [(impl, hit) for impl in implementations for hit in selected_hits(args.hit, vocabulary)]
        rows = []
        with tempfile.TemporaryDirectory(prefix="vtb-heaptrack-") as work_dir:
            for index, (impl, hit) in enumerate(configurations, start=1):
                rows.append(check_configuration(binary, impl, hit, args.iterations, args.tolerance,
                                                Path(work_dir), f"[{index}/{len(configurations)}]"))
        output = args.run_dir / "heaptrack.json"
        atomic_write_text(output, results_json(rows, args.iterations, args.tolerance, args.binary))
        print(format_table(rows))
        print(f"{PROG}: wrote {output}")
        disagreeing = [row for row in rows if not row.agree]
        if disagreeing:
            sys.stderr.write(f"{PROG}: {len(disagreeing)} of {len(rows)} rows disagree beyond tolerance "
                             f"{args.tolerance}: {', '.join(row.benchmark for row in disagreeing)}\n")
            return 1
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
