"""Where the runtime-async preview's extra bytes per cache miss come from (issue 17 item 7), for
REPORT.md's .NET section: the suspension benchmark (scenarios/dotnet/Vtbench.Benchmarks/Suspension.cs,
every operation a miss through Depth nested async frames) fitted to a line per frame kind and
build, bytes per suspended frame (the slope) and at zero frames (the intercept), and each
implementation's runtime-async bytes at 0 % hits split into the driver's (loop_round_trip: the
driver awaiting the database itself) and the implementation's own. Every figure is the rows'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from dotnet_results import BUILDS, Row, find_row
from tables import table
from vocabulary import order_key

SCENARIO = "suspension"
PAYLOAD = "int"
BUILD_NAMES = {"default": "default build", "runtime_async": "runtime-async"}
POOLED_KIND = "pooled_value_task"   # frames with PoolingAsyncValueTaskMethodBuilder
PLAIN_KIND = "value_task"           # the same frames without it
TWO_AWAITS_KIND = "value_task_two_awaits"  # PLAIN_KIND's frames, the innermost awaiting twice: a second suspension
UNAWAITED_IMPLEMENTATION = "sync"   # a plain method: no driver awaits it, so its bytes have no driver part
# MemoryDiagnoser's figures are whole bytes: a depth further than this from the line is off it.
LINE_TOLERANCE_BYTES = 0.5


@dataclass(frozen=True)
class Line:
    """A frame kind's bytes per operation over its depths, in one build."""

    kind: str
    build: str
    points: tuple[tuple[int, float], ...]  # (depth, bytes per operation), by depth
    slope: float                           # least squares: bytes per suspended frame
    intercept: float                       # least squares: bytes at zero frames

    @property
    def straight(self) -> bool:
        """Whether every depth's bytes lie on the line (to the byte)."""
        return all(abs(self.intercept + self.slope * depth - value) <= LINE_TOLERANCE_BYTES
                   for depth, value in self.points)


def frame_kinds(rows: Sequence[Row]) -> list[str]:
    """The suspension benchmark's frame kinds, in the rows' order."""
    return list(dict.fromkeys(row.impl for row in rows if row.scenario == SCENARIO))


def fit(rows: Sequence[Row], kind: str, build: str) -> Line | None:
    """The kind's line in the build, or None with fewer than two depths."""
    points = sorted((row.depth, row.bytes_per_op) for row in rows
                    if row.scenario == SCENARIO and row.impl == kind and row.build == build and row.depth is not None)
    if len({depth for depth, _ in points}) < 2:
        return None
    count = len(points)
    mean_depth = sum(depth for depth, _ in points) / count
    mean_bytes = sum(value for _, value in points) / count
    slope = (sum((depth - mean_depth) * (value - mean_bytes) for depth, value in points)
             / sum((depth - mean_depth) ** 2 for depth, _ in points))
    return Line(kind, build, tuple(points), slope, mean_bytes - slope * mean_depth)


def line_cells(line: Line | None) -> list[str]:
    """A line's two table cells: its bytes at each depth, and per frame / at 0 frames (or why not)."""
    if line is None:
        return ["not measured", "-"]
    figures = ", ".join(f"{value:.0f}" for _, value in line.points)
    depths = ", ".join(str(depth) for depth, _ in line.points)
    fitted = (f"{line.slope:.0f} B per frame, {line.intercept:.0f} B at 0 frames" if line.straight
              else "not a line")
    return [f"{figures} B (depth {depths})", fitted]


def suspension_table(rows: Sequence[Row]) -> list[list[str]]:
    """One row per frame kind: each build's bytes per operation by depth and its line."""
    return [[kind] + [cell for build in BUILDS for cell in line_cells(fit(rows, kind, build))]
            for kind in frame_kinds(rows)]


def missing_suspension(rows: Sequence[Row]) -> list[str]:
    """What the suspension figures lack: a build without a line for some frame kind, or no rows at all."""
    kinds = frame_kinds(rows)
    if not kinds:
        return ["the suspension benchmark's rows (scenarios/dotnet/Vtbench.Benchmarks/Suspension.cs)"]
    return [f"{BUILD_NAMES[build]}'s {kind} rows at two depths or more" for build in BUILDS for kind in kinds
            if fit(rows, kind, build) is None]


