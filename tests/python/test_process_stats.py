"""Tests of the process-level statistics (scripts/process_stats.py) and of compare's verdicts on
sides of several processes: the judgement's rules on hand-made numbers, and on simulated
processes that drift as this machine's do, the A/A false-positive rate against the old
repetition-level test, and the power to find an injected 10 % slowdown."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy
import pytest
from conftest import FIXTURES, load_compare, run_script

from benchmark_file import Benchmark
from process_stats import FASTER, SLOWER, UNJUDGED, WITHIN_NOISE, judge, noise_band_percent
from stats import spread_of, u_test_p_value

compare = load_compare()


def test_judge_needs_significance_and_a_change_beyond_the_band() -> None:
    assert judge(12.0, 0.001, 3.0, 0.05) == SLOWER
    assert judge(-12.0, 0.001, 3.0, 0.05) == FASTER
    assert judge(12.0, 0.06, 3.0, 0.05) == WITHIN_NOISE      # not significant
    assert judge(2.5, 0.001, 3.0, 0.05) == WITHIN_NOISE      # significant, but inside the band
    assert judge(3.0, 0.001, 3.0, 0.05) == WITHIN_NOISE      # on the band's edge: inside
    assert judge(None, 0.001, 3.0, 0.05) == UNJUDGED
    assert judge(5.0, None, 3.0, 0.05) == UNJUDGED
    assert judge(5.0, 0.001, None, 0.05) == UNJUDGED


def test_noise_band_is_zero_without_spread_and_scales_with_it() -> None:
    assert noise_band_percent([[10.0] * 7], (7, 7), "x") == 0.0
    narrow = noise_band_percent([[100.0, 101.0, 99.0, 100.5, 99.5, 100.0, 100.2]], (7, 7), "x")
    wide = noise_band_percent([[100.0, 110.0, 90.0, 105.0, 95.0, 100.0, 102.0]], (7, 7), "x")
    assert narrow is not None and wide is not None
    assert 0 < narrow < 1.5 and wide == pytest.approx(10 * narrow, rel=0.15)
    # Seeded by the name: the same numbers give the same band; the unit does not matter.
    assert noise_band_percent([[1.0, 1.1, 0.9, 1.05, 0.95, 1.0, 1.02]], (7, 7), "x") == pytest.approx(wide)
    # Fewer processes a group: medians of fewer values spread more.
    pool = [100.0, 110.0, 90.0, 105.0, 95.0, 100.0, 102.0]
    assert noise_band_percent([pool], (4, 4), "x") > noise_band_percent([pool], (7, 7), "x")
    assert noise_band_percent([[5.0]], (7, 7), "x") is None          # one process: no spread to draw from
    assert noise_band_percent([[0.0, 0.0]], (7, 7), "x") is None


def process_benchmark(name: str, process_medians: list[float]) -> Benchmark:
    return Benchmark(name=name, scenario=name.split("/")[0], params={}, repetitions=len(process_medians),
                     real_time_ns=spread_of(process_medians), counters={})


# The simulated machine: every process has a speed offset shared by all its benchmarks (the speed
# state, the placement of its allocations) and one of each benchmark's own; repetitions in a process
# vary far less than processes do, which is what fools a repetition-level test.
SHARED_PROCESS_SIGMA = 0.02
OWN_PROCESS_SIGMA = 0.015
REPETITION_SIGMA = 0.004
BENCHMARKS = 300


def simulated_processes(generator: numpy.random.Generator, processes: int, repetitions: int,
                        slowdown: float = 1.0) -> numpy.ndarray:
    """times[benchmark, process, repetition] of BENCHMARKS benchmarks of base time 100 ns."""
    shared = generator.normal(0, SHARED_PROCESS_SIGMA, size=(1, processes, 1))
    own = generator.normal(0, OWN_PROCESS_SIGMA, size=(BENCHMARKS, processes, 1))
    noise = generator.normal(0, REPETITION_SIGMA, size=(BENCHMARKS, processes, repetitions))
    return 100.0 * slowdown * numpy.exp(shared + own + noise)


def judged_sides(before: numpy.ndarray, after: numpy.ndarray) -> list:
    """compare's comparisons of two simulated interleaved runs, their bands from their own processes."""
    def side(times: numpy.ndarray) -> object:
        return compare.Side({("", f"b/k:{index}"): process_benchmark(f"b/k:{index}", list(numpy.median(t, axis=1)))
                             for index, t in enumerate(times)}, None, [""], processes=times.shape[1])
    sides = side(before), side(after)
    matched = compare.compare(*sides)[0]
    compare.assign_bands(matched, *sides, None)
    return matched


