"""Tests of scripts/compare: the arithmetic on hand-checked numbers and the printed tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_RUN, load_compare, repetitions, run_script, vocabulary_context

from stats import Spread

compare = load_compare()


def write_file(path: Path, entries: list[dict], context: dict | None = None) -> Path:
    path.write_text(json.dumps({"context": context or {}, "benchmarks": entries}))
    return path


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    before = write_file(tmp_path / "glibc.json",
                        repetitions("cache_lookup/impl:task/payload:int/db:async/hit:0", [100.0, 104.0, 98.0],
                                    allocs_per_op=2.0)
                        + repetitions("cache_lookup/impl:value_task/payload:int/db:async/hit:0", [50.0, 52.0, 51.0])
                        + repetitions("factory/kind:completed_task", [1.0, 1.0, 1.0]))
    after = write_file(tmp_path / "mimalloc.json",
                       repetitions("cache_lookup/impl:task/payload:int/db:async/hit:0", [90.0, 92.0, 95.0],
                                   allocs_per_op=2.0)
                       + repetitions("cache_lookup/impl:value_task/payload:int/db:async/hit:0", [52.0, 53.0, 51.5])
                       + repetitions("factory/kind:from_canceled", [3.0, 3.0, 3.0]))
    return before, after


def test_relative_change_and_u_test_on_hand_checked_numbers(two_files: tuple[Path, Path]) -> None:
    matched, only_before, only_after = compare.compare(compare.load_side(two_files[0]),
                                                       compare.load_side(two_files[1]))
    task, value_task = matched
    assert task.before.real_time_ns == Spread(100.0, 98.0, 104.0)
    assert task.after.real_time_ns.values == (90.0, 92.0, 95.0)
    assert task.change_percent == pytest.approx(-8.0)
    # Fully separated samples of 3 and 3: the exact two-sided p-value is 2 / C(6, 3) = 0.1,
    # so three repetitions can never show a change at alpha 0.05, however large.
    assert task.p_value == pytest.approx(0.1)
    # One process a side: repetitions are not independent, so nothing is judged, whatever the p-value.
    assert task.band_percent is None and task.verdict(0.2) == "n/a"
    assert value_task.change_percent == pytest.approx((52.0 - 51.0) / 51.0 * 100)
    # 51.0 appears on both sides: with a tie scipy uses the normal approximation, U = 2.
    assert value_task.p_value == pytest.approx(0.2683, abs=1e-4)
    assert only_before == [("", "factory/kind:completed_task")]
    assert only_after == [("", "factory/kind:from_canceled")]


def test_nine_separated_repetitions_are_significant(tmp_path: Path) -> None:
    before = write_file(tmp_path / "a.json", repetitions("x/k:1", [100.0 + index for index in range(9)]))
    after = write_file(tmp_path / "b.json", repetitions("x/k:1", [120.0 + index for index in range(9)]))
    (only,) = compare.compare(compare.load_side(before), compare.load_side(after))[0]
    # U = 0 with 9 and 9: the normal approximation (with continuity correction) gives 0.00041.
    assert only.p_value == pytest.approx(0.000412, abs=1e-6)
    assert compare.comparison_cells(only, with_config=False, alpha=0.05)[3:7] == ["+19.2 %", "n/a", "0.0004", "n/a"]


def test_single_repetition_has_no_test_and_zero_median_no_change(tmp_path: Path) -> None:
    before = write_file(tmp_path / "a.json", repetitions("x/k:1", [0.0]) + repetitions("x/k:2", [5.0]))
    after = write_file(tmp_path / "b.json", repetitions("x/k:1", [3.0]) + repetitions("x/k:2", [6.0, 6.5]))
    first, second = compare.compare(compare.load_side(before), compare.load_side(after))[0]
    assert first.change_percent is None and first.p_value is None and first.verdict(0.05) == "n/a"
    assert second.change_percent == pytest.approx(25.0) and second.p_value is None  # median 6.25
    assert compare.comparison_cells(first, with_config=False, alpha=0.05)[3:7] == ["n/a", "n/a", "n/a", "n/a"]


def test_text_and_markdown_output(two_files: tuple[Path, Path]) -> None:
    finished = run_script("compare", *two_files)
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    task_line = next(line for line in lines if "impl:task/" in line)
    assert task_line.split("  ")[0] == "cache_lookup/impl:task/payload:int/db:async/hit:0"
    for text in ("100.0 ns (98.0-104.0)", "92.0 ns (90.0-95.0)", "-8.0 %", "0.1000", "n/a", "2.00"):
        assert text in task_line
    assert "Note: one process a side: the U test's p-value over its repetitions treats them as independent" \
        in finished.stdout
    assert "Note: some benchmarks have only 3 repetitions a side; the U test needs 9 or more" in finished.stdout
    assert lines[-5:] == ["Only in A (1):", "- factory/kind:completed_task", "",
                          "Only in B (1):", "- factory/kind:from_canceled"]

    markdown = run_script("compare", *two_files, "--markdown", "--threshold", "5").stdout
    assert ("| cache_lookup/impl:task/payload:int/db:async/hit:0 | 100.0 ns (98.0-104.0) | 92.0 ns (90.0-95.0) "
            "| -8.0 % | n/a | 0.1000 | n/a | 2.00 | 2.00 |") in markdown
    assert "impl:value_task/" not in markdown
    assert "1 of 2 benchmarks changed by less than 5 % and are not shown." in markdown


def test_run_directories_match_by_configuration(tmp_path: Path) -> None:
    after = tmp_path / "after"
    shutil.copytree(FIXTURE_RUN, after)
    (after / "bench" / "gcc-mimalloc.json").unlink()
    (after / "counts" / "gcc-mimalloc.json").unlink()
    meta = json.loads((after / "meta.json").read_text())
    meta["configurations"].remove("gcc-mimalloc")
    (after / "meta.json").write_text(json.dumps(meta))
    finished = run_script("compare", FIXTURE_RUN, after, "--markdown")
    assert finished.returncode == 0, finished.stderr
    assert "| gcc-glibc | cache_lookup/impl:task/payload:int/db:async/hit:0 | 420.0 ns (413.7-432.6) " \
           "| 420.0 ns (413.7-432.6) | +0.0 % | n/a | 1.0000 | n/a | 2.00 | 2.00 |" in finished.stdout
    assert "Only in A (27):" in finished.stdout
    assert "- gcc-mimalloc: cache_lookup/impl:sync/payload:int/db:async/hit:0" in finished.stdout


def test_mixing_a_directory_and_a_file_is_a_usage_error(two_files: tuple[Path, Path]) -> None:
    finished = run_script("compare", FIXTURE_RUN, two_files[0])
    assert finished.returncode == 2
    assert finished.stderr == ("compare: error: A and B must both be directories or both be JSON files "
                               "(see --help)\n")


def test_rows_follow_the_vocabulary_when_both_sides_have_it_and_names_otherwise(tmp_path: Path) -> None:
    def name(impl: str, hit: int) -> str:
        return f"cache_lookup/impl:{impl}/payload:int/db:async/hit:{hit}"
    entries = [entry for impl in ("value_task", "lazy_task", "task_from_result") for hit in (100, 5)
               for entry in repetitions(name(impl, hit), [1.0, 2.0])]
    with_vocabulary = write_file(tmp_path / "a.json", entries, vocabulary_context())
    also_with = write_file(tmp_path / "b.json", entries, vocabulary_context())
    without = write_file(tmp_path / "c.json", entries)

    def order(before: Path, after: Path) -> list[str]:
        return [c.name for c in compare.compare(compare.load_side(before), compare.load_side(after))[0]]
    # Registry order (task_from_result, value_task, lazy_task), hits by value.
    assert order(with_vocabulary, also_with) == [name("task_from_result", 5), name("task_from_result", 100),
                                                 name("value_task", 5), name("value_task", 100),
                                                 name("lazy_task", 5), name("lazy_task", 100)]
    # One side without a vocabulary: by name, hits still by value.
    assert order(with_vocabulary, without) == order(without, with_vocabulary) == [
        name("lazy_task", 5), name("lazy_task", 100), name("task_from_result", 5), name("task_from_result", 100),
        name("value_task", 5), name("value_task", 100)]
    finished = run_script("compare", with_vocabulary, without)
    assert finished.returncode == 0, finished.stderr


def test_help_says_what_happens_without_a_vocabulary() -> None:
    finished = run_script("compare", "--help")
    assert finished.returncode == 0
    assert "When either side lacks a vocabulary" in finished.stdout and "ordered by name" in finished.stdout


def test_a_run_of_an_older_version_without_a_vocabulary_still_compares(tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(FIXTURE_RUN, old)
    for path in old.glob("*/*.json"):
        document = json.loads(path.read_text())
        del document["context"]["vtb_vocabulary"]
        path.write_text(json.dumps(document))
    assert compare.load_side(old).vocabulary is None and compare.load_side(FIXTURE_RUN).vocabulary is not None
    finished = run_script("compare", old, FIXTURE_RUN, "--markdown")
    assert finished.returncode == 0, finished.stderr
    rows = [line.split(" | ")[1] for line in finished.stdout.splitlines() if line.startswith("| gcc-glibc | ")]
    assert rows[:3] == ["cache_lookup/impl:asio_awaitable/payload:int/db:async/hit:0",  # by name, hits by value
                        "cache_lookup/impl:asio_awaitable/payload:int/db:async/hit:50",
                        "cache_lookup/impl:asio_awaitable/payload:int/db:async/hit:90"]
    by_vocabulary = run_script("compare", FIXTURE_RUN, FIXTURE_RUN, "--markdown").stdout
    assert [line.split(" | ")[1] for line in by_vocabulary.splitlines() if line.startswith("| gcc-glibc | ")][0] == \
        "cache_lookup/impl:sync/payload:int/db:async/hit:0"


def write_processes(side: Path, times: list[float], calibrations: list[float]) -> Path:
    """One process file per (time, calibration): a benchmark's three repetitions at that time, each with
    that calibration_ns (the machine-state probe)."""
    side.mkdir(parents=True)
    name = "cache_lookup/impl:task/payload:int/db:async/hit:0"
    for index, (time, calibration) in enumerate(zip(times, calibrations), start=1):
        entries = repetitions(name, [time, time, time], calibration_ns=calibration)
        (side / f"round-{index:02d}.json").write_text(json.dumps({"context": vocabulary_context(),
                                                                  "benchmarks": entries}))
    return side


def test_a_process_run_wholly_in_the_slow_state_is_left_out_while_four_remain(tmp_path: Path) -> None:
    # Processes 5 and 6 of A ran in the slow state (calibration 1.6x, time 1.7x); with them A would
    # read slower than B.
    fast, slow = [1200.0] * 4, [1920.0, 1900.0]
    a = write_processes(tmp_path / "A", [100.0, 101.0, 99.0, 100.5, 170.0, 171.0], fast + slow)
    b = write_processes(tmp_path / "B", [100.2, 100.8, 99.4, 100.1, 100.3, 99.9], fast + fast[:2])
    compare = load_compare()
    before = compare.load_side(a)
    (comparison,) = compare.compare(before, compare.load_side(b))[0]
    assert comparison.before.real_time_ns.values == (100.0, 101.0, 99.0, 100.5)
    assert comparison.before.repetitions == 4 and len(comparison.after.real_time_ns.values) == 6
    finished = run_script("compare", a, b)
    assert finished.returncode == 0, finished.stderr
    assert ("Left out: 2 process medians in 1 benchmarks, from processes that ran them wholly in the machine's "
            "slow state (each keeps 4 or more a side).") in finished.stdout
    # With fewer than four fast processes left, every process counts.
    c = write_processes(tmp_path / "C", [100.0, 101.0, 99.0, 170.0, 171.0, 172.0], fast[:3] + slow + [1910.0])
    assert compare.load_side(c).benchmarks[("", "cache_lookup/impl:task/payload:int/db:async/hit:0")] \
        .real_time_ns.values == (100.0, 101.0, 99.0, 170.0, 171.0, 172.0)
