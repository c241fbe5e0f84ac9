"""Tests of scripts/charts.py: files produced, charts skipped for absent data, colour table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_RUN, repetitions, run_script, write_run

import charts

CHART_FILES = [f"{name}.{extension}" for name in charts.CHARTS for extension in ("png", "svg")]


@pytest.fixture(scope="module")
def charted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    run_dir = tmp_path_factory.mktemp("charted") / "run"
    shutil.copytree(FIXTURE_RUN, run_dir)
    finished = run_script("charts.py", run_dir)
    assert finished.returncode == 0, finished.stderr
    return run_dir, finished.stdout


def test_every_chart_is_written_as_png_and_svg(charted_run: tuple[Path, str]) -> None:
    run_dir, stdout = charted_run
    assert sorted(path.name for path in (run_dir / "charts").iterdir()) == sorted(CHART_FILES)
    for name in charts.CHARTS:
        png = (run_dir / "charts" / f"{name}.png").read_bytes()
        svg = (run_dir / "charts" / f"{name}.svg").read_text()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
        assert "<svg" in svg and svg.rstrip().endswith("</svg>")
    assert "skipped" not in stdout


def test_charts_without_data_are_skipped_with_a_notice(tmp_path: Path) -> None:
    entries = []
    for impl in ("task", "value_task"):
        for hit in (0, 100):
            entries += repetitions(f"cache_lookup/impl:{impl}/payload:int/db:async/hit:{hit}", [10.0, 11.0],
                                   allocs_per_op=1.0, bytes_per_op=96.0)
    run_dir = write_run(tmp_path / "run", {"gcc-glibc": entries})
    finished = run_script("charts.py", run_dir, "--out", tmp_path / "elsewhere")
    assert finished.returncode == 0, finished.stderr
    notices = [line for line in finished.stdout.splitlines() if "skipped" in line]
    assert [line.split(":")[1].strip() for line in notices] == ["skipped allocator_comparison",
                                                                "skipped bytes_per_op_string"]
    written = sorted(path.name for path in (tmp_path / "elsewhere").iterdir())
    assert written == ["allocs_per_op.png", "allocs_per_op.svg", "latency.png", "latency.svg"]
    assert not (run_dir / "charts").exists()


def test_a_run_without_cache_lookup_is_an_error(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", {"gcc-glibc": repetitions("factory/kind:completed_task", [1.0])})
    finished = run_script("charts.py", run_dir)
    assert finished.returncode == 1
    assert finished.stderr == f"charts.py: error: {run_dir / 'bench'}: no cache_lookup benchmarks in any configuration\n"
    assert not (run_dir / "charts").exists()


def test_colours_are_fixed_for_known_implementations_and_appended_for_others() -> None:
    table = charts.colour_table(["zeta_task", "task", "alpha_task"])
    assert table["sync"] == charts.KNOWN_COLOURS[0] and table["task"] == charts.KNOWN_COLOURS[1]
    assert table["asio_awaitable"] == charts.KNOWN_COLOURS[8]
    assert table["alpha_task"] == charts.EXTRA_COLOURS[0] and table["zeta_task"] == charts.EXTRA_COLOURS[1]
    assert len(set(table.values())) == len(table)
