"""Draw the charts of a vtbench run into RUN_DIR/charts/ (PNG and SVG).

    /usr/bin/python3 scripts/charts.py RUN_DIR [--out DIR]

Each chart is one function registered by name (@chart), the name of its files and the
name REPORT.md embeds it by: allocs_per_op (per compiler, glibc), dotnet_overlay (C++ and
.NET on shared axes: bytes per operation, and time relative to each language's task),
latency (per allocator, gcc), relative_latency (time relative to task at the same hit
ratio, per compiler, glibc, so crossovers show), allocator_comparison (each
implementation's time under each allocator relative to glibc, per compiler and hit ratio
of the vocabulary's comparison sweep, with sync as the layout control),
bytes_per_op_string (string payload), multi_await (claim C9: time per operation
against the number of awaiters, per compiler, glibc) and the service section's three
(gcc + glibc): service_throughput (requests per second against the hit ratio, per
closed-loop load), service_latency (the latency percentile distribution, HdrHistogram's
style, per hit ratio) and service_decision (the client CPU each form saves per request
against task, in ns and in % of task's client + server CPU, against the hit ratio). An implementation's colour and
marker come from its position in the run's vocabulary. Every time is the timing pass's;
every count the counting pass's. A chart whose data the run lacks is skipped with a
one-line notice; a run without any cache_lookup benchmark is an error.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable

import matplotlib
import PIL.Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from benchmark_file import cache_sweep, multi_await_sweep  # noqa: E402
from dotnet_results import relative_to  # noqa: E402
from formats import format_latency  # noqa: E402
from json_input import ResultsError  # noqa: E402
from reporting.allocators import CONTROL_IMPLEMENTATION, allocator_effects, effect_hits  # noqa: E402
from reporting.common import BASE_COMPILER, BASELINE_ALLOCATOR  # noqa: E402
from reporting.dotnet import dotnet_sweep  # noqa: E402
from reporting.service_figures import (  # noqa: E402
    BASELINE, C10_WORKERS, SECTION as SERVICE_SECTION, base_service, c10_clients, loads, sweep,
)
from service_results import ServiceConfig  # noqa: E402
from script_io import ScriptArgumentParser, atomic_write, run_main  # noqa: E402
from stats import Spread  # noqa: E402
from vocabulary import Vocabulary, order_key, ordered  # noqa: E402
from vtb_results import Run, load_run  # noqa: E402

PROG = "charts.py"
GALLERY = "gallery"  # the report's Charts section; a chart registered for another section is embedded there
LINE_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*", "h", "<", ">", "p")
LINE_STYLES = ("-", "--", ":", "-.")
ALLOCATOR_HATCHES = ("", "//", "..", "xx", "\\\\", "++")
RELATIVE_TO = "task"  # relative_latency: every implementation's time over this one's
ZERO_MARGIN = 0.04  # sweep charts: room below 0, as a fraction of the top of the axis

Series = dict[str, list[tuple[int, Spread]]]  # implementation -> [(hit %, value)]


class MissingData(Exception):
    """The run lacks what one chart needs: the chart is skipped."""


@dataclass(frozen=True)
class Chart:
    name: str                               # charts/<name>.png and .svg
    draw: Callable[[Run], Figure]
    section: str                            # the report section that embeds it (GALLERY or its own)


# Every chart, by name, in the order they are drawn and the report's gallery shows them.
CHARTS: dict[str, Chart] = {}


def chart(name: str, section: str = GALLERY) -> Callable[[Callable[[Run], Figure]], Callable[[Run], Figure]]:
    """Registers a chart under its file name; `section` names the report section that embeds it."""
    def register(draw: Callable[[Run], Figure]) -> Callable[[Run], Figure]:
        if name in CHARTS:
            raise ValueError(f"chart {name} is registered twice")
        CHARTS[name] = Chart(name, draw, section)
        return draw
    return register


def palette(count: int) -> list[str]:
    """`count` distinct colours, by position: matplotlib's tab10, or tab20 beyond ten."""
    colours = plt.get_cmap("tab10" if count <= 10 else "tab20").colors
    return [to_hex(colours[index % len(colours)]) for index in range(count)]


