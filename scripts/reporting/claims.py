"""REPORT.md's "Claims" section: one row per registered claim (reporting/claim_registry.py),
in ID order, with the .NET and the C++ answer side by side. This is the one place a
ClaimResult becomes Markdown."""

from __future__ import annotations

from reporting import claims_allocation, claims_misuse, claims_size, claims_time
from reporting.claim_registry import Claim, ClaimResult, claims_in_order, cpp_result, dotnet_result
from reporting.common import base_name
from stats import SIGNIFICANCE_ALPHA
from tables import table
from vtb_results import Run

# The modules whose @claim and @dotnet_answer functions make up the claims table.
CLAIM_MODULES = (claims_size, claims_allocation, claims_time, claims_misuse)


def evaluate(run: Run) -> dict[str, tuple[ClaimResult, ClaimResult]]:
    """Every claim's answers, without rendering: ID -> (C++, .NET)."""
    return {registered.claim_id: (cpp_result(run, registered.claim_id), dotnet_result(run, registered.claim_id))
            for registered in claims_in_order()}


def figures_text(answer: ClaimResult) -> str:
    return "; ".join(answer.figures) or "-"


def claim_row(registered: Claim, cpp: ClaimResult, dotnet: ClaimResult) -> list[str]:
    return [registered.claim_id, registered.text, figures_text(dotnet), f"**{dotnet.verdict}**", figures_text(cpp),
            f"**{cpp.verdict}**", cpp.nuance]


def section(run: Run) -> list[str]:
    answers = evaluate(run)
    rows = [claim_row(registered, *answers[registered.claim_id]) for registered in claims_in_order()]
    intro = (f"Times are medians of the timing pass's repetitions with the (min-max) range; \"different\" means "
             f"a two-sided Mann-Whitney U test at p < {SIGNIFICANCE_ALPHA:g}; unless stated, {base_name()}, int "
             f"payload, async db.")
    return ["## Claims", "", intro, ""] + table(["ID", "claim", ".NET 10 measured", ".NET verdict", "C++ measured",
                                                 "C++ verdict", "C++ nuance"], rows)
