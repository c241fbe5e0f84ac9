"""REPORT.md's "Charts" section, and how any section embeds a chart: by its registered name
(charts.CHARTS), never by position. A chart registered for the gallery is shown here; one
registered for a section of its own (multi_await) is embedded by that section."""

from __future__ import annotations

from charts import CHARTS, GALLERY
from vtb_results import Run


def embed(run: Run, name: str) -> list[str]:
    """The Markdown lines showing charts/<name>.png, or none when charts.py did not draw it."""
    if name not in CHARTS:
        raise KeyError(f"no chart is registered as {name!r} (charts.py)")
    return [f"![{name}](charts/{name}.png)", ""] if (run.directory / "charts" / f"{name}.png").is_file() else []


def section(run: Run) -> list[str]:
    shown = [line for chart in CHARTS.values() if chart.section == GALLERY for line in embed(run, chart.name)]
    if not shown:
        return ["## Charts", "", "No charts in charts/ (run scripts/charts.py first).", ""]
    return ["## Charts", ""] + shown
