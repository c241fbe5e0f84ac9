"""Tests of REPORT.md's sections on what things cost (scripts/reporting/wrong_way.py, allocators.py,
crosschecks.py, environment.py): the wrong-way curves and their cachegrind explanation, the allocator ratios at
the vocabulary's comparison sweep with the layout control, C5's split and the method sentence, computed on
made-up runs."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import cache_entries, made_up_run, vocabulary_context, write_run

import vtb_results
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


def test_allocator_ratios_and_a_control_that_moved(tmp_path: Path) -> None:
    glibc = cache_entries("sync", 0, STEADY, 0.0) + cache_entries("task", 0, STEADY, 1.0)
    mimalloc = cache_entries("sync", 0, shifted(STEADY, 1.6), 0.0) + cache_entries("task", 0, STEADY, 1.0)
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": glibc, "gcc-mimalloc": mimalloc}))
    effects = allocators.allocator_effects(run, "gcc")
    assert round(effects["sync"][("mimalloc", 0)].ratio, 2) == 1.6 and effects["sync"][("mimalloc", 0)].significant
    assert effects["task"][("mimalloc", 0)].ratio == 1.0 and not effects["task"][("mimalloc", 0)].significant
    sentence = allocators.control_sentence("gcc", effects)
    assert "runs at mimalloc 1.60x (p 0.0079) of glibc's time; it moved beyond noise under mimalloc" in sentence
    text = "\n".join(allocators.section(run))
    assert "| sync (control) | 1.60x* |" in text and "| task | 1.00x |" in text


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


def test_allocators_are_compared_at_the_vocabularys_comparison_hits(tmp_path: Path) -> None:
    def entries(factor: float) -> list[dict]:
        return [entry for hit in (0, 10, 50) for entry in cache_entries("task", hit, shifted(STEADY, factor), 1.0)]
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": entries(1.0), "gcc-mimalloc": entries(1.1)}))
    assert run.vocabulary.sweep("comparison") == (0, 50, 90, 100)
    assert list(allocators.allocator_effects(run, "gcc")["task"]) == [("mimalloc", 0), ("mimalloc", 50)]
    assert "| implementation | mimalloc 0 % | mimalloc 50 % |" in "\n".join(allocators.section(run))
