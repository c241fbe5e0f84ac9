"""Claims about misuse: C8 (a ValueTask must be awaited once, not read early, not awaited
concurrently; a Task allows all three) and C9 (the safe ways out: is_completed before the
result, as_task() to await many times), in C++ (misuse.json, multi_await) and on .NET
(its misuse.json). Which columns are value tasks is what the forms say (misuse.json's own
forms for C++; the run's vocabulary for .NET's columns of the same names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from benchmark_file import multi_await_sweep
from dotnet_results import DotnetRun
from formats import format_allocs, format_ns
from reporting.claim_registry import ClaimResult, claim, dotnet_answer, no_data, result
from reporting.common import ALLOC_EPSILON, BASE_COMPILER, BASELINE_ALLOCATOR, allocs_text, base_name, counter
from reporting.dotnet import dotnet_missing, dotnet_value_tasks
from reporting.multi_await import TITLE as MULTI_AWAIT_TITLE
from verdicts import DOTNET_NUANCE, NOT_REPRODUCED, NUANCE, REPRODUCED
from vtb_results import Run

MISUSE_RULES = ("await_twice", "result_before_completion", "concurrent_await")  # C8: what a Task allows
IS_COMPLETED_RULE = "is_completed"           # C9: read the result after checking is_completed()
AS_TASK_RULE = "as_task_many_awaits"         # C9: convert once with as_task(), await many times


@dataclass
class MisuseVerdict:
    """C8 over one misuse table: the verdict, and every value task that lets a misuse through."""

    answer: ClaimResult
    tolerated: list[str]  # "form (rule: outcome)"


def misuse_rule(misuse: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    for rule in (misuse or {}).get("rules", []):
        if rule["rule"] == name:
            return rule
    return None


def expressed(rule: dict[str, Any], value_tasks: Sequence[str]) -> list[str]:
    """The value tasks (in the table's column order) that can express a rule."""
    return [form for form in value_tasks if form in rule["results"]]


def misuse_verdict(misuse: dict[str, Any] | None, value_tasks: Sequence[str], nuance: str) -> MisuseVerdict | None:
    """C8 over the three rules: reproduced when task allows all three and every value task detects each;
    `nuance` when each is detected by some value task but not by all; None when the table lacks them."""
    rules = {name: misuse_rule(misuse, name) for name in MISUSE_RULES}
    if any(rule is None or "task" not in rule["results"] for rule in rules.values()):
        return None
    figures, task_refuses, undetected_everywhere, tolerated = [], [], [], []
    for name, rule in rules.items():
        results = rule["results"]  # type: ignore[index]
        detected = [form for form in expressed(rule, value_tasks) if results[form]["outcome"] == "detected"]
        figures.append(f"{name}: detected by {', '.join(detected) or 'none'}")
        if results["task"]["outcome"] != "allowed":
            task_refuses.append(name)
        if not detected:
            undetected_everywhere.append(name)
        tolerated += [f"{form} ({name}: {results[form]['outcome']})" for form in expressed(rule, value_tasks)
                      if results[form]["outcome"] != "detected"]
    figures.append("task allows " + ("all three" if not task_refuses else f"all but {', '.join(task_refuses)}"))
    if task_refuses or undetected_everywhere:
        problems = [f"task refuses {', '.join(task_refuses)}"] if task_refuses else []
        problems += [f"no value task detects {', '.join(undetected_everywhere)}"] if undetected_everywhere else []
        sentence = "; ".join(problems)
        return MisuseVerdict(result(figures, NOT_REPRODUCED, f"{sentence[0].upper()}{sentence[1:]}."), tolerated)
    if tolerated:
        return MisuseVerdict(result(figures, nuance, f"Each misuse is detected by a token-checked value task, but "
                                                     f"not by every one: {', '.join(tolerated)}."), tolerated)
    return MisuseVerdict(result(figures, REPRODUCED, "Every value task implementation detects all three "
                                                     "misuses, which a task allows."), tolerated)


def cpp_value_tasks(run: Run) -> list[str]:
    """misuse.json's value-task forms, in its column order."""
    return [form["name"] for form in (run.misuse or {}).get("forms", []) if form["value_task"]]


@claim("C8", "A ValueTask must be awaited once, not read early, not awaited concurrently; a Task allows all three")
def await_once(run: Run) -> ClaimResult:
    verdict = misuse_verdict(run.misuse, cpp_value_tasks(run), NUANCE)
    if verdict is None:
        return no_data(f"misuse.json with the rules {', '.join(MISUSE_RULES)} for task")
    return verdict.answer


@dotnet_answer("C8")
def await_once_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    verdict = misuse_verdict(dotnet.misuse, dotnet_value_tasks(run, dotnet.misuse or {}), DOTNET_NUANCE)
    if verdict is None:
        return dotnet_missing("misuse.json's await_twice, result_before_completion and concurrent_await rules")
    figures = verdict.answer.figures + ((f"not detected: {', '.join(verdict.tolerated)}",) if verdict.tolerated else ())
    return result(figures, verdict.answer.verdict)


def as_task_extra_allocations(run: Run) -> tuple[list[str], dict[str, float]]:
    """multi_await's figures for C9 (as_task against task at the largest common awaiter count) and, per
    state, the most allocations per op as_task adds over task at any awaiter count."""
    bench_file = run.config(BASE_COMPILER, BASELINE_ALLOCATOR)
    sweeps = {key: dict(points) for key, points in (multi_await_sweep(bench_file) if bench_file else {}).items()}
    figures, extra_allocs = [], {}
    for (via, state), as_task in sweeps.items():
        task = sweeps.get(("task", state), {})
        common = sorted(set(as_task) & set(task))
        if via == "as_task" and common:
            most = common[-1]
            figures.append(f"multi_await {state}, {most} awaiters: as_task {format_ns(as_task[most].real_time_ns)}, "
                           f"{allocs_text(counter(as_task[most], 'allocs_per_op'))} vs task "
                           f"{format_ns(task[most].real_time_ns)}, {allocs_text(counter(task[most], 'allocs_per_op'))}")
            extra_allocs[state] = max((counter(as_task[count], "allocs_per_op") or 0.0)
                                      - (counter(task[count], "allocs_per_op") or 0.0) for count in common)
    return figures, extra_allocs


@claim("C9", "Safe ways out: check is_completed before reading the result; as_task() to await many times")
def safe_ways_out(run: Run) -> ClaimResult:
    figures, extra_allocs = as_task_extra_allocations(run)
    if figures:
        figures.append(f"every awaiter count: see \"{MULTI_AWAIT_TITLE}\"")
    rule = misuse_rule(run.misuse, IS_COMPLETED_RULE)
    checked = expressed(rule, cpp_value_tasks(run)) if rule else []
    if checked:
        figures.append("is_completed check: " + ", ".join(f"{form} {rule['results'][form]['outcome']}"
                                                          for form in checked))
    missing = ([f"multi_await via:as_task and via:task in {base_name()}"] if not extra_allocs else []) + \
              ([f"the {IS_COMPLETED_RULE} rule for value tasks in misuse.json"] if not checked else [])
    if missing:
        return no_data(" and ".join(missing), figures)
    unsafe = [f"{form} ({IS_COMPLETED_RULE})" for form in checked if rule["results"][form]["outcome"] != "allowed"]
    many_awaits = misuse_rule(run.misuse, AS_TASK_RULE)
    if many_awaits:
        converted = expressed(many_awaits, cpp_value_tasks(run))
        figures.append(f"{AS_TASK_RULE}: " + ", ".join(f"{form} {many_awaits['results'][form]['outcome']}"
                                                       for form in converted))
        unsafe += [f"{form} ({AS_TASK_RULE})" for form in converted
                   if many_awaits["results"][form]["outcome"] != "allowed"]
    if unsafe:
        return result(figures, NOT_REPRODUCED, f"A way out fails for {', '.join(unsafe)}.")
    if extra_allocs.get("pending", 0.0) > ALLOC_EPSILON:
        return result(figures, NUANCE, f"Both ways out work, but as_task() on a pending value task allocates up to "
                                       f"{format_allocs(extra_allocs['pending'])} more times per op than awaiting "
                                       f"the task, where .NET returns the wrapped Task itself.")
    pending_note = ("; on a pending value task it allocates no more per operation than awaiting a task"
                    if "pending" in extra_allocs else "")
    return result(figures, REPRODUCED, f"Checking is_completed before reading is safe and as_task() lets several "
                                       f"awaiters share one result{pending_note}.")


@dotnet_answer("C9")
def safe_ways_out_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    is_completed, many = misuse_rule(dotnet.misuse, IS_COMPLETED_RULE), misuse_rule(dotnet.misuse, AS_TASK_RULE)
    facts = (dotnet.misuse or {}).get("as_task", {})
    if is_completed is None or many is None:
        return dotnet_missing(f"misuse.json's {IS_COMPLETED_RULE} and {AS_TASK_RULE} rules")
    value_tasks = dotnet_value_tasks(run, dotnet.misuse or {})
    unsafe = [f"{form} ({rule['rule']})" for rule in (is_completed, many)
              for form in expressed(rule, value_tasks) if rule["results"][form]["outcome"] != "allowed"]
    figures = ["IsCompleted check and many awaits of AsTask(): " + ("all allowed" if not unsafe else
                                                                    f"fail for {', '.join(unsafe)}")]
    if facts:
        figures.append("AsTask(): " + ", ".join(
            f"{kind} {'returns the wrapped Task' if fact.get('returns_the_wrapped_task') else 'makes a new Task'} "
            f"({fact.get('bytes', '?')} B)" for kind, fact in facts.items()))
    wrapped = facts.get("value_task_wrapping_task", {}).get("returns_the_wrapped_task")
    return result(figures, NOT_REPRODUCED if unsafe else REPRODUCED if wrapped else DOTNET_NUANCE)
