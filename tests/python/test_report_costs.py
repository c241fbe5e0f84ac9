"""Tests of REPORT.md's sections on what things cost (scripts/reporting/wrong_way.py, allocators.py,
crosschecks.py, environment.py): the wrong-way curves and their cachegrind explanation, the allocator ratios
judged over the allocator comparison's interleaved processes with the layout control, C5's split and the method
sentence, computed on made-up runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cache_entries, made_up_run, vocabulary_context, write_allocator_comparison, write_run

import vtb_results
from json_input import ResultsError
from reporting import allocators, crosschecks, environment, wrong_way

STEADY = [100.0, 101.0, 102.0, 103.0, 104.0]


def shifted(times: list[float], factor: float) -> list[float]:
    return [time * factor for time in times]


def test_a_time_above_the_miss_time_is_a_bend_and_a_flat_one_is_not(tmp_path: Path) -> None:
    entries = (cache_entries("task", 0, STEADY, 1.0) + cache_entries("task", 90, shifted(STEADY, 0.5), 1.0)
               + cache_entries("value_task_coroutine", 0, STEADY, 1.0)
               + cache_entries("value_task_coroutine", 60, shifted(STEADY, 1.4), 1.0)
               + cache_entries("value_task_coroutine", 90, shifted(STEADY, 1.2), 1.0))
    (bend,) = wrong_way.bends(made_up_run(tmp_path, entries), "gcc")
    assert (bend.implementation, bend.hit, bend.bent_hits) == ("value_task_coroutine", 60, [60, 90])
    assert round(bend.ratio, 2) == 1.4 and bend.p_value < 0.05


def test_the_explanation_names_the_costs_that_rose() -> None:
    bend = wrong_way.Bend("gcc", "value_task_coroutine", 90, 1.4, 0.01, [90])
    costs = {("gcc-glibc", "value_task_coroutine", 0): {"instructions_per_op": 400.0, "branch_mispredicts_per_op": 0.1,
                                                        "d1_misses_per_op": 0.0, "ll_misses_per_op": 0.0},
             ("gcc-glibc", "value_task_coroutine", 90): {"instructions_per_op": 402.0,
                                                         "branch_mispredicts_per_op": 2.3,
                                                         "d1_misses_per_op": 0.1, "ll_misses_per_op": 0.0}}
    assert wrong_way.explain_bend(bend, costs) == (
        "per op at 0 % -> 90 %: instructions 400.0 -> 402.0, mispredicted branches 0.1 -> 2.3, D1 misses 0.0 -> 0.1, "
        "LL misses 0.0 -> 0.0: mispredicted branches rise")
    assert wrong_way.explain_bend(wrong_way.Bend("clang", "task", 90, 1.4, 0.01, [90]), costs) == \
        "no cachegrind figures for clang-glibc (callgrind.json covers the probe compiler only)"


def allocator_times(factor: float, control_factor: float = 1.0) -> dict[str, list[float]]:
    """sync at 0 % and task at 0 and 100 % hits over ten processes, task's times scaled by `factor` and
    sync's by `control_factor`."""
    processes = [100.0, 101.0, 99.5, 100.5, 102.0, 98.5, 100.2, 99.8, 101.5, 100.1]
    name = "cache_lookup/impl:{}/payload:int/db:async/hit:{}"
    return {name.format("sync", 0): [time * control_factor / 10 for time in processes],
            name.format("task", 0): [time * factor for time in processes],
            name.format("task", 100): [time * factor / 2 for time in processes]}


def test_allocator_ratios_are_judged_over_processes_against_the_noise(tmp_path: Path) -> None:
    directory = write_run(tmp_path / "run", {"gcc-glibc": cache_entries("task", 0, STEADY, 1.0)})
    write_allocator_comparison(directory, "gcc", {"glibc": allocator_times(1.0),
                                                  "mimalloc": allocator_times(0.8, control_factor=1.003)})
    effects = allocators.allocator_effects(vtb_results.load_run(directory), "gcc")
    assert list(effects) == ["sync", "task"]
    task = effects["task"][("mimalloc", 0)]
    assert task.ratio == pytest.approx(0.8) and task.verdict == "faster" and task.significant
    assert task.p_value is not None and task.p_value < 0.001
    assert task.band_percent is not None and 0 < task.band_percent < 5
    control = effects["sync"][("mimalloc", 0)]
    assert control.ratio == pytest.approx(1.003) and control.verdict == "within noise"
    text = "\n".join(allocators.section(vtb_results.load_run(directory)))
    assert f"| implementation | hit | mimalloc (control 1.00x ±{control.band_percent:.1f} %) |" in text
    assert f"| task | 0 % | 0.80x ±{task.band_percent:.1f} %* |" in text
    assert "Processes a side: glibc 10, mimalloc 10." in text
    assert "it stayed within its noise band under every allocator" in text


def test_a_control_that_moved_beyond_its_band_is_flagged(tmp_path: Path) -> None:
    directory = write_run(tmp_path / "run", {"gcc-glibc": cache_entries("task", 0, STEADY, 1.0)})
    write_allocator_comparison(directory, "gcc", {"glibc": allocator_times(1.0),
                                                  "jemalloc": allocator_times(1.0, control_factor=1.6)})
    effects = allocators.allocator_effects(vtb_results.load_run(directory), "gcc")
    assert effects["task"][("jemalloc", 0)].verdict == "within noise"
    sentence = allocators.control_sentence("gcc", effects)
    assert sentence.startswith("gcc: the layout control (sync at 0 % hits, which makes no allocation) runs at "
                               "jemalloc 1.60x (p 0.0002, band ±")
    assert sentence.endswith("it moved beyond its noise band under jemalloc: there the allocator changes memory "
                             "layout, not only allocation cost, and that allocator's other ratios carry the same "
                             "shift.")


