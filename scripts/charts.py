"""Draw the cache_lookup charts of a vtbench run into RUN_DIR/charts/ (PNG and SVG).

    /usr/bin/python3 scripts/charts.py RUN_DIR [--out DIR]

Charts: allocs_per_op (per compiler, glibc), latency (per allocator, gcc),
allocator_comparison (gcc, hits 0/90/100), bytes_per_op_string (string payload) and
multi_await (claim C9: time per operation against the number of awaiters, per compiler,
glibc). A chart whose data the run lacks is skipped with a one-line notice; a run without
any cache_lookup benchmark is an error.
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
COMPARISON_HITS = (0, 90, 100)
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


def allocator_comparison_chart(run: Run, colours: dict[str, str]) -> Figure:
    """Grouped bars: one group per implementation, one bar per allocator, one panel per hit ratio."""
    timings = {allocator: series(run, "gcc", allocator, "int", "real_time_ns") for allocator in run.allocators()}
    timings = {allocator: data for allocator, data in timings.items() if data}
    if len(timings) < 2:
        raise MissingData(f"needs gcc cache_lookup timings under at least two allocators, found {len(timings)}")
    by_hit = {hit: {allocator: {impl: value for impl, points in data.items() for point_hit, value in points
                                if point_hit == hit}
                    for allocator, data in timings.items()}
              for hit in COMPARISON_HITS}
    by_hit = {hit: cells for hit, cells in by_hit.items() if any(cells.values())}
    if not by_hit:
        raise MissingData(f"no gcc cache_lookup timings at hit ratios {', '.join(map(str, COMPARISON_HITS))} %")

    allocators = list(timings)
    implementations = sorted({impl for cells in by_hit.values() for values in cells.values() for impl in values},
                             key=implementation_sort_key)
    bar_width = 0.8 / len(allocators)
    panel_width = max(4.0, 0.6 * len(implementations))
    figure, axes_row = plt.subplots(1, len(by_hit), figsize=(panel_width * len(by_hit), 4.8),
                                    squeeze=False, constrained_layout=True)
    for axes, (hit, cells) in zip(axes_row[0], by_hit.items()):
        for allocator_index, allocator in enumerate(allocators):
            for impl_index, implementation in enumerate(implementations):
                value = cells[allocator].get(implementation)
                if value is None:
                    continue
                axes.bar(impl_index + (allocator_index - (len(allocators) - 1) / 2) * bar_width, value.median,
                         bar_width, yerr=[[value.median - value.low], [value.high - value.median]],
                         color=colours[implementation], edgecolor="black", linewidth=0.5,
                         hatch=ALLOCATOR_HATCHES[allocator_index % len(ALLOCATOR_HATCHES)], capsize=2)
        axes.set_xticks(range(len(implementations)), implementations, rotation=45, ha="right")
        axes.set_title(f"{hit} % hits")
        axes.set_ylabel("time per operation (ns)")
        axes.grid(True, axis="y", alpha=0.3)
    figure.suptitle("Time per operation by allocator (gcc, int payload, async db; bar: median, "
                    "whiskers: min-max of repetitions; colour: implementation)")
    handles = [Patch(facecolor="white", edgecolor="black", hatch=ALLOCATOR_HATCHES[index % len(ALLOCATOR_HATCHES)],
                     label=allocator) for index, allocator in enumerate(allocators)]
    figure.legend(handles=handles, title="allocator", loc="center left", bbox_to_anchor=(1.0, 0.5))
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


CHARTS: dict[str, Callable[[Run, dict[str, str]], Figure]] = dict(zip(CHART_NAMES, (
    allocs_per_op_chart, latency_chart, allocator_comparison_chart, bytes_per_op_string_chart, multi_await_chart)))


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
