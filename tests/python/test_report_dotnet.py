"""Tests of the .NET answers to the claims (@dotnet_answer in scripts/reporting/claims_*.py) and the .NET
sections (scripts/reporting/dotnet.py), on the committed .NET fixture (a trimmed real run) placed beside the
C++ fixture run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

import vtb_results
from reporting import claims, dotnet, misuse
from reporting.claim_registry import CLAIMS, ClaimResult, dotnet_result
from verdicts import NOT_MEASURED, REPRODUCED


@pytest.fixture
def run_with_dotnet(run_copy: Path) -> vtb_results.Run:
    shutil.copytree(FIXTURES / "dotnet" / "run", run_copy / "dotnet")
    return vtb_results.load_run(run_copy)


def figures(answer: ClaimResult) -> str:
    return "; ".join(answer.figures)


def test_every_claim_has_a_dotnet_answer(run_with_dotnet: vtb_results.Run) -> None:
    assert all(registered.dotnet is not None for registered in CLAIMS.values())
    cells = {claim_id: dotnet_result(run_with_dotnet, claim_id) for claim_id in CLAIMS}
    assert cells["C3"] == ClaimResult(("async Task<int> at 100 % hits: 72 B/op (runtime-async preview: 0 B/op)",),
                                      REPRODUCED)
    assert figures(cells["C4"]) == "ValueTask<int> returned on a hit, 100 % hits: 0 B/op"
    assert cells["C4"].verdict == REPRODUCED
    assert figures(cells["C1"]).startswith("Task.FromResult(1000): 72 B; a suspended async Task<int>: 112 B")
    # The fixture's task at 0 % ran one of its three iterations in the slow state (machine_state.json): its time
    # is over the other two, and the U test over 3 and 2 iterations cannot call the 1.30x ratio different.
    assert "ratio 1.30, U test p 0.2000" in figures(cells["C5"]) and cells["C5"].verdict == REPRODUCED
    # .NET's value tasks are the vocabulary's value-task forms of the same names.
    assert "value_task_inline (await_twice: allowed)" in figures(cells["C8"])


def test_the_claims_table_shows_both_languages(run_with_dotnet: vtb_results.Run) -> None:
    text = "\n".join(claims.section(run_with_dotnet))
    assert "| ID | claim | .NET 10 measured | .NET verdict | C++ measured | C++ verdict | C++ nuance |" in text
    assert "| async Task<int> at 100 % hits: 72 B/op (runtime-async preview: 0 B/op) | **reproduced** |" in text


def test_without_a_dotnet_side_every_cell_says_why(run_copy: Path) -> None:
    meta = json.loads((run_copy / "meta.json").read_text())
    meta["dotnet"] = {"measured": False, "reason": "no .NET SDK (dotnet is not on the PATH)"}
    (run_copy / "meta.json").write_text(json.dumps(meta))
    run = vtb_results.load_run(run_copy)
    assert dotnet_result(run, "C3") == ClaimResult(("not measured (no .NET SDK (dotnet is not on the PATH))",),
                                                   NOT_MEASURED)
    assert dotnet.section(run)[2].startswith(".NET not measured (no .NET SDK")


def test_dotnet_section_and_misuse_table(run_with_dotnet: vtb_results.Run) -> None:
    text = "\n".join(dotnet.section(run_with_dotnet))
    assert "BenchmarkDotNet 0.15.8" in text and "The drivers' own cost per operation (int payload): .NET" in text
    assert "| implementation | hit | default build | runtime-async |" in text
    table = "\n".join(misuse.section(run_with_dotnet))
    assert "### What .NET 10 does with the same misuse" in table
    assert "System.InvalidOperationException" in table
