"""Write RUN_DIR/REPORT.md: the environment, the verdict on each claim C1..C10 for .NET and
C++, C++ against .NET form by form, the charts, GCC against Clang (coroutine frame elision), two threads at once,
multi_await, the footprint and misuse tables and the cross-checks of a vtbench run.

    /usr/bin/python3 scripts/report.py RUN_DIR

Every figure comes from the run's files (docs/results-format.md); the report is computed
by the reporting/ package (one module per section, one registered function per claim and
language) and written here. Unless a claim says otherwise it reads the gcc + glibc
configuration, int payload, async db. A section whose data the run lacks says what is
missing; bad input is one line naming the file, exit 1, and no REPORT.md written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reporting.document import build_report
from script_io import ScriptArgumentParser, atomic_write_text, run_main
from vtb_results import load_run

PROG = "report.py"


def main(argv: list[str] | None = None) -> int:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="results/<run-id> directory")
    args = parser.parse_args(argv)

    def body() -> int:
        run = load_run(args.run_dir)
        report_path = args.run_dir / "REPORT.md"
        atomic_write_text(report_path, build_report(run))
        print(f"{PROG}: wrote {report_path}")
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
