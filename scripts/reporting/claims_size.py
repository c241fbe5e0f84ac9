"""Claims about size: C1 (a task is light beside a goroutine) and C7 (a ValueTask is a bigger
handle than a Task reference, so copying it costs something), in C++ and on .NET."""

from __future__ import annotations

from dotnet_results import DotnetRun, find_row
from formats import format_bytes, format_ns
from reporting.claim_registry import ClaimResult, claim, dotnet_answer, no_data, result
from reporting.common import base_name, counter, find, select
from reporting.dotnet import dotnet_missing, ns_text, slow_state_notes, spread
from stats import slower
from verdicts import DOTNET_NUANCE, NO_DATA, NOT_COMPARABLE, NOT_REPRODUCED, NUANCE, REPRODUCED
from vtb_results import Run

TASK_BYTES_CLAIMED = (64, 136)  # C1: the article's size range of one Task object
GOROUTINE_STACK_CLAIMED = 2048  # C1: the article's minimum goroutine stack
WELL_UNDER_FRACTION = 0.25      # C1: "well under" = at most a quarter of the goroutine stack


def goroutine_bytes(run: Run) -> tuple[float, str]:
    """Bytes per goroutine to compare with: measured (goroutine.json) or, failing that, the article's figure."""
    if run.goroutine is not None and run.goroutine["available"]:
        measured = run.goroutine["bytes_per_goroutine"]
        return measured, f"goroutine: {format_bytes(measured)} (measured)"
    reason = run.goroutine["reason"] if run.goroutine is not None else "no goroutine.json"
    return GOROUTINE_STACK_CLAIMED, (f"goroutine: not measured ({reason}), the article's "
                                     f"{format_bytes(GOROUTINE_STACK_CLAIMED)} used")


@claim("C1", "A Task is light (64-136 B), a goroutine starts with a 2 KB stack")
def task_is_light(run: Run) -> ClaimResult:
    completed_bytes = counter(find(run, "factory", kind="from_result_uncached"), "bytes_per_op")
    if completed_bytes is None:
        return no_data(f"factory/kind:from_result_uncached bytes_per_op in {base_name()}")
    suspended_bytes = counter(find(run, "footprint", form="task"), "bytes_per_op")
    fiber_bytes = counter(find(run, "footprint", form="fiber"), "bytes_per_op")
    per_goroutine, goroutine_figure = goroutine_bytes(run)
    figures = [f"completed task state: {format_bytes(completed_bytes)}"]
    if suspended_bytes is not None:
        figures.append(f"suspended task frame: {format_bytes(suspended_bytes)}")
    if fiber_bytes is not None:
        figures.append(f"fiber: {format_bytes(fiber_bytes)}")
    figures.append(goroutine_figure)

    low, high = TASK_BYTES_CLAIMED
    if completed_bytes > per_goroutine * WELL_UNDER_FRACTION:
        return result(figures, NOT_REPRODUCED, f"A completed task's state takes {format_bytes(completed_bytes)}, "
                                               f"more than a quarter of a goroutine's {format_bytes(per_goroutine)}.")
    differences = []
    if not low <= completed_bytes <= high:
        differences.append(f"a completed task's state takes {format_bytes(completed_bytes)}, "
                           f"outside .NET's {low}-{high} B")
    if suspended_bytes is not None and suspended_bytes > high:
        differences.append(f"a suspended coroutine frame (locals and awaiters included) takes "
                           f"{format_bytes(suspended_bytes)}")
    if differences:
        return result(figures, NUANCE, f"Still well under a goroutine's {format_bytes(per_goroutine)}, but "
                                       f"{' and '.join(differences)}.")
    return result(figures, REPRODUCED, f"A completed task's state ({format_bytes(completed_bytes)}) is within .NET's "
                                       f"{low}-{high} B and well under a goroutine's {format_bytes(per_goroutine)}.")


