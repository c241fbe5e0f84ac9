"""Where claims are registered: a claim is one function per language, registered under its
ID with its text in the same place, that returns data (a ClaimResult), never Markdown.

    @claim("C3", "An async Task<T> method that completes synchronously still allocates its Task")
    def task_on_a_hit(run: Run) -> ClaimResult: ...

    @dotnet_answer("C3")
    def task_on_a_hit_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult: ...

The claims section (reporting/claims.py) renders every registered claim, in ID order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from dotnet_results import DotnetRun
from verdicts import NO_DATA, NOT_MEASURED
from vtb_results import Run


@dataclass(frozen=True)
class ClaimResult:
    """A claim's answer in one language: what was measured, the verdict, and why (the nuance)."""

    figures: tuple[str, ...]   # each a labelled figure ('hit:100: task 1.00 allocs/op'), in display order
    verdict: str               # one of verdicts.py's
    nuance: str = ""


def result(figures: Iterable[str], verdict: str, nuance: str = "") -> ClaimResult:
    return ClaimResult(tuple(figures), verdict, nuance)


def no_data(needed: str, figures: Iterable[str] = ()) -> ClaimResult:
    """The run lacks what the claim needs: say which data."""
    return result(figures, NO_DATA, f"The run lacks {needed}.")


CppAnswer = Callable[[Run], ClaimResult]
DotnetAnswer = Callable[[DotnetRun, Run], ClaimResult]


@dataclass
class Claim:
    claim_id: str
    text: str
    cpp: CppAnswer
    dotnet: DotnetAnswer | None = None

    @property
    def number(self) -> int:
        return int(self.claim_id.lstrip("C"))


CLAIMS: dict[str, Claim] = {}


def claim(claim_id: str, text: str) -> Callable[[CppAnswer], CppAnswer]:
    """Registers a claim: its ID, its text and the function answering it for C++."""
    def register(function: CppAnswer) -> CppAnswer:
        if claim_id in CLAIMS:
            raise ValueError(f"claim {claim_id} is registered twice")
        CLAIMS[claim_id] = Claim(claim_id, text, function)
        return function
    return register


def dotnet_answer(claim_id: str) -> Callable[[DotnetAnswer], DotnetAnswer]:
    """Registers the .NET answer of a claim already registered with @claim."""
    def register(function: DotnetAnswer) -> DotnetAnswer:
        CLAIMS[claim_id].dotnet = function
        return function
    return register


def claims_in_order() -> list[Claim]:
    return sorted(CLAIMS.values(), key=lambda registered: registered.number)


def not_measured_reason(run: Run) -> str:
    """Why the run has no .NET side, as meta.json records it."""
    recorded = run.meta.get("dotnet") if isinstance(run.meta.get("dotnet"), dict) else {}
    return recorded.get("reason", "the run has no dotnet/ directory")


def cpp_result(run: Run, claim_id: str) -> ClaimResult:
    return CLAIMS[claim_id].cpp(run)


def dotnet_result(run: Run, claim_id: str) -> ClaimResult:
    """The .NET answer, or 'not measured' with the reason when the run has no .NET side or the claim no
    .NET benchmark."""
    answer = CLAIMS[claim_id].dotnet
    if run.dotnet is None:
        return result([f"not measured ({not_measured_reason(run)})"], NOT_MEASURED)
    if answer is None:
        return result(["not measured (no .NET benchmark answers this claim)"], NOT_MEASURED)
    return answer(run.dotnet, run)