def test_aa_pairs_are_not_called_changes_beyond_the_promised_rate() -> None:
    generator = numpy.random.default_rng(19)
    # The old way: two back-to-back processes of 11 repetitions, the U test over repetitions.
    first, second = simulated_processes(generator, 1, 11), simulated_processes(generator, 1, 11)
    old_flagged = sum(u_test_p_value(spread_of(list(a[0])), spread_of(list(b[0]))) < 0.05
                      for a, b in zip(first, second))
    assert old_flagged / BENCHMARKS > 0.5   # the problem the process level solves: most A/A pairs "differ"

    # The new way: 7 interleaved processes a side of 3 repetitions each.
    matched = judged_sides(simulated_processes(generator, 7, 3), simulated_processes(generator, 7, 3))
    significant = sum(c.p_value < 0.05 for c in matched)
    called = [c for c in matched if c.verdict(0.05) in (SLOWER, FASTER)]
    assert significant / BENCHMARKS <= 0.10      # the target for the A/A rate at p < 0.05
    assert len(called) / BENCHMARKS <= 0.05      # what a verdict promises at alpha 0.05
    assert all(abs(c.change_percent) <= 5 for c in called)


def test_an_injected_ten_percent_slowdown_is_found() -> None:
    generator = numpy.random.default_rng(1919)
    matched = judged_sides(simulated_processes(generator, 7, 3), simulated_processes(generator, 7, 3, slowdown=1.10))
    found = sum(c.verdict(0.05) == SLOWER for c in matched)
    assert found / BENCHMARKS >= 0.95
    assert not any(c.verdict(0.05) == FASTER for c in matched)


# A real A/A run (tests/python/fixtures/interleaved): one vtbench binary on both sides, 10 rounds of
# one process a side in shuffled order, 3 repetitions a process, pinned, six cache_lookup benchmarks
# (scripts/interleave.py, trimmed to the fields compare reads).
INTERLEAVED = FIXTURES / "interleaved"


def scaled_copy(source: Path, destination: Path, factor: float) -> Path:
    """A copy of a process directory with every time multiplied by `factor`: an injected change."""
    destination.mkdir()
    for path in sorted(source.glob("*.json")):
        document = json.loads(path.read_text())
        for entry in document["benchmarks"]:
            entry["real_time"] *= factor
            entry["cpu_time"] *= factor
        (destination / path.name).write_text(json.dumps(document))
    return destination


def verdicts(finished: subprocess.CompletedProcess) -> dict[str, str]:
    """benchmark -> verdict, from compare's Markdown table."""
    assert finished.returncode == 0, finished.stderr
    rows = [line.strip("| ").split(" | ") for line in finished.stdout.splitlines() if line.startswith("| cache_lookup/")]
    return {cells[0]: cells[6] for cells in rows}


def test_the_real_aa_run_has_no_change_and_an_injected_slowdown_is_found(tmp_path: Path) -> None:
    aa = verdicts(run_script("compare", INTERLEAVED / "A", INTERLEAVED / "B", "--markdown"))
    assert len(aa) == 6 and set(aa.values()) == {WITHIN_NOISE}

    slower = scaled_copy(INTERLEAVED / "B", tmp_path / "slower", 1.10)
    finished = run_script("compare", INTERLEAVED / "A", slower, "--markdown", "--aa", INTERLEAVED / "A",
                          INTERLEAVED / "B")
    found = verdicts(finished)
    # value_task_source's processes spread most (32.6-40.8 ns): its A/A change is already -6.9 %, so the
    # injected +10 % nets +2.4 %, inside its band; the other five are found.
    assert found.pop("cache_lookup/impl:value_task_source/payload:int/db:async/hit:0") == WITHIN_NOISE
    assert set(found.values()) == {SLOWER}
    assert "A/A: 1 of 6 benchmarks at p < 0.05 (16.7 %); its widest change -6.9 %" in finished.stdout
    assert "judged against its own bands, 0 called a change." in finished.stdout

    faster = verdicts(run_script("compare", INTERLEAVED / "A", scaled_copy(INTERLEAVED / "B", tmp_path / "faster", 0.9),
                                 "--markdown"))
    assert set(faster.values()) == {FASTER}


def test_the_chart_is_drawn(tmp_path: Path) -> None:
    finished = run_script("compare", INTERLEAVED / "A", INTERLEAVED / "B", "--chart", tmp_path / "changes.png")
    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / "changes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_aa_run_of_single_processes_is_refused(tmp_path: Path) -> None:
    finished = run_script("compare", INTERLEAVED / "A", INTERLEAVED / "B", "--aa", INTERLEAVED / "A" / "round-01.json",
                          INTERLEAVED / "B" / "round-01.json")
    assert finished.returncode == 1
    assert finished.stderr.endswith("an A/A run needs 4 or more processes a side (process directories)\n")
