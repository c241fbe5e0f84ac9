"""Tests of scripts/charts.py: files produced, charts skipped for absent data, the registry by name, and
colours by registry position."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import (
    FIXTURE_RUN, FIXTURES, repetitions, run_script, service_run, write_allocator_comparison, write_run, write_service,
)

import charts
import vtb_results

CHART_FILES = [f"{name}.{extension}" for name in charts.CHARTS for extension in ("png", "svg")]


@pytest.fixture(scope="module")
def charted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    run_dir = tmp_path_factory.mktemp("charted") / "run"
    shutil.copytree(FIXTURE_RUN, run_dir)
    shutil.copytree(FIXTURES / "dotnet" / "run", run_dir / "dotnet")
    name = "cache_lookup/impl:{}/payload:int/db:async/hit:{}"
    processes = [100.0, 103.0, 98.0, 101.0, 99.0]
    write_allocator_comparison(run_dir, "gcc", {
        allocator: {name.format(impl, hit): [time * factor * (1 + hit / 100) for time in processes]
                    for impl in ("sync", "task", "value_task") for hit in (0, 100)}
        for allocator, factor in (("glibc", 1.0), ("mimalloc", 0.9))})
    write_service(run_dir, [service_run(impl, hit, [rate * (1 + hit / 1000) * f for f in (0.98, 1.0, 1.02)], clients=clients,
                                        client_cpu=cpu - hit, p50_ns=300.0 * clients)
                            for impl, rate, cpu in (("task", 20_000, 500), ("value_task", 21_000, 450),
                                                    ("value_task_source", 22_000, 420))
                            for hit in (0, 50, 90, 99, 99.9, 100) for clients in (1, 16)])
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
    assert [line.split(":")[1].strip() for line in notices] == ["skipped dotnet_overlay",
                                                                "skipped allocator_comparison",
                                                                "skipped bytes_per_op_string", "skipped multi_await",
                                                                "skipped service_throughput", "skipped service_latency",
                                                                "skipped service_decision"]
    written = sorted(path.name for path in (tmp_path / "elsewhere").iterdir())
    assert written == ["allocs_per_op.png", "allocs_per_op.svg", "latency.png", "latency.svg", "relative_latency.png",
                       "relative_latency.svg"]
    assert not (run_dir / "charts").exists()


def test_a_run_without_cache_lookup_is_an_error(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", {"gcc-glibc": repetitions("factory/kind:completed_task", [1.0])})
    finished = run_script("charts.py", run_dir)
    assert finished.returncode == 1
    assert finished.stderr == f"charts.py: error: {run_dir / 'bench'}: no cache_lookup benchmarks in any configuration\n"
    assert not (run_dir / "charts").exists()


def test_colours_and_markers_come_from_the_registry_position() -> None:
    vocabulary = vtb_results.load_run(FIXTURE_RUN).vocabulary
    names = vocabulary.implementation_names()
    colours = [charts.colour_of(vocabulary, name) for name in names]
    assert colours == charts.palette(len(names)) and len(set(colours)) == len(names)
    assert charts.colour_of(vocabulary, "sync") == "#1f77b4" and charts.colour_of(vocabulary, "task") == "#ff7f0e"
    assert [charts.marker_of(vocabulary, name) for name in names] == list(charts.LINE_MARKERS[:len(names)])
    assert len(set(charts.palette(14))) == 14  # tab20 beyond ten


def test_charts_are_registered_by_name_and_the_report_embeds_them_by_name(charted_run: tuple[Path, str]) -> None:
    from reporting import gallery
    run = vtb_results.load_run(charted_run[0])
    assert charts.CHARTS["multi_await"].section == "multi_await"
    shown = [line for line in gallery.section(run) if line.startswith("![")]
    assert shown == [f"![{name}](charts/{name}.png)" for name, chart in charts.CHARTS.items()
                     if chart.section == charts.GALLERY]
    with pytest.raises(KeyError, match="no chart is registered as 'pie'"):
        gallery.embed(run, "pie")


def test_multi_await_chart_has_a_panel_per_compiler_and_a_line_per_producer_and_state(tmp_path: Path) -> None:
    entries = []
    for via in ("as_task", "task"):
        for state in ("pending", "completed"):
            for awaiters in (1, 8, 64):
                entries += repetitions(f"multi_await/via:{via}/state:{state}/awaiters:{awaiters}",
                                       [10.0 * awaiters, 11.0 * awaiters], allocs_per_op=1.0)
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": entries, "clang-glibc": entries[:12]}))
    figure = charts.multi_await_chart(run)
    axes = [axes for axes in figure.axes if axes.get_title()]
    assert [axes.get_title() for axes in axes] == ["gcc + glibc", "clang + glibc"]
    assert len(axes[0].get_lines()) == 4 and len(axes[1].get_lines()) == 2
    assert list(axes[0].get_lines()[0].get_xdata()) == [1, 8, 64]
    assert list(axes[0].get_lines()[0].get_ydata()) == [10.5, 84.0, 672.0]
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert labels == ["via:task, completed", "via:task, pending", "via:as_task, completed", "via:as_task, pending"]
    assert axes[0].get_lines()[0].get_color() == charts.palette(2)[0]  # via:task, first of the vocabulary's vias
    charts.plt.close(figure)


def test_service_charts_draw_the_service_runs_and_its_section_embeds_them(charted_run: tuple[Path, str]) -> None:
    from reporting import service
    run = vtb_results.load_run(charted_run[0])
    figure = charts.service_throughput_chart(run)
    panels = [axes for axes in figure.axes if axes.get_title()]
    assert [axes.get_title() for axes in panels] == ["1 worker x 1 client per worker", "1 worker x 16 clients per worker"]
    assert [tick.get_text() for tick in panels[0].get_xticklabels()] == ["0", "50", "90", "99", "99.9", "100"]
    task = panels[1].get_lines()[0]
    assert list(task.get_xdata()) == [0, 1, 2, 3, 4, 5] and task.get_ydata()[3] == 20_000 * 1.099
    charts.plt.close(figure)

    figure = charts.service_latency_chart(run)
    panels = [axes for axes in figure.axes if axes.get_title()]
    assert [axes.get_title() for axes in panels] == [f"{hit} % hits" for hit in ("0", "50", "90", "99", "99.9", "100")]
    line = panels[0].get_lines()[0]
    assert list(line.get_xdata()) == pytest.approx([2, 4, 10, 100, 1000, 10_000, 100_000])
    assert list(line.get_ydata()) == pytest.approx([4.8, 5.28, 6.24, 19.2, 624.0, 1248.0, 1440.0])  # 16 clients: p50 4.8 us
    assert [tick.get_text() for tick in panels[0].get_xticklabels()] == ["50%", "90%", "99%", "99.9%", "99.99%", "max"]
    charts.plt.close(figure)

    figure = charts.service_decision_chart(run)
    ns_axes, percent_axes = figure.axes[:2]
    assert [line.get_color() for line in ns_axes.get_lines()[:2]] == [charts.colour_of(run.vocabulary, name)
                                                                     for name in ("value_task", "value_task_source")]
    assert list(ns_axes.get_lines()[0].get_ydata()) == [50.0] * 6  # task's 500 - hit against value_task's 450 - hit
    assert percent_axes.get_lines()[0].get_ydata()[0] == pytest.approx(100 * 50 / 510)
    assert "the miss latency measured: task's p50 at 0 % hits, 4.80 us" in figure._suptitle.get_text()
    charts.plt.close(figure)

    shown = [line for line in service.section(run) if line.startswith("![")]
    assert shown == [f"![{name}](charts/{name}.png)" for name in ("service_throughput", "service_latency",
                                                                   "service_decision")]
