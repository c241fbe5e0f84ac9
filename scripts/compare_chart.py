"""The chart `scripts/compare --chart` draws: each benchmark's change (B - A) / A in % as a
point, its noise band as a grey bar around zero, the point coloured by its verdict
(process_stats.judge), so a change that leaves its band and is significant stands out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from process_stats import FASTER, SLOWER, UNJUDGED, WITHIN_NOISE  # noqa: E402
from script_io import atomic_write  # noqa: E402

if TYPE_CHECKING:
    from compare import Comparison

VERDICT_COLOURS = {SLOWER: "#c0392b", FASTER: "#1e8449", WITHIN_NOISE: "#34495e", UNJUDGED: "#95a5a6"}
ROW_HEIGHT = 0.28  # inches per benchmark


def draw_comparison_chart(matched: list[Comparison], alpha: float, path: Path, labels: tuple[str, str]) -> None:
    """One row per benchmark with a change: the band from -band to +band, the change as a dot."""
    rows = [c for c in matched if c.change_percent is not None]
    figure, axes = plt.subplots(figsize=(9, 1.6 + ROW_HEIGHT * len(rows)))
    for index, comparison in enumerate(rows):
        if comparison.band_percent is not None:
            axes.barh(index, 2 * comparison.band_percent, left=-comparison.band_percent, height=0.6,
                      color="#d5d8dc", zorder=1)
        axes.plot(comparison.change_percent, index, "o", color=VERDICT_COLOURS[comparison.verdict(alpha)], zorder=2)
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_yticks(range(len(rows)), [f"{c.config}: {c.name}" if c.config else c.name for c in rows], fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("change of the median of process medians, B against A (%)")
    axes.set_title(f"A: {labels[0]}\nB: {labels[1]}", fontsize=8)
    handles = [Patch(color="#d5d8dc", label="noise band (95 % of same-code changes)")] + [
        Line2D([], [], marker="o", linestyle="", color=colour, label=verdict)
        for verdict, colour in VERDICT_COLOURS.items()]
    axes.legend(handles=handles, fontsize=7, loc="best")
    axes.grid(axis="x", alpha=0.3)
    atomic_write(path, lambda handle: figure.savefig(handle, format="png", dpi=120, bbox_inches="tight"))
    plt.close(figure)