@dotnet_answer("C1")
def task_is_light_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    footprint = dotnet.footprint or {}
    completed = footprint.get("completed_task_bytes", {}).get("Task.FromResult(1000)")
    suspended = next((row["bytes_per_op"] for row in footprint.get("rows", []) if row.get("impl") == "task"), None)
    if completed is None or suspended is None:
        return dotnet_missing("footprint.json's Task.FromResult(1000) and task rows")
    figures = [f"Task.FromResult(1000): {completed:.0f} B",
               f"a suspended async Task<int>: {suspended:.0f} B ({footprint.get('counter', 'GC allocated bytes')}, "
               f"{footprint.get('ops', '?'):,} held)"]
    low, high = TASK_BYTES_CLAIMED
    if completed > goroutine_bytes(run)[0] * WELL_UNDER_FRACTION:
        return result(figures, NOT_REPRODUCED)
    within = low <= completed <= high and suspended <= high
    return result(figures, REPRODUCED if within else DOTNET_NUANCE)


@claim("C7", "ValueTask<T> is bigger than a Task reference, so copying it costs something")
def bigger_handle(run: Run) -> ClaimResult:
    task_size = counter(find(run, "footprint", form="task"), "handle_sizeof")
    value_task_sizes = {form: size for form in run.vocabulary.value_task_forms()
                        if (size := counter(find(run, "footprint", form=form), "handle_sizeof")) is not None}
    if task_size is None or not value_task_sizes:
        return no_data(f"footprint handle_sizeof for task and the value-task forms in {base_name()}")
    figures = [f"sizeof: task {task_size:.0f} B, " + ", ".join(f"{form} {size:.0f} B"
                                                                for form, size in value_task_sizes.items())]
    if not all(size > task_size for size in value_task_sizes.values()):
        return result(figures, NOT_REPRODUCED, "Not every value_task handle is bigger than a task handle.")
    copies = {(b.params.get("type"), b.params.get("depth")): b.real_time_ns for b in select(run, "copy_cost")}
    depths = sorted((depth for (kind, depth) in copies if kind == "value_task" and ("task", depth) in copies), key=int)
    if not depths:
        return no_data(f"copy_cost for type:value_task and type:task at a common depth in {base_name()}", figures)
    figures += [f"copy_cost depth:{depth}: value_task {format_ns(copies[('value_task', depth)])} "
                f"vs task {format_ns(copies[('task', depth)])}" for depth in depths]
    depth = depths[-1]
    value_task_copy, task_copy = copies[("value_task", depth)], copies[("task", depth)]
    if slower(value_task_copy, task_copy):
        return result(figures, REPRODUCED, f"The bigger handle costs {value_task_copy.median - task_copy.median:.1f} "
                                           f"ns more to pass and return through {depth} calls.")
    return result(figures, NUANCE, f"The handle is bigger, but passing it through {depth} calls costs no measurable "
                                   f"extra (no significant difference, or task is dearer).")


@dotnet_answer("C7")
def bigger_handle_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    sizes = (dotnet.footprint or {}).get("sizeof", {})
    if "ValueTask<int>" not in sizes or "Task<int>" not in sizes:
        return dotnet_missing("footprint.json's sizeof figures")
    figures = [f"Unsafe.SizeOf: ValueTask<int> {sizes['ValueTask<int>']} B, ValueTask<string> "
               f"{sizes.get('ValueTask<string>', '?')} B, a Task<int> reference {sizes['Task<int>']} B"]
    depths = sorted({row.depth for row in dotnet.rows if row.scenario == "copy_cost" and row.depth is not None})
    copies = {(impl, depth): row for depth in depths for impl in ("value_task", "task")
              if (row := find_row(dotnet.rows, "copy_cost", impl, depth=depth)) is not None}
    common = [depth for depth in depths if ("value_task", depth) in copies and ("task", depth) in copies]
    if not common:
        return result(figures, NO_DATA)
    figures += [f"depth {depth}: ValueTask<int> {ns_text(copies[('value_task', depth)])} vs Task<int> "
                f"{ns_text(copies[('task', depth)])}" for depth in common]
    deepest = common[-1]
    if caveats := slow_state_notes([copies[("value_task", deepest)], copies[("task", deepest)]]):
        return result(figures + caveats, NOT_COMPARABLE)
    dearer = slower(spread(copies[("value_task", deepest)]), spread(copies[("task", deepest)]))
    bigger = sizes["ValueTask<int>"] > sizes["Task<int>"]
    return result(figures, REPRODUCED if bigger and dearer else DOTNET_NUANCE if bigger else NOT_REPRODUCED)
