"""Draw the cache_lookup charts of a vtbench run into RUN_DIR/charts/ (PNG and SVG).

    /usr/bin/python3 scripts/charts.py RUN_DIR [--out DIR]

Charts: allocs_per_op (per compiler, glibc), latency (per allocator, gcc),
relative_latency (time relative to task at the same hit ratio, per compiler, glibc, so
crossovers show), allocator_comparison (each implementation's time under each allocator
relative to glibc, per compiler and hit ratio, with sync as the layout control),
bytes_per_op_string (string payload), multi_await (claim C9: time per operation
against the number of awaiters, per compiler, glibc) and dotnet_overlay (C++ and .NET
on shared axes: bytes per operation, and time relative to each language's task). Every time is the timing pass's;
every count the counting pass's. A chart whose data the run lacks is skipped with a
one-line notice; a run without any cache_lookup benchmark is an error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from dotnet_results import cache_sweep as dotnet_cache_sweep  # noqa: E402
from report_costs import (  # noqa: E402
    ALLOCATOR_HITS, BASELINE_ALLOCATOR, CONTROL_IMPLEMENTATION, allocator_effects,
)
from vtb_results import (  # noqa: E402
    CHART_NAMES, KNOWN_IMPLEMENTATIONS, ResultsError, Run, ScriptArgumentParser, Spread, atomic_write, cache_sweep,
    implementation_sort_key, load_run, multi_await_sweep, run_main,
)

PROG = "charts.py"
# Fixed per implementation, so that a colour means the same thing in every run's charts.
KNOWN_COLOURS = {"sync": "#1f77b4", "task": "#ff7f0e", "task_from_result": "#2ca02c",
                 "value_task_coroutine": "#d62728", "value_task": "#9467bd", "value_task_source": "#8c564b",
                 "pooled_value_task": "#e377c2", "lazy_task": "#17becf", "std_future": "#7f7f7f",
                 "asio_awaitable": "#bcbd22"}
EXTRA_COLOURS = ("#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d")
# multi_await: colour by producer (via:task like task, via:as_task, a converted ValueTask, like
# value_task), line style by completion state.
VIA_COLOURS = {"task": KNOWN_COLOURS["task"], "as_task": KNOWN_COLOURS["value_task"]}
STATE_LINE_STYLES = {"completed": "-", "pending": "--"}
LINE_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*", "h", "<", ">", "p")
ALLOCATOR_HATCHES = ("", "//", "..", "xx", "\\\\", "++")
RELATIVE_TO = "task"  # relative_latency: every implementation's time over this one's
ZERO_MARGIN = 0.04  # sweep charts: room below 0, as a fraction of the top of the axis

Series = dict[str, list[tuple[int, Spread]]]  # implementation -> [(hit %, value)]


class MissingData(Exception):
    """The run lacks what one chart needs: the chart is skipped."""


def colour_table(implementations: list[str]) -> dict[str, str]:
    """One fixed colour per known implementation; unknown ones get the extra colours in name order."""
    colours = dict(KNOWN_COLOURS)
    unknown = sorted(set(implementations) - set(KNOWN_IMPLEMENTATIONS))
    for index, implementation in enumerate(unknown):
        colours[implementation] = EXTRA_COLOURS[index % len(EXTRA_COLOURS)]
    return colours


def run_implementations(run: Run) -> list[str]:
    names = {bench.params.get("impl", "") for bench_file in run.configs.values()
             for bench in bench_file.select("cache_lookup")}
    return sorted(names - {""}, key=implementation_sort_key)


def series(run: Run, compiler: str, allocator: str, payload: str, quantity: str) -> Series:
    """cache_lookup sweep of one configuration: 'real_time_ns' or a counter name, per implementation."""
    bench_file = run.config(compiler, allocator)
    if bench_file is None:
        return {}
    result: Series = {}
    for implementation, points in cache_sweep(bench_file, payload=payload).items():
        values = [(hit, bench.real_time_ns if quantity == "real_time_ns" else bench.counter(quantity))
                  for hit, bench in points]
        present = [(hit, value) for hit, value in values if value is not None]
        if present:
            result[implementation] = present
    return result


def _line_legend(figure: Figure, implementations: list[str], colours: dict[str, str]) -> None:
    handles = [Line2D([], [], color=colours[name], marker=marker_of(name), label=name) for name in implementations]
    figure.legend(handles=handles, title="implementation", loc="center left", bbox_to_anchor=(1.0, 0.5))


def marker_of(implementation: str) -> str:
    return LINE_MARKERS[implementation_sort_key(implementation)[0] % len(LINE_MARKERS)]


def sweep_figure(title: str, panels: list[tuple[str, Series]], ylabel: str,
                 colours: dict[str, str], spread_band: bool, log_scale: bool = False) -> Figure:
    """One line per implementation against the hit ratio, one panel per (panel title, series).

    Panels fill a grid two wide. Lines are drawn widest first so that implementations with
    identical figures stay visible as nested stripes instead of hiding one another. A log
    scale keeps fast implementations readable beside one that is a hundred times slower.
    """
    columns = min(2, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes_grid = plt.subplots(rows, columns, figsize=(5.5 * columns, 4.2 * rows),
                                     squeeze=False, constrained_layout=True)
    all_axes = list(axes_grid.flat)
    for unused in all_axes[len(panels):]:
        unused.set_visible(False)
    drawn: set[str] = set()
    for axes, (panel_title, panel_series) in zip(all_axes, panels):
        for order, (implementation, points) in enumerate(panel_series.items()):
            hits = [hit for hit, _ in points]
            widest_first = len(panel_series) - order
            axes.plot(hits, [value.median for _, value in points], color=colours[implementation],
                      linewidth=0.8 + 0.5 * widest_first, marker=marker_of(implementation),
                      markersize=3 + 0.8 * widest_first)
            if spread_band:
                axes.fill_between(hits, [value.low for _, value in points], [value.high for _, value in points],
                                  color=colours[implementation], alpha=0.2, linewidth=0)
            drawn.add(implementation)
        axes.set_title(panel_title)
        axes.set_xlabel("cache hit ratio (%)")
        axes.set_ylabel(ylabel)
        axes.set_xlim(-2, 102)
        if log_scale:
            axes.set_yscale("log")
        else:
            axes.set_ylim(bottom=-ZERO_MARGIN * axes.get_ylim()[1])  # lines at 0 stay visible above the axis
        axes.grid(True, alpha=0.3)
    figure.suptitle(title)
    _line_legend(figure, sorted(drawn, key=implementation_sort_key), colours)
    return figure


def glibc_compiler_panels_chart(run: Run, colours: dict[str, str], payload: str, quantity: str,
                                title: str, ylabel: str) -> Figure:
    """One panel per compiler (glibc, async db) of one counter against the hit ratio."""
    panels = [(f"{compiler} + glibc", series(run, compiler, "glibc", payload, quantity))
              for compiler in run.compilers()]
    panels = [(panel_title, data) for panel_title, data in panels if data]
    if not panels:
        raise MissingData(f"no cache_lookup {quantity} for glibc, {payload} payload, async db")
    return sweep_figure(title, panels, ylabel, colours, spread_band=False)


def allocs_per_op_chart(run: Run, colours: dict[str, str]) -> Figure:
    return glibc_compiler_panels_chart(run, colours, "int", "allocs_per_op",
                                       "Allocations per operation vs cache hit ratio (glibc, int payload, async db)",
                                       "allocations per operation")


def latency_chart(run: Run, colours: dict[str, str]) -> Figure:
    panels = [(f"gcc + {allocator}", series(run, "gcc", allocator, "int", "real_time_ns"))
              for allocator in run.allocators()]
    panels = [(title, data) for title, data in panels if data]
    if not panels:
        raise MissingData("no gcc cache_lookup timings for int payload, async db")
    return sweep_figure("Time per operation vs cache hit ratio (gcc, int payload, async db; "
                        "line: median, band: min-max of repetitions)",
                        panels, "time per operation (ns, log scale)", colours, spread_band=True, log_scale=True)


def bytes_per_op_string_chart(run: Run, colours: dict[str, str]) -> Figure:
    return glibc_compiler_panels_chart(
        run, colours, "string", "bytes_per_op",
        "Bytes allocated per operation vs cache hit ratio (std::string payload, glibc, async db)",
        "bytes per operation (B)")


def relative_latency_chart(run: Run, colours: dict[str, str]) -> Figure:
    """Each implementation's median time divided by task's at the same hit ratio (glibc, int, async)."""
    panels = []
    for compiler in run.compilers():
        timings = series(run, compiler, "glibc", "int", "real_time_ns")
        reference = dict(timings.get(RELATIVE_TO, []))
        relative = {impl: [(hit, ratio_spread(value, reference[hit])) for hit, value in points if hit in reference]
                    for impl, points in timings.items()}
        relative = {impl: points for impl, points in relative.items() if points}
        if reference and relative:
            panels.append((f"{compiler} + glibc", relative))
    if not panels:
        raise MissingData(f"no cache_lookup timings of {RELATIVE_TO} and others for glibc, int payload, async db")
    figure = sweep_figure(f"Time per operation relative to {RELATIVE_TO} at the same hit ratio (glibc, int payload, "
                          f"async db; below 1: faster than {RELATIVE_TO})",
                          panels, f"time / {RELATIVE_TO}'s time (log scale)", colours, spread_band=False,
                          log_scale=True)
    for axes in figure.axes[:len(panels)]:
        axes.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    return figure


def ratio_spread(value: Spread, reference: Spread) -> Spread:
    """The median ratio, with the ratio of the extremes as its range."""
    return Spread(value.median / reference.median, value.low / reference.high, value.high / reference.low)


def allocator_comparison_chart(run: Run, colours: dict[str, str]) -> Figure:
    """Grouped bars of time relative to glibc: one group per implementation, one bar per allocator, one
    panel per compiler and hit ratio; sync (no allocation) is the layout control, drawn first."""
    panels = []
    for compiler in run.compilers():
        effects = allocator_effects(run, compiler)
        for hit in ALLOCATOR_HITS:
            cells = {impl: {allocator: effect for (allocator, effect_hit), effect in by_key.items() if effect_hit == hit}
                     for impl, by_key in effects.items()}
            cells = {impl: by_allocator for impl, by_allocator in cells.items() if by_allocator}
            if cells:
                panels.append((f"{compiler}, {hit} % hits", cells))
    if not panels:
        raise MissingData("needs cache_lookup timings under glibc and at least one other allocator")
    allocators = [allocator for allocator in run.allocators() if allocator != BASELINE_ALLOCATOR]
    implementations = sorted({impl for _, cells in panels for impl in cells}, key=implementation_sort_key)
    bar_width = 0.8 / len(allocators)
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    panel_width = max(4.0, 0.55 * len(implementations))
    figure, axes_grid = plt.subplots(rows, columns, figsize=(panel_width * columns, 4.4 * rows), squeeze=False,
                                     constrained_layout=True)
    all_axes = list(axes_grid.flat)
    for unused in all_axes[len(panels):]:
        unused.set_visible(False)
    for axes, (title, cells) in zip(all_axes, panels):
        for allocator_index, allocator in enumerate(allocators):
            for impl_index, implementation in enumerate(implementations):
                effect = cells.get(implementation, {}).get(allocator)
                if effect is None:
                    continue
                axes.bar(impl_index + (allocator_index - (len(allocators) - 1) / 2) * bar_width, effect.ratio,
                         bar_width, bottom=0, color=colours[implementation], edgecolor="black",
                         linewidth=1.6 if effect.significant else 0.4,
                         hatch=ALLOCATOR_HATCHES[allocator_index % len(ALLOCATOR_HATCHES)])
        labels = [f"{impl}\n(control)" if impl == CONTROL_IMPLEMENTATION else impl for impl in implementations]
        axes.set_xticks(range(len(implementations)), labels, rotation=45, ha="right")
        axes.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
        axes.set_title(title)
        axes.set_ylabel("time / glibc's time")
        axes.grid(True, axis="y", alpha=0.3)
    figure.suptitle("Time per operation relative to glibc (int payload, async db; bar: median ratio, thick edge: "
                    "significant by U test; sync makes no allocation, so its bar shows layout effects)")
    handles = [Patch(facecolor="white", edgecolor="black", hatch=ALLOCATOR_HATCHES[index % len(ALLOCATOR_HATCHES)],
                     label=allocator) for index, allocator in enumerate(allocators)]
    figure.legend(handles=handles, title="allocator", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def dotnet_overlay_chart(run: Run, colours: dict[str, str]) -> Figure:
    """C++ (gcc + glibc, solid) and .NET (dashed) on shared axes against the hit ratio: bytes per operation,
    and time relative to each language's own task, for the implementations both languages have."""
    if run.dotnet is None:
        raise MissingData("the run has no .NET side (dotnet/)")
    dotnet_sweeps = dotnet_cache_sweep(run.dotnet.rows, "int")
    cpp_bytes = series(run, "gcc", "glibc", "int", "bytes_per_op")
    cpp_times = series(run, "gcc", "glibc", "int", "real_time_ns")
    shared = [impl for impl in cpp_bytes if impl in dotnet_sweeps]
    if not shared or RELATIVE_TO not in cpp_times or RELATIVE_TO not in dotnet_sweeps:
        raise MissingData(f"needs gcc-glibc and .NET cache_lookup sweeps with {RELATIVE_TO} and common implementations")
    cpp_reference = dict(cpp_times[RELATIVE_TO])
    dotnet_reference = {row.hit: row.ns_per_op for row in dotnet_sweeps[RELATIVE_TO]}
    figure, (bytes_axes, time_axes) = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    for impl in shared:
        colour, marker = colours[impl], marker_of(impl)
        bytes_axes.plot([hit for hit, _ in cpp_bytes[impl]], [value.median for _, value in cpp_bytes[impl]],
                        color=colour, marker=marker, markersize=4)
        bytes_axes.plot([row.hit for row in dotnet_sweeps[impl]], [row.bytes_per_op for row in dotnet_sweeps[impl]],
                        color=colour, marker=marker, markersize=4, linestyle="--")
        cpp_relative = [(hit, value.median / cpp_reference[hit].median) for hit, value in cpp_times.get(impl, [])
                        if hit in cpp_reference]
        dotnet_relative = [(row.hit, row.ns_per_op / dotnet_reference[row.hit]) for row in dotnet_sweeps[impl]
                           if row.hit in dotnet_reference]
        time_axes.plot([hit for hit, _ in cpp_relative], [ratio for _, ratio in cpp_relative], color=colour,
                       marker=marker, markersize=4)
        time_axes.plot([hit for hit, _ in dotnet_relative], [ratio for _, ratio in dotnet_relative], color=colour,
                       marker=marker, markersize=4, linestyle="--")
    bytes_axes.set_ylabel("bytes allocated per operation")
    bytes_axes.set_ylim(bottom=-ZERO_MARGIN * bytes_axes.get_ylim()[1])
    time_axes.set_ylabel(f"time / the same language's {RELATIVE_TO} (log scale)")
    time_axes.set_yscale("log")
    time_axes.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    for axes, title in ((bytes_axes, "Allocation"), (time_axes, "Time relative to Task")):
        axes.set_title(title)
        axes.set_xlabel("cache hit ratio (%)")
        axes.set_xlim(-2, 102)
        axes.grid(True, alpha=0.3)
    figure.suptitle("C++ (gcc + glibc, solid) against .NET 10 (BenchmarkDotNet, dashed): int payload, async db")
    handles = [Line2D([], [], color=colours[impl], marker=marker_of(impl), label=impl) for impl in shared]
    handles += [Line2D([], [], color="black", label="C++ (vtb)"), Line2D([], [], color="black", linestyle="--",
                                                                          label=".NET 10")]
    figure.legend(handles=handles, title="implementation", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def multi_await_chart(run: Run, colours: dict[str, str]) -> Figure:
    """Time per operation against awaiters (log 2 axis), one line per (via, state), one panel per compiler."""
    panels = [(compiler, multi_await_sweep(bench_file)) for compiler in run.compilers()
              if (bench_file := run.config(compiler, "glibc")) is not None]
    panels = [(compiler, sweeps) for compiler, sweeps in panels if sweeps]
    if not panels:
        raise MissingData("no multi_await benchmarks (glibc)")
    extra_vias = sorted({via for _, sweeps in panels for via, _ in sweeps} - set(VIA_COLOURS))
    via_colours = VIA_COLOURS | dict(zip(extra_vias, EXTRA_COLOURS))
    figure, axes_row = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2),
                                    squeeze=False, constrained_layout=True)
    labels: dict[str, Line2D] = {}
    for axes, (compiler, sweeps) in zip(axes_row[0], panels):
        for (via, state), points in sweeps.items():
            awaiters = [count for count, _ in points]
            style = STATE_LINE_STYLES.get(state, ":")
            line, = axes.plot(awaiters, [bench.real_time_ns.median for _, bench in points], color=via_colours[via],
                              linestyle=style, marker="o" if state == "completed" else "s", markersize=4)
            axes.fill_between(awaiters, [bench.real_time_ns.low for _, bench in points],
                              [bench.real_time_ns.high for _, bench in points], color=via_colours[via], alpha=0.15,
                              linewidth=0)
            labels.setdefault(f"via:{via}, {state}", line)
        all_awaiters = sorted({count for points in sweeps.values() for count, _ in points})
        axes.set_xscale("log", base=2)
        axes.set_xticks(all_awaiters, [str(count) for count in all_awaiters])
        axes.set_title(f"{compiler} + glibc")
        axes.set_xlabel("awaiters of one task")
        axes.set_ylabel("time per operation (ns)")
        axes.set_ylim(bottom=0)
        axes.grid(True, alpha=0.3)
    figure.suptitle("multi_await: one task awaited by N awaiters (line: median, band: min-max of repetitions)")
    figure.legend(handles=list(labels.values()), labels=list(labels), title="producer, state",
                  loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


# Registered by name; CHART_NAMES (vtb_results) is the order the report embeds them in.
CHARTS: dict[str, Callable[[Run, dict[str, str]], Figure]] = {
    "allocs_per_op": allocs_per_op_chart,
    "latency": latency_chart,
    "relative_latency": relative_latency_chart,
    "allocator_comparison": allocator_comparison_chart,
    "bytes_per_op_string": bytes_per_op_string_chart,
    "multi_await": multi_await_chart,
    "dotnet_overlay": dotnet_overlay_chart,
}
if set(CHARTS) != set(CHART_NAMES):
    raise ImportError(f"charts.py draws {sorted(CHARTS)} but vtb_results.CHART_NAMES lists {sorted(CHART_NAMES)}")


def save(figure: Figure, out_dir: Path, name: str) -> list[Path]:
    written = []
    for file_format in ("png", "svg"):
        path = out_dir / f"{name}.{file_format}"
        atomic_write(path, lambda handle: figure.savefig(handle, format=file_format, dpi=120, bbox_inches="tight"))
        written.append(path)
    plt.close(figure)
    return written


def draw_charts(run: Run, out_dir: Path) -> tuple[list[Path], list[str]]:
    """Write every chart the run has data for; returns (files written, notices for skipped charts)."""
    implementations = run_implementations(run)
    if not implementations:
        raise ResultsError(f"{run.directory / 'bench'}: no cache_lookup benchmarks in any configuration")
    colours = colour_table(implementations)
    written, skipped = [], []
    for name, draw in CHARTS.items():
        try:
            figure = draw(run, colours)
        except MissingData as reason:
            skipped.append(f"skipped {name}: {reason}")
            continue
        written += save(figure, out_dir, name)
    return written, skipped


def main(argv: list[str] | None = None) -> int:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="results/<run-id> directory")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output directory (default RUN_DIR/charts)")
    args = parser.parse_args(argv)

    def body() -> int:
        run = load_run(args.run_dir)
        written, skipped = draw_charts(run, args.out or args.run_dir / "charts")
        for notice in skipped:
            print(f"{PROG}: {notice}")
        for path in written:
            print(f"{PROG}: wrote {path}")
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