def test_a_run_without_an_allocator_comparison_says_so(tmp_path: Path) -> None:
    glibc = cache_entries("task", 0, STEADY, 1.0)
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": glibc, "gcc-mimalloc": glibc}))
    assert allocators.section(run) == [
        "## Allocators against glibc", "",
        "This run has no allocator comparison with glibc and another allocator (allocators/: interleaved "
        "processes, one side per allocator).", ""]


@pytest.mark.parametrize("allocator, message", [
    ("tcmalloc", "ran gcc under tcmalloc, not gcc under mimalloc as its directory says"),
])
def test_a_process_that_ran_under_another_allocator_is_refused(tmp_path: Path, allocator: str,
                                                                message: str) -> None:
    directory = write_run(tmp_path / "run", {"gcc-glibc": cache_entries("task", 0, STEADY, 1.0)})
    write_allocator_comparison(directory, "gcc", {"glibc": allocator_times(1.0), "mimalloc": allocator_times(1.0)})
    path = directory / "allocators" / "gcc" / "mimalloc" / "round-03.json"
    document = json.loads(path.read_text())
    document["context"]["vtb_allocator"] = allocator
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsError) as raised:
        vtb_results.load_run(directory)
    assert str(raised.value) == f"{path}: {message}"


def test_allocator_sides_must_run_the_same_benchmarks(tmp_path: Path) -> None:
    directory = write_run(tmp_path / "run", {"gcc-glibc": cache_entries("task", 0, STEADY, 1.0)})
    fewer = allocator_times(1.0)
    del fewer["cache_lookup/impl:task/payload:int/db:async/hit:100"]
    write_allocator_comparison(directory, "gcc", {"glibc": allocator_times(1.0), "mimalloc": fewer})
    with pytest.raises(ResultsError, match=r"allocators/gcc: sides glibc and mimalloc run different benchmarks"):
        vtb_results.load_run(directory)


def test_the_method_sentence_comes_from_meta_json(tmp_path: Path) -> None:
    run = made_up_run(tmp_path, cache_entries("task", 0, STEADY, 1.0))
    run.meta["passes"] = {"timing": {"repetitions": 9, "min_time": 0.02}, "counting": {"iterations": 2000}}
    sentence = environment.method_paragraph(run)
    assert "9 repetitions per benchmark, interleaved at random, min time 0.02 s each" in sentence
    assert "vtbench_counting: 2000 iterations per benchmark after one untimed warm-up run" in sentence


def miss_row(impl: str, instructions: float) -> dict:
    """A callgrind.json row of cache_lookup at hit:0, gcc-glibc."""
    return {"benchmark": f"cache_lookup/impl:{impl}/payload:int/db:async/hit:0", "config": "gcc-glibc",
            "instructions_per_op": instructions}


def test_c5_splits_the_miss_path_gap_into_wrapper_and_detection(tmp_path: Path) -> None:
    directory = write_run(tmp_path / "run", {"gcc-glibc": cache_entries("task", 0, STEADY, 1.0)},
                          callgrind={"rows": [miss_row("task", 550.0), miss_row("value_task", 573.0)]},
                          **{"callgrind-unchecked": {"rows": [miss_row("task", 550.0), miss_row("value_task", 557.0)]}})
    run = vtb_results.load_run(directory)
    assert crosschecks.c5_split(run) == ("gcc-glibc hit:0, cachegrind: value_task - task = +23 instructions/op = "
                                          "wrapper +7 + misuse detection +16 (vtbench_unchecked, VTB_MISUSE_CHECKS=0)")
    assert crosschecks.c5_split(made_up_run(tmp_path / "b", cache_entries("task", 0, STEADY, 1.0))) is None


def test_c5_split_says_the_unchecked_binarys_times_move_with_its_layout(tmp_path: Path) -> None:
    directory = write_run(tmp_path / "run", {"gcc-glibc": cache_entries("task", 0, STEADY, 1.0)},
                          callgrind={"rows": [miss_row("task", 550.0), miss_row("value_task", 573.0)]},
                          **{"callgrind-unchecked": {"rows": [miss_row("task", 550.0), miss_row("value_task", 557.0)]}})
    (directory / "unchecked").mkdir()
    unchecked = cache_entries("task", 0, [110.0, 111.0, 112.0], 1.0) + cache_entries("value_task", 0, [99.0], 1.0)
    (directory / "unchecked" / "gcc-glibc.json").write_text(json.dumps(
        {"context": vocabulary_context(vtb_counting="off", vtb_misuse_checks="off"), "benchmarks": unchecked}))
    split = crosschecks.c5_split(vtb_results.load_run(directory))
    assert split is not None and split.endswith(
        "; in vtbench_unchecked's own pass value_task 99.0 ns (99.0-99.0) vs task 111.0 ns (110.0-112.0) "
        "(ratio 0.89) (not comparable: that pass ran in the machine's slow state), but task, whose code the checks "
        "do not touch, moves 1.09x between the two binaries (code layout), more than a few instructions cost: the "
        "split is cachegrind's")

