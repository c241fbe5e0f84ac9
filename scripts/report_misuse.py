"""Claim C8's verdict from a misuse table (misuse.json's schema), the same computation for
the C++ table (scenarios/vtb_misuse_table) and for .NET's (scenarios/dotnet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verdicts import NOT_REPRODUCED, REPRODUCED
from vtb_results import implementation_sort_key

MISUSE_RULES = ("await_twice", "result_before_completion", "concurrent_await")


@dataclass
class MisuseVerdict:
    figure: str
    verdict: str
    explanation: str
    tolerated: list[str]  # "impl (rule: outcome)" for every value task that lets a misuse through


def value_task_implementations(results: dict[str, Any]) -> list[str]:
    return sorted((impl for impl in results if "value_task" in impl), key=implementation_sort_key)


def misuse_rule(misuse: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    for rule in (misuse or {}).get("rules", []):
        if rule["rule"] == name:
            return rule
    return None


def misuse_verdict(misuse: dict[str, Any] | None, nuance: str) -> MisuseVerdict | None:
    """C8 over the three rules: reproduced when task allows all three and every value task detects each;
    `nuance` when each is detected by some value task but not by all; None when the table lacks them."""
    rules = {name: misuse_rule(misuse, name) for name in MISUSE_RULES}
    if misuse is None or any(rule is None or "task" not in rule["results"] for rule in rules.values()):
        return None
    figure, task_refuses, undetected_everywhere, tolerated = [], [], [], []
    for name, rule in rules.items():
        results = rule["results"]
        detected = [impl for impl in value_task_implementations(results) if results[impl]["outcome"] == "detected"]
        figure.append(f"{name}: detected by {', '.join(detected) or 'none'}")
        if results["task"]["outcome"] != "allowed":
            task_refuses.append(name)
        if not detected:
            undetected_everywhere.append(name)
        tolerated += [f"{impl} ({name}: {results[impl]['outcome']})" for impl in value_task_implementations(results)
                      if results[impl]["outcome"] != "detected"]
    figure.append("task allows " + ("all three" if not task_refuses else f"all but {', '.join(task_refuses)}"))
    text = "; ".join(figure)
    if task_refuses or undetected_everywhere:
        problems = [f"task refuses {', '.join(task_refuses)}"] if task_refuses else []
        problems += [f"no value task detects {', '.join(undetected_everywhere)}"] if undetected_everywhere else []
        sentence = "; ".join(problems)
        return MisuseVerdict(text, NOT_REPRODUCED, f"{sentence[0].upper()}{sentence[1:]}.", tolerated)
    if tolerated:
        return MisuseVerdict(text, nuance, f"Each misuse is detected by a token-checked value task, but not by "
                                           f"every one: {', '.join(tolerated)}.", tolerated)
    return MisuseVerdict(text, REPRODUCED, "Every value task implementation detects all three misuses, which a task "
                                           "allows.", tolerated)