def split_sentence(rows: Sequence[Row], order: Sequence[str] = ()) -> str:
    """Each implementation's runtime-async bytes at 0 % hits as the driver's part (loop_round_trip's) and its own,
    with the default build's bytes beside; the implementations in `order`, then any other by name."""
    driver = find_row(rows, "driver", "loop_round_trip", PAYLOAD, build="runtime_async")
    misses = [row for row in rows if row.scenario == "cache_lookup" and row.payload == PAYLOAD and row.hit == 0
              and row.build == "runtime_async" and row.impl != UNAWAITED_IMPLEMENTATION]
    misses.sort(key=lambda row: order_key(order)(row.impl))
    if driver is None or not misses:
        lacking = [what for what, absent in (("the runtime-async loop_round_trip row", driver is None),
                                             ("the runtime-async cache_lookup rows at 0 % hits", not misses))
                   if absent]
        return f"The split of the runtime-async bytes per miss is not computed: the run lacks {' and '.join(lacking)}."
    parts = []
    for row in misses:
        default = find_row(rows, "cache_lookup", row.impl, PAYLOAD, 0)
        parts.append(f"{row.impl} {row.bytes_per_op:.0f} B = {driver.bytes_per_op:.0f} + "
                     f"{row.bytes_per_op - driver.bytes_per_op:.0f} B own"
                     f" ({f'default build {default.bytes_per_op:.0f} B' if default else 'default build not measured'})")
    return (f"At 0 % hits (int payload) each implementation's runtime-async bytes per operation are the driver's "
            f"{driver.bytes_per_op:.0f} B (loop_round_trip: the driver's suspension on the database's pending "
            f"ValueTask, no implementation) and its own: {'; '.join(parts)}.")


def reading_sentence(rows: Sequence[Row]) -> str:
    """What the lines say, the builds compared: the frame kinds with the same figures in one clause, and whether
    the pooling builder's frames allocate as the plain ones under runtime-async (only what the rows show)."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for kind in frame_kinds(rows):
        default, preview = fit(rows, kind, "default"), fit(rows, kind, "runtime_async")
        if default is not None and preview is not None and default.straight and preview.straight:
            key = tuple(round(figure) for figure in (preview.slope, default.slope, preview.intercept, default.intercept))
            groups.setdefault(key, []).append(kind)
    if not groups:
        return "No frame kind has a straight line in both builds, so the builds' frames are not compared."
    parts = [f"{', '.join(kinds)}: {preview_slope} B per suspended frame under runtime-async against {default_slope} B "
             f"in the default build, {preview_zero} B at 0 frames against {default_zero} B"
             for (preview_slope, default_slope, preview_zero, default_zero), kinds in groups.items()]
    driver = find_row(rows, "driver", "loop_round_trip", PAYLOAD, build="runtime_async")
    parts.append(f"the runtime-async loop_round_trip (the driver alone, awaiting the database) {driver.bytes_per_op:.0f} B"
                 if driver is not None else "the runtime-async loop_round_trip row is missing")
    pooled, plain = fit(rows, POOLED_KIND, "runtime_async"), fit(rows, PLAIN_KIND, "runtime_async")
    if pooled is not None and plain is not None:
        same = pooled.points == plain.points
        parts.append(f"under runtime-async {POOLED_KIND}'s frames allocate {'as' if same else 'unlike'} "
                     f"{PLAIN_KIND}'s ({', '.join(f'{value:.0f}' for _, value in pooled.points)} B against "
                     f"{', '.join(f'{value:.0f}' for _, value in plain.points)} B)")
    second = [text for build in BUILDS if (text := second_suspension(rows, build)) is not None]
    if second:
        parts.append(f"a second suspension of the innermost frame per operation ({TWO_AWAITS_KIND} less {PLAIN_KIND}) "
                     f"adds {' against '.join(second)}")
    return f"By frame kind: {'; '.join(parts)}."


def second_suspension(rows: Sequence[Row], build: str) -> str | None:
    """TWO_AWAITS_KIND's bytes less PLAIN_KIND's at each depth both have, as text; None without a common depth."""
    twice = {row.depth: row.bytes_per_op for row in rows
             if row.scenario == SCENARIO and row.impl == TWO_AWAITS_KIND and row.build == build}
    once = {row.depth: row.bytes_per_op for row in rows
            if row.scenario == SCENARIO and row.impl == PLAIN_KIND and row.build == build}
    depths = sorted(depth for depth in twice.keys() & once.keys() if depth is not None)
    if not depths:
        return None
    where = "under runtime-async" if build == "runtime_async" else "in the default build"
    return (f"{', '.join(f'{twice[depth] - once[depth]:.0f}' for depth in depths)} B "
            f"(depth {', '.join(str(depth) for depth in depths)}) {where}")


def section_lines(rows: Sequence[Row], order: Sequence[str] = ()) -> list[str]:
    """The suspension table with its reading, and the split of each implementation's bytes per miss."""
    lines = ["Where the runtime-async bytes per miss come from: the suspension benchmark (Suspension.cs) makes every "
             "operation a miss through Depth nested async frames of one kind, each suspended once per operation "
             f"({TWO_AWAITS_KIND}'s innermost twice), "
             "under the same driver as the cache scenario's; bytes per operation, and the least-squares line over "
             "the depths (per suspended frame, and at 0 frames: what the suspension costs with no frame of the "
             "kind, the driver's part included):", ""]
    missing = missing_suspension(rows)
    if frame_kinds(rows):
        lines += table(["frame kind", "default build", "default: line", "runtime-async", "runtime-async: line"],
                       suspension_table(rows))
        lines += [reading_sentence(rows), ""]
    if missing:
        lines += [f"The run lacks {'; '.join(missing)}.", ""]
    return lines + [split_sentence(rows, order), ""]
