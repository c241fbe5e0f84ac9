"""Instructions, branch mispredictions and cache misses per operation under valgrind: the
deterministic cost, and a regression check.

    callgrind_check.py RUN_DIR --binary PATH [--iterations N] [--config gcc-glibc] [--impl a,b] [--hit H,H|SWEEP]
                       [--check-baseline FILE [--tolerance 0.10]] [--write-baseline FILE]
    callgrind_check.py --binary PATH --check-baseline FILE [--tolerance 0.10] [--impl a,b]
    callgrind_check.py --binary PATH --write-baseline FILE

The binary publishes the suite's vocabulary (`PATH --list`): every implementation it lists
(or --impl) runs cache_lookup (int payload, async db, glibc: LD_PRELOAD is removed) under
valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes for exactly N and then 2N
iterations. The binary must be the timing build (vtbench: vtb_counting off), so no figure
includes the counting allocator. Cachegrind's Ir is the instruction count callgrind gives
(the same figure to the instruction: 351.01 per op both for task at hit:100, GCC 12), and it
also simulates the branch predictor and the caches (D1, LL, I1). Each whole-process total
(the 'summary:' line) includes a constant start-up part, which cancels in
per_op = (E(2N) - E(N)) / N. Part of the start-up grows with the number of
digits of the iteration count (Google Benchmark prints it and matches the filter against
the name '.../iterations:N'), so N and 2N must have the same number of digits (N starting
with 1 to 4: 40000 and 80000, not 50000 and 100000).

With RUN_DIR, the hit ratios of the vocabulary's `crosscheck` sweep (or --hit: a sweep
name, or percentages) are measured, and every copy_cost benchmark the binary registers
(--benchmark_list_tests: claim C7's moves, which cost instructions as well as time), and
RUN_DIR/callgrind.json is written
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
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cachegrind_runs import (
    CallgrindRow, binary_context, config_of_binary, listed_subjects, measure, results_json, valgrind_version,
)
from callgrind_baseline import (
    BASELINE_HIT, Baseline, baseline_json, baseline_rows, build_differences, compare_with_baseline,
    format_comparison_table, format_instructions, load_baseline, percent, regressions,
)
from crosscheck import (
    binary_vocabulary, cache_lookup_subject, executable, hit_selection, name_list, selected_hits,
    selected_implementations,
)
from json_input import ResultsError
from script_io import ScriptArgumentParser, atomic_write_text, non_negative_float, positive_int, run_main
from tables import text_table
from vtb_results import split_config_name

PROG = "callgrind_check.py"
CROSSCHECK_SWEEP = "crosscheck"  # the vocabulary's hit ratios measured into RUN_DIR/callgrind.json by default
DEFAULT_ITERATIONS = 40000
COPY_COST_SCENARIO = "copy_cost"  # measured whole into RUN_DIR/callgrind.json, beside cache_lookup


def format_results_table(rows: list[CallgrindRow]) -> str:
    def optional(value: float | None) -> str:
        return "-" if value is None else f"{value:,.2f}"
    return "\n".join(text_table(
        ("benchmark", "instructions/op", "branches/op", "mispredicts/op", "D1 misses/op", "LL misses/op"),
        [(row.benchmark, format_instructions(row.instructions_per_op), optional(row.branches_per_op),
          optional(row.branch_mispredicts_per_op), optional(row.d1_misses_per_op), optional(row.ll_misses_per_op))
         for row in rows]))


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
                        help="results/<run-id> directory to write callgrind.json into; "
                             "optional with --check-baseline or --write-baseline")
    parser.add_argument("--binary", type=Path, required=True, metavar="PATH", help="the vtbench binary")
    parser.add_argument("--iterations", type=iteration_count, default=DEFAULT_ITERATIONS, metavar="N",
                        help=f"iterations of the shorter run; the longer one runs 2N (default {DEFAULT_ITERATIONS})")
    parser.add_argument("--config", type=configuration, default="gcc-glibc",
                        help="the bench/<config>.json the rows belong to; must match the binary (default gcc-glibc)")
    parser.add_argument("--impl", type=name_list, metavar="A,B",
                        help="implementations to measure (default: every one the binary's --list names)")
    parser.add_argument("--output", default="callgrind.json", metavar="NAME",
                        help="the file RUN_DIR/NAME to write (default callgrind.json; run_all.sh writes "
                             "callgrind-unchecked.json for vtbench_unchecked)")
    parser.add_argument("--hit", type=hit_selection, default=CROSSCHECK_SWEEP, metavar="H,H|SWEEP",
                        help=f"hit ratios to measure with RUN_DIR: percentages, or a sweep of the binary's --list "
                             f"(default {CROSSCHECK_SWEEP})")
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
        binary = executable(args.binary)
        if shutil.which("valgrind") is None:
            raise ResultsError("valgrind: not found on PATH (Debian package valgrind)")
        baseline = load_baseline(args.check_baseline) if args.check_baseline else None
        vocabulary = binary_vocabulary(binary)
        implementations = selected_implementations(args.impl, vocabulary)
        hits = selected_hits(args.hit, vocabulary) if args.run_dir is not None else (BASELINE_HIT,)
        subjects = [cache_lookup_subject(impl, hit) for impl in implementations for hit in hits]
        if args.run_dir is not None:
            if COPY_COST_SCENARIO not in vocabulary.scenarios:
                raise ResultsError(f"{binary}: its --list names no {COPY_COST_SCENARIO} scenario")
            subjects += listed_subjects(binary, COPY_COST_SCENARIO)
        started = time.monotonic()
        rows = []
        with tempfile.TemporaryDirectory(prefix="vtb-callgrind-") as work_dir:
            context = binary_context(binary, subjects[0], Path(work_dir))
            binary_config = config_of_binary(context, binary)
            if binary_config != args.config:
                raise ResultsError(f"{binary}: runs as configuration {binary_config} without LD_PRELOAD, "
                                   f"not --config {args.config}")
            for index, subject in enumerate(subjects):
                sys.stderr.write(f"{PROG}: [{2 * index + 1}-{2 * index + 2}/{2 * len(subjects)}] "
                                 f"{subject.name}, {args.iterations} and {2 * args.iterations} iterations\n")
                rows.append(measure(binary, subject, args.iterations, args.config, Path(work_dir)))
        sys.stderr.write(f"{PROG}: {2 * len(subjects)} cachegrind runs in {time.monotonic() - started:.0f} s\n")
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
