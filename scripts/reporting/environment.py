"""REPORT.md's opening: the method paragraph (how every figure was taken, from meta.json's
passes) and the "Environment" section (the run, the machine, and each configuration as its
benchmark files' contexts describe it)."""

from __future__ import annotations

from typing import Any

from reporting.common import recorded
from stats import SIGNIFICANCE_ALPHA
from tables import table
from vtb_results import Run


def method_paragraph(run: Run) -> str:
    """One paragraph on how every figure was taken, from meta.json's passes."""
    passes = run.meta.get("passes") if isinstance(run.meta.get("passes"), dict) else {}
    timing = passes.get("timing", {}) if isinstance(passes.get("timing"), dict) else {}
    counting = passes.get("counting", {}) if isinstance(passes.get("counting"), dict) else {}
    repetitions = timing.get("repetitions", run.meta.get("repetitions", "?"))
    min_time = timing.get("min_time", run.meta.get("min_time", "?"))
    iterations = counting.get("iterations", "?")
    timed = [bench for bench_file in run.configs.values() for bench in bench_file.benchmarks.values()
             if bench.real_time_ns is not None]
    kept, total = sum(bench.timed_repetitions for bench in timed), sum(bench.repetitions for bench in timed)
    state = (f" This machine's speed toggles between two states about 2x apart (harness/machine_state.hpp): "
             f"{kept} of {total} repetitions ran in its fast state, and each benchmark's time is taken over those "
             f"(over all of its repetitions where none did)." if total and kept < total else "")
    return (f"**Method.** Every time comes from the timing pass (vtbench, built without the counting allocator: "
            f"{repetitions} repetitions per benchmark, interleaved at random, min time {min_time} s each) and every "
            f"allocation figure from a separate counting pass (vtbench_counting: {iterations} iterations per "
            f"benchmark after one untimed warm-up run); \"different\" means a two-sided Mann-Whitney U test at "
            f"p < {SIGNIFICANCE_ALPHA:g}, and instruction, branch and cache figures come from cachegrind on the "
            f"timing binary.{state}")


def wall_time_text(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return "not recorded"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def is_debug_build(context: dict[str, Any]) -> bool:
    return "debug" in (context.get("library_build_type"), context.get("vtb_benchmark_library_build"))


def section(run: Run) -> list[str]:
    meta = run.meta
    machine = meta.get("machine") if isinstance(meta.get("machine"), dict) else {}
    compilers = meta.get("compilers") if isinstance(meta.get("compilers"), dict) else {}
    machine_parts = [recorded(machine, "cpu"), f"{recorded(machine, 'cores')} cores",
                     f"{recorded(machine, 'memory_gib')} GiB", f"kernel {recorded(machine, 'kernel')}",
                     recorded(machine, "os")]
    pinned = meta.get("pinned_core")
    rows = [
        ["Run", f"{recorded(meta, 'run_id')} (`{recorded(meta, 'command')}`)"],
        ["Started / finished", f"{recorded(meta, 'started')} / {recorded(meta, 'finished')}"],
        ["Wall time", wall_time_text(meta.get("wall_seconds"))],
        ["Git revision", recorded(meta, "git_revision")],
        ["Machine", ", ".join(machine_parts)],
        ["Compilers", ", ".join(f"{name} {version}" for name, version in compilers.items()) or "not recorded"],
        ["Flags", recorded(meta, "cxx_flags")],
        ["Repetitions", f"{recorded(meta, 'repetitions')} per benchmark, min time {recorded(meta, 'min_time')} s"
                        + (f", pinned to core {pinned}" if pinned is not None else ", not pinned")],
    ]
    lines = ["## Environment", ""] + table(["", ""], rows)
    config_rows = []
    for name, bench_file in run.configs.items():
        context = bench_file.context
        config_rows.append([
            name,
            f"{recorded(context, 'vtb_compiler')} {recorded(context, 'vtb_compiler_version')}",
            f"{recorded(context, 'vtb_allocator')} ({recorded(context, 'vtb_allocator_version')})",
            f"{recorded(context, 'vtb_counting')} / {recorded(bench_file.counting_context, 'vtb_counting')}",
            recorded(context, "vtb_cxx_flags"),
            recorded(context, "vtb_build_type"),
            recorded(context, "vtb_git_revision")[:12],
            len(bench_file.benchmarks),
        ])
    lines += ["Configurations (from each benchmark file's context):", ""]
    lines += table(["configuration", "compiler", "allocator (version)", "counting (timing / counting pass)",
                    "C++ flags", "build", "git revision", "benchmarks"], config_rows)
    debug = [name for name, bench_file in run.configs.items() if is_debug_build(bench_file.context)]
    if debug:
        lines += [f"Google Benchmark's library was built as DEBUG (Debian's package) in {', '.join(debug)}: "
                  f"it prints \"Library was built as DEBUG\", which concerns its own bookkeeping only; "
                  f"the timed loop is our code, built with the flags above.", ""]
    notes = meta.get("notes") if isinstance(meta.get("notes"), list) else []
    if notes:
        lines += ["Notes recorded by the run:", ""] + [f"- {note}" for note in notes] + [""]
    return lines
