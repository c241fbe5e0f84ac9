"""Tests of scripts/report_dotnet.py: the .NET column of the claims table and the .NET sections, on the
committed .NET fixture (a trimmed real run) placed beside the C++ fixture run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

import report
import report_dotnet
import vtb_results
from verdicts import NOT_MEASURED, NOT_REPRODUCED, REPRODUCED


@pytest.fixture
def run_with_dotnet(run_copy: Path) -> vtb_results.Run:
    shutil.copytree(FIXTURES / "dotnet" / "run", run_copy / "dotnet")
    return vtb_results.load_run(run_copy)


def test_every_claim_has_a_dotnet_answer(run_with_dotnet: vtb_results.Run) -> None:
    assert set(report_dotnet.DOTNET_CLAIMS) == {f"C{number}" for number in range(1, 11)}
    cells = {claim_id: report_dotnet.dotnet_cell(run_with_dotnet, claim_id) for claim_id in report_dotnet.DOTNET_CLAIMS}
    assert cells["C3"] == report_dotnet.DotnetCell(
        "async Task<int> at 100 % hits: 72 B/op (runtime-async preview: 0 B/op)", REPRODUCED)
    assert cells["C4"].figure == "ValueTask<int> returned on a hit, 100 % hits: 0 B/op"
    assert cells["C4"].verdict == REPRODUCED
    assert cells["C1"].figure.startswith("Task.FromResult(1000): 72 B; a suspended async Task<int>: 112 B")
    # The fixture keeps no per-iteration values: no U test, so a 1.42x ratio is judged by the ratio alone.
    assert "ratio 1.42, U test p n/a" in cells["C5"].figure and cells["C5"].verdict == NOT_REPRODUCED
    assert "value_task_inline (await_twice: allowed)" in cells["C8"].figure


def test_the_claims_table_shows_both_languages(run_with_dotnet: vtb_results.Run) -> None:
    text = "\n".join(report.claims_section(run_with_dotnet))
    assert "| ID | claim | .NET 10 measured | .NET verdict | C++ measured | C++ verdict | C++ nuance |" in text
    assert "| async Task<int> at 100 % hits: 72 B/op (runtime-async preview: 0 B/op) | **reproduced** |" in text


def test_without_a_dotnet_side_every_cell_says_why(run_copy: Path) -> None:
    meta = json.loads((run_copy / "meta.json").read_text())
    meta["dotnet"] = {"measured": False, "reason": "no .NET SDK (dotnet is not on the PATH)"}
    (run_copy / "meta.json").write_text(json.dumps(meta))
    run = vtb_results.load_run(run_copy)
    cell = report_dotnet.dotnet_cell(run, "C3")
    assert cell == report_dotnet.DotnetCell("not measured (no .NET SDK (dotnet is not on the PATH))", NOT_MEASURED)
    assert report_dotnet.dotnet_section(run)[2].startswith(".NET not measured (no .NET SDK")


def test_dotnet_section_and_misuse_table(run_with_dotnet: vtb_results.Run) -> None:
    text = "\n".join(report_dotnet.dotnet_section(run_with_dotnet))
    assert "BenchmarkDotNet 0.15.8" in text and "The drivers' own cost per operation (int payload): .NET" in text
    assert "| implementation | hit | default build | runtime-async |" in text
    misuse = "\n".join(report.misuse_section(run_with_dotnet))
    assert "### What .NET 10 does with the same misuse" in misuse
    assert "System.InvalidOperationException" in misuse
