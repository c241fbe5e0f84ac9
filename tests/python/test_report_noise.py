"""Tests of REPORT.md's "A/A noise floor" (scripts/reporting/noise.py) and of the loader's aa/
directory: the real A/A fixture (tests/python/fixtures/interleaved) as a run's aa/, its figures
and targets, a run without one, and a bad aa/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import add_aa

import vtb_results
from json_input import ResultsError
from reporting import noise


def test_the_section_judges_the_aa_check_as_compare_does(run_copy: Path) -> None:
    rows = noise.aa_rows(vtb_results.load_run(add_aa(run_copy)))
    assert [row.name for row in rows][:2] == ["cache_lookup/impl:sync/payload:int/db:async/hit:0",
                                              "cache_lookup/impl:task/payload:int/db:async/hit:0"]
    assert len(rows) == 6 and {row.verdict for row in rows} == {"within noise"}
    source = next(row for row in rows if "value_task_source" in row.name)
    assert source.change_percent == pytest.approx(-6.9, abs=0.05)
    assert source.band_percent is not None and source.band_percent > abs(source.change_percent)
    text = "\n".join(noise.section(vtb_results.load_run(run_copy)))
    assert text.startswith("## A/A noise floor")
    assert "One vtbench binary against itself: 10 and 10 processes" in text
    assert "- At p < 0.05: 1 of 6 benchmarks (16.7 %; target at most 10 %: NOT met)." in text
    assert "- Called a change (significant and beyond its band): 0 (target: none beyond ±5 %: met)." in text
    assert "| cache_lookup/impl:value_task_source/payload:int/db:async/hit:0 | 36.9 ns (32.7-40.8) | " \
           "34.3 ns (32.4-39.6) | -6.9 % |" in text


def test_a_run_without_an_aa_check_says_so(run_copy: Path) -> None:
    assert noise.section(vtb_results.load_run(run_copy)) == [
        "## A/A noise floor", "", "This run has no A/A check (aa/: the full run's, not --quick's).", ""]


def test_an_aa_check_without_the_runs_vocabulary_is_refused(run_copy: Path) -> None:
    add_aa(run_copy, vocabulary=False)
    with pytest.raises(ResultsError, match=r"aa/A: its vtb_vocabulary is missing or differs from the run's"):
        vtb_results.load_run(run_copy)


def test_an_aa_side_that_runs_other_benchmarks_is_refused(run_copy: Path) -> None:
    add_aa(run_copy)
    path = run_copy / "aa" / "B" / "round-03.json"
    document = json.loads(path.read_text())
    document["benchmarks"] = [e for e in document["benchmarks"] if "impl:sync/" not in e["name"]]
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsError, match=r"round-03.json: does not run the same benchmarks as .*round-01.json "
                                           r"\(e.g. cache_lookup/impl:sync/payload:int/db:async/hit:0\)"):
        vtb_results.load_run(run_copy)
    shutil.rmtree(run_copy / "aa" / "B")
    with pytest.raises(ResultsError, match=r"aa/B: no \*.json process files \(nor a meta.json: not a run directory\)"):
        vtb_results.load_run(run_copy)