def colour_of(vocabulary: Vocabulary, implementation: str) -> str:
    """An implementation's colour: its position in the vocabulary's registry, so a colour means the
    same implementation in every chart of every run with the same vocabulary."""
    names = vocabulary.implementation_names()
    return palette(len(names))[names.index(implementation)]


def marker_of(vocabulary: Vocabulary, implementation: str) -> str:
    return LINE_MARKERS[vocabulary.implementation_names().index(implementation) % len(LINE_MARKERS)]


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


def implementation_legend(vocabulary: Vocabulary, implementations: list[str]) -> list[Line2D]:
    return [Line2D([], [], color=colour_of(vocabulary, name), marker=marker_of(vocabulary, name), label=name)
            for name in implementations]


def panel_grid(count: int, columns: int, panel_size: tuple[float, float]) -> tuple[Figure, list]:
    """A figure with `count` panels in a grid `columns` wide; the unused cells hidden."""
    columns = min(columns, count)
    rows = -(-count // columns)
    figure, axes_grid = plt.subplots(rows, columns, figsize=(panel_size[0] * columns, panel_size[1] * rows),
                                     squeeze=False, constrained_layout=True)
    all_axes = list(axes_grid.flat)
    for unused in all_axes[count:]:
        unused.set_visible(False)
    return figure, all_axes[:count]


def sweep_figure(run: Run, title: str, panels: list[tuple[str, Series]], ylabel: str, spread_band: bool,
                 log_scale: bool = False) -> Figure:
    """One line per implementation against the hit ratio, one panel per (panel title, series).

    Panels fill a grid two wide. Lines are drawn widest first so that implementations with
    identical figures stay visible as nested stripes instead of hiding one another. A log
    scale keeps fast implementations readable beside one that is a hundred times slower.
    """
    vocabulary = run.vocabulary
    figure, all_axes = panel_grid(len(panels), 2, (5.5, 4.2))
    drawn: set[str] = set()
    for axes, (panel_title, panel_series) in zip(all_axes, panels):
        for order, (implementation, points) in enumerate(panel_series.items()):
            hits = [hit for hit, _ in points]
            widest_first = len(panel_series) - order
            colour = colour_of(vocabulary, implementation)
            axes.plot(hits, [value.median for _, value in points], color=colour,
                      linewidth=0.8 + 0.5 * widest_first, marker=marker_of(vocabulary, implementation),
                      markersize=3 + 0.8 * widest_first)
            if spread_band:
                axes.fill_between(hits, [value.low for _, value in points], [value.high for _, value in points],
                                  color=colour, alpha=0.2, linewidth=0)
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
    handles = implementation_legend(vocabulary, ordered(drawn, vocabulary.implementation_names()))
    figure.legend(handles=handles, title="implementation", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def baseline_allocator_panels(run: Run, payload: str, quantity: str) -> list[tuple[str, Series]]:
    """One panel per compiler with the baseline allocator (glibc), async db."""
    panels = [(f"{compiler} + {BASELINE_ALLOCATOR}", series(run, compiler, BASELINE_ALLOCATOR, payload, quantity))
              for compiler in run.compilers()]
    panels = [(panel_title, data) for panel_title, data in panels if data]
    if not panels:
        raise MissingData(f"no cache_lookup {quantity} for {BASELINE_ALLOCATOR}, {payload} payload, async db")
    return panels


@chart("allocs_per_op")
def allocs_per_op_chart(run: Run) -> Figure:
    return sweep_figure(run, "Allocations per operation vs cache hit ratio (glibc, int payload, async db)",
                        baseline_allocator_panels(run, "int", "allocs_per_op"), "allocations per operation",
                        spread_band=False)


@chart("dotnet_overlay")
def dotnet_overlay_chart(run: Run) -> Figure:
    """C++ (gcc + glibc, solid) and .NET (dashed) on shared axes against the hit ratio: bytes per operation,
    and time relative to each language's own task, for the implementations both languages have."""
    if run.dotnet is None:
        raise MissingData("the run has no .NET side (dotnet/)")
    vocabulary = run.vocabulary
    dotnet_sweeps = dotnet_sweep(run.dotnet, run)
    cpp_bytes = series(run, BASE_COMPILER, BASELINE_ALLOCATOR, "int", "bytes_per_op")
    cpp_times = series(run, BASE_COMPILER, BASELINE_ALLOCATOR, "int", "real_time_ns")
    shared = [impl for impl in cpp_bytes if impl in dotnet_sweeps]
    if not shared or RELATIVE_TO not in cpp_times or RELATIVE_TO not in dotnet_sweeps:
        raise MissingData(f"needs {BASE_COMPILER}-{BASELINE_ALLOCATOR} and .NET cache_lookup sweeps with "
                          f"{RELATIVE_TO} and common implementations")
    cpp_reference = dict(cpp_times[RELATIVE_TO])
    dotnet_relative = relative_to(run.dotnet.rows, RELATIVE_TO)
    figure, (bytes_axes, time_axes) = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    for impl in shared:
        colour, marker = colour_of(vocabulary, impl), marker_of(vocabulary, impl)
        bytes_axes.plot([hit for hit, _ in cpp_bytes[impl]], [value.median for _, value in cpp_bytes[impl]],
                        color=colour, marker=marker, markersize=4)
        bytes_axes.plot([row.hit for row in dotnet_sweeps[impl]], [row.bytes_per_op for row in dotnet_sweeps[impl]],
                        color=colour, marker=marker, markersize=4, linestyle="--")
        cpp_relative = [(hit, value.median / cpp_reference[hit].median) for hit, value in cpp_times.get(impl, [])
                        if hit in cpp_reference]
        for points, style in ((cpp_relative, "-"), (dotnet_relative.get(impl, []), "--")):
            time_axes.plot([hit for hit, _ in points], [ratio for _, ratio in points], color=colour, marker=marker,
                           markersize=4, linestyle=style)
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
    figure.suptitle(f"C++ ({BASE_COMPILER} + {BASELINE_ALLOCATOR}, solid) against .NET 10 (BenchmarkDotNet, "
                    f"dashed): int payload, async db")
    handles = implementation_legend(vocabulary, shared)
    handles += [Line2D([], [], color="black", label="C++ (vtb)"), Line2D([], [], color="black", linestyle="--",
                                                                          label=".NET 10")]
    figure.legend(handles=handles, title="implementation", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


@chart("latency")
def latency_chart(run: Run) -> Figure:
    panels = [(f"{BASE_COMPILER} + {allocator}", series(run, BASE_COMPILER, allocator, "int", "real_time_ns"))
              for allocator in run.allocators()]
    panels = [(title, data) for title, data in panels if data]
    if not panels:
        raise MissingData(f"no {BASE_COMPILER} cache_lookup timings for int payload, async db")
    return sweep_figure(run, f"Time per operation vs cache hit ratio ({BASE_COMPILER}, int payload, async db; "
                             f"line: median, band: min-max of repetitions)",
                        panels, "time per operation (ns, log scale)", spread_band=True, log_scale=True)


def ratio_spread(value: Spread, reference: Spread) -> Spread:
    """The median ratio, with the ratio of the extremes as its range."""
    return Spread(value.median / reference.median, value.low / reference.high, value.high / reference.low)


@chart("relative_latency")
def relative_latency_chart(run: Run) -> Figure:
    """Each implementation's median time divided by task's at the same hit ratio (glibc, int, async)."""
    panels = []
    for compiler in run.compilers():
        timings = series(run, compiler, BASELINE_ALLOCATOR, "int", "real_time_ns")
        reference = dict(timings.get(RELATIVE_TO, []))
        relative = {impl: [(hit, ratio_spread(value, reference[hit])) for hit, value in points if hit in reference]
                    for impl, points in timings.items()}
        relative = {impl: points for impl, points in relative.items() if points}
        if reference and relative:
            panels.append((f"{compiler} + {BASELINE_ALLOCATOR}", relative))
    if not panels:
        raise MissingData(f"no cache_lookup timings of {RELATIVE_TO} and others for {BASELINE_ALLOCATOR}, "
                          f"int payload, async db")
    figure = sweep_figure(run, f"Time per operation relative to {RELATIVE_TO} at the same hit ratio (glibc, int "
                               f"payload, async db; below 1: faster than {RELATIVE_TO})",
                          panels, f"time / {RELATIVE_TO}'s time (log scale)", spread_band=False, log_scale=True)
    for axes in figure.axes[:len(panels)]:
        axes.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    return figure


@chart("allocator_comparison")
def allocator_comparison_chart(run: Run) -> Figure:
    """Grouped bars of time relative to glibc from the allocator comparison (interleaved processes): one
    group per implementation, one bar per allocator with its noise band as the error bar, one panel per
    compiler and hit ratio; sync (no allocation) is the layout control."""
    vocabulary = run.vocabulary
    panels = []
    for compiler in run.compilers():
        effects = allocator_effects(run, compiler)
        for hit in effect_hits(effects):
            cells = {impl: {allocator: effect for (allocator, effect_hit), effect in by_key.items() if effect_hit == hit}
                     for impl, by_key in effects.items()}
            cells = {impl: by_allocator for impl, by_allocator in cells.items() if by_allocator}
            if cells:
                panels.append((f"{compiler}, {hit} % hits", cells))
    if not panels:
        raise MissingData(f"needs the allocator comparison (interleaved processes under {BASELINE_ALLOCATOR} and at "
                          f"least one other allocator)")
    allocators = [allocator for allocator in run.vocabulary.allocators if allocator != BASELINE_ALLOCATOR and
                  any(allocator in sides for sides in run.allocator_sides.values())]
    implementations = ordered((impl for _, cells in panels for impl in cells), vocabulary.implementation_names())
    bar_width = 0.8 / len(allocators)
    figure, all_axes = panel_grid(len(panels), 3, (max(4.0, 0.55 * len(implementations)), 4.4))
    for axes, (title, cells) in zip(all_axes, panels):
        for allocator_index, allocator in enumerate(allocators):
            for impl_index, implementation in enumerate(implementations):
                effect = cells.get(implementation, {}).get(allocator)
                if effect is None:
                    continue
                band = 0.0 if effect.band_percent is None else effect.ratio * effect.band_percent / 100
                axes.bar(impl_index + (allocator_index - (len(allocators) - 1) / 2) * bar_width, effect.ratio,
                         bar_width, bottom=0, color=colour_of(vocabulary, implementation), edgecolor="black",
                         linewidth=1.6 if effect.significant else 0.4, yerr=band, capsize=2,
                         hatch=ALLOCATOR_HATCHES[allocator_index % len(ALLOCATOR_HATCHES)])
        labels = [f"{impl}\n(control)" if impl == CONTROL_IMPLEMENTATION else impl for impl in implementations]
        axes.set_xticks(range(len(implementations)), labels, rotation=45, ha="right")
        axes.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
        axes.set_title(title)
        axes.set_ylabel(f"time / {BASELINE_ALLOCATOR}'s time")
        axes.grid(True, axis="y", alpha=0.3)
    figure.suptitle(f"Time per operation relative to {BASELINE_ALLOCATOR} (int payload, async db; bar: median "
                    f"ratio of process medians, error bar: noise band, thick edge: judged real (U test over processes, beyond the "
                    f"band); {CONTROL_IMPLEMENTATION} makes no allocation, so its "
                    f"bar shows layout effects)")
    handles = [Patch(facecolor="white", edgecolor="black", hatch=ALLOCATOR_HATCHES[index % len(ALLOCATOR_HATCHES)],
                     label=allocator) for index, allocator in enumerate(allocators)]
    figure.legend(handles=handles, title="allocator", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


@chart("bytes_per_op_string")
def bytes_per_op_string_chart(run: Run) -> Figure:
    return sweep_figure(run, "Bytes allocated per operation vs cache hit ratio (std::string payload, glibc, "
                             "async db)", baseline_allocator_panels(run, "string", "bytes_per_op"),
                        "bytes per operation (B)", spread_band=False)


@chart("multi_await", section="multi_await")
def multi_await_chart(run: Run) -> Figure:
    """Time per operation against awaiters (log 2 axis), one line per (via, state), one panel per compiler:
    colour by producer and line style by state, each by its position in the vocabulary."""
    vocabulary = run.vocabulary
    panels = [(compiler, multi_await_sweep(bench_file)) for compiler in run.compilers()
              if (bench_file := run.config(compiler, BASELINE_ALLOCATOR)) is not None]
    panels = [(compiler, sweeps) for compiler, sweeps in panels if sweeps]
    if not panels:
        raise MissingData(f"no multi_await benchmarks ({BASELINE_ALLOCATOR})")
    via_colours = dict(zip(vocabulary.multi_await_vias, palette(len(vocabulary.multi_await_vias))))
    states = vocabulary.multi_await_states
    figure, axes_row = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2),
                                    squeeze=False, constrained_layout=True)
    labels: dict[str, Line2D] = {}
    for axes, (compiler, sweeps) in zip(axes_row[0], panels):
        for (via, state), points in sweeps.items():
            awaiters = [count for count, _ in points]
            times = [bench.real_time_ns for _, bench in points]
            if any(time is None for time in times):
                raise MissingData(f"multi_await in {compiler}-{BASELINE_ALLOCATOR} has untimed benchmarks")
            position = states.index(state)
            line, = axes.plot(awaiters, [time.median for time in times], color=via_colours[via],
                              linestyle=LINE_STYLES[position % len(LINE_STYLES)],
                              marker=LINE_MARKERS[position % len(LINE_MARKERS)], markersize=4)
            axes.fill_between(awaiters, [time.low for time in times], [time.high for time in times],
                              color=via_colours[via], alpha=0.15, linewidth=0)
            labels.setdefault(f"via:{via}, {state}", line)
        all_awaiters = sorted({count for points in sweeps.values() for count, _ in points})
        axes.set_xscale("log", base=2)
        axes.set_xticks(all_awaiters, [str(count) for count in all_awaiters])
        axes.set_title(f"{compiler} + {BASELINE_ALLOCATOR}")
        axes.set_xlabel("awaiters of one task")
        axes.set_ylabel("time per operation (ns)")
        axes.set_ylim(bottom=0)
        axes.grid(True, alpha=0.3)
    figure.suptitle("multi_await: one task awaited by N awaiters (line: median, band: min-max of repetitions)")
    figure.legend(handles=list(labels.values()), labels=list(labels), title="producer, state",
                  loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def service_config(run: Run) -> ServiceConfig:
    config = base_service(run)
    if config is None:
        raise MissingData(f"no service runs in {BASE_COMPILER}-{BASELINE_ALLOCATOR} (service/)")
    return config


def hit_positions(config: ServiceConfig) -> dict[float, int]:
    """The closed loop's hit ratios, each at its index: evenly spaced, so that 99, 99.9 and 100 % stay apart."""
    hits = sorted({point.key.hit_percent for point in config.points.values() if point.key.loop == "closed"})
    return {hit: index for index, hit in enumerate(hits)}


def label_hit_axes(all_axes: list, positions: dict[float, int]) -> None:
    for axes in all_axes:
        axes.set_xticks(list(positions.values()), [f"{hit:g}" for hit in positions])
        axes.set_xlim(-0.3, len(positions) - 0.7)
        axes.set_xlabel("cache hit ratio (%, evenly spaced)")


def c10_load(config: ServiceConfig) -> int:
    """The clients per worker of the service charts drawn at one load (closed loop, C10_WORKERS)."""
    clients = c10_clients(config)
    if not clients:
        raise MissingData(f"no closed-loop service runs on {C10_WORKERS} worker")
    return clients[0]


@chart("service_throughput", section=SERVICE_SECTION)
def service_throughput_chart(run: Run) -> Figure:
    """Requests per second against the hit ratio, one line per implementation, one panel per closed-loop load."""
    config = service_config(run)
    positions = hit_positions(config)
    panels = []
    for (loop, workers, clients), points in loads(config, run).items():
        if loop == "closed":
            panel: Series = {}
            for point in points:
                panel.setdefault(point.key.implementation, []).append((positions[point.key.hit_percent],
                                                                        point.requests_per_second))
            panels.append((f"{workers} worker{'s' * (workers != 1)} x {clients} client{'s' * (clients != 1)} "
                           "per worker", panel))
    if not panels:
        raise MissingData("no closed-loop service runs")
    figure = sweep_figure(run, f"The service: requests per second against the hit ratio ({BASE_COMPILER} + "
                               f"{BASELINE_ALLOCATOR}, closed loop; line: median, band: min-max of repetitions; "
                               "log scale)", panels, "requests per second", spread_band=True, log_scale=True)
    label_hit_axes(figure.axes[:len(panels)], positions)
    return figure


def percentile_position(percentile: float, largest: float) -> float:
    """HdrHistogram's x: 1 / (1 - p); the maximum (p = 100) one decade beyond `largest`, the last finite x."""
    return largest * 10 if percentile >= 100 else 100 / (100 - percentile)


@chart("service_latency", section=SERVICE_SECTION)
def service_latency_chart(run: Run) -> Figure:
    """The latency percentile distribution (HdrHistogram's style: x = 1/(1-p), log scale), one line per
    implementation, one panel per hit ratio, closed loop at C10's first load."""
    config = service_config(run)
    clients = c10_load(config)
    by_hit: dict[float, list] = {}
    for point in config.points.values():
        if (point.key.loop, point.key.workers, point.key.clients_per_worker) == ("closed", C10_WORKERS, clients):
            by_hit.setdefault(point.key.hit_percent, []).append(point)
    vocabulary = run.vocabulary
    implementation_key = order_key(vocabulary.implementation_names())
    percentiles = {p for points in by_hit.values() for point in points for p, _ in point.latency_distribution_ns}
    largest = max((100 / (100 - p) for p in percentiles if p < 100), default=2.0)
    ticks = [50.0] + [100 - 10.0 ** (1 - k) for k in range(12) if 10.0 ** (k + 1) <= largest * 1.001]
    figure, all_axes = panel_grid(len(by_hit), 3, (4.6, 3.8))
    drawn: set[str] = set()
    for axes, hit in zip(all_axes, sorted(by_hit)):
        points = sorted(by_hit[hit], key=lambda point: implementation_key(point.key.implementation))
        for order, point in enumerate(points):
            name, widest_first = point.key.implementation, len(points) - order  # as sweep_figure draws them
            axes.plot([percentile_position(p, largest) for p, _ in point.latency_distribution_ns],
                      [value / 1000 for _, value in point.latency_distribution_ns], color=colour_of(vocabulary, name),
                      marker=marker_of(vocabulary, name), markersize=2 + 0.8 * widest_first,
                      linewidth=0.8 + 0.5 * widest_first)
            drawn.add(name)
        axes.set_xscale("log")
        axes.set_yscale("log")
        labels = [f"{p:g}%" for p in ticks] + (["max"] if 100.0 in percentiles else [])
        positions = [percentile_position(p, largest) for p in ticks] + ([largest * 10] if 100.0 in percentiles else [])
        axes.set_xticks(positions, labels, rotation=45)
        axes.minorticks_off()
        axes.set_title(f"{hit:g} % hits")
        axes.set_xlabel("percentile (log scale of 1/(1-p))")
        axes.set_ylabel("latency (us, log scale)")
        axes.grid(True, alpha=0.3)
    figure.suptitle(f"The service: latency percentile distribution ({BASE_COMPILER} + {BASELINE_ALLOCATOR}, closed "
                    f"loop, {C10_WORKERS} worker x {clients} clients; median of the repetitions at each percentile)")
    handles = implementation_legend(vocabulary, ordered(drawn, vocabulary.implementation_names()))
    figure.legend(handles=handles, title="implementation", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


@chart("service_decision", section=SERVICE_SECTION)
def service_decision_chart(run: Run) -> Figure:
    """Per implementation, the client CPU it saves per request against the baseline's, in ns and in % of the
    baseline's whole CPU cost per request (client + server), against the hit ratio (closed loop, C10's first
    load); the baseline's median latency at 0 % hits, the miss latency measured, in the title."""
    config = service_config(run)
    clients = c10_load(config)
    baseline = sweep(config, BASELINE, C10_WORKERS, clients)
    if not baseline:
        raise MissingData(f"no closed-loop service runs of {BASELINE} on {C10_WORKERS} worker x {clients} clients")
    positions = hit_positions(config)
    vocabulary = run.vocabulary
    figure, (ns_axes, percent_axes) = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    drawn = []
    for name in vocabulary.implementation_names():
        points = sweep(config, name, C10_WORKERS, clients)
        hits = sorted(hit for hit in points if hit in baseline)
        if name == BASELINE or not hits:
            continue
        saving = {hit: baseline[hit].client_cpu_ns_per_request.median - points[hit].client_cpu_ns_per_request.median
                  for hit in hits}
        whole = {hit: baseline[hit].client_cpu_ns_per_request.median + baseline[hit].server_cpu_ns_per_request.median
                 for hit in hits}
        style = {"color": colour_of(vocabulary, name), "marker": marker_of(vocabulary, name), "markersize": 4}
        ns_axes.plot([positions[hit] for hit in hits], [saving[hit] for hit in hits], **style)
        percent_axes.plot([positions[hit] for hit in hits], [100 * saving[hit] / whole[hit] if whole[hit] else 0.0
                                                            for hit in hits], **style)
        drawn.append(name)
    if not drawn:
        raise MissingData(f"no service runs to set against {BASELINE}'s")
    for axes, label in ((ns_axes, "client CPU saved per request (ns)"),
                        (percent_axes, f"saved, % of {BASELINE}'s client + server CPU per request")):
        axes.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
    label_hit_axes([ns_axes, percent_axes], positions)
    miss = baseline.get(0.0)
    latency = f"\nthe miss latency measured: {BASELINE}'s p50 at 0 % hits, " \
        f"{format_latency(miss.latency_ns['p50'].median)}" if miss else ""
    figure.suptitle(f"The service: what each form saves per request against {BASELINE} ({BASE_COMPILER} + "
                    f"{BASELINE_ALLOCATOR}, closed loop, {C10_WORKERS} worker x {clients} clients; above 0: cheaper)"
                    f"{latency}")
    figure.legend(handles=implementation_legend(vocabulary, drawn), title="implementation", loc="center left",
                  bbox_to_anchor=(1.0, 0.5))
    return figure


def palette_png(figure: Figure, handle: IO[bytes]) -> None:
    """The figure as a PNG of at most 256 colours (an adaptive palette): a third of the bytes of matplotlib's
    true-colour PNG for these line and bar charts, so that the committed reference run stays small."""
    rendered = io.BytesIO()
    figure.savefig(rendered, format="png", dpi=120, bbox_inches="tight")
    rendered.seek(0)
    with PIL.Image.open(rendered) as image:
        image.convert("RGB").quantize(colors=256, method=PIL.Image.Quantize.MEDIANCUT).save(
            handle, format="png", optimize=True)


def save(figure: Figure, out_dir: Path, name: str) -> list[Path]:
    png, svg = out_dir / f"{name}.png", out_dir / f"{name}.svg"
    atomic_write(png, lambda handle: palette_png(figure, handle))
    atomic_write(svg, lambda handle: figure.savefig(handle, format="svg", bbox_inches="tight"))
    plt.close(figure)
    return [png, svg]


def draw_charts(run: Run, out_dir: Path) -> tuple[list[Path], list[str]]:
    """Write every chart the run has data for; returns (files written, notices for skipped charts)."""
    if not any(bench_file.select("cache_lookup") for bench_file in run.configs.values()):
        raise ResultsError(f"{run.directory / 'bench'}: no cache_lookup benchmarks in any configuration")
    written, skipped = [], []
    for name, registered in CHARTS.items():
        try:
            figure = registered.draw(run)
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
