"""Claims about time: C5 (on the miss path a ValueTask costs about what a Task does) and
C10 (hot paths that often complete synchronously gain the most; does pooling raise
throughput or only cut allocations?), in C++ and on .NET."""

from __future__ import annotations

from dotnet_results import DotnetRun
from formats import format_allocs, format_ns, format_p_value
from reporting.claim_registry import ClaimResult, claim, dotnet_answer, no_data, result
from reporting.common import ALLOC_EPSILON, allocs_text, base_name, cache, counter, sweep
from reporting.crosschecks import c5_split
from reporting.dotnet import bytes_text, dotnet_cache, dotnet_missing, dotnet_sweep, ns_text, slow_state_notes, spread
from stats import differs, slower, u_test_p_value
from verdicts import NOT_COMPARABLE, NOT_REPRODUCED, NUANCE, REPRODUCED
from vtb_results import Run

ABOUT_SAME_RATIO = 0.10         # C5: within 10 % counts as "about the same"
SLIGHTLY_MORE_RATIO = 0.25      # C5: up to 25 % dearer counts as "slightly more"


@claim("C5", "On the asynchronous path ValueTask<T> costs about the same as Task<T>, or slightly more")
def miss_path_cost(run: Run) -> ClaimResult:
    value_task, task = cache(run, "value_task", 0), cache(run, "task", 0)
    if value_task is None or task is None or value_task.real_time_ns is None or task.real_time_ns is None:
        return no_data(f"cache_lookup value_task and task at hit:0 in {base_name()}")
    ratio = value_task.real_time_ns.median / task.real_time_ns.median
    value_task_allocs, task_allocs = counter(value_task, "allocs_per_op"), counter(task, "allocs_per_op")
    figures = [f"hit:0: value_task {format_ns(value_task.real_time_ns)} vs task {format_ns(task.real_time_ns)}, "
               f"ratio {ratio:.2f}",
               f"{allocs_text(value_task_allocs)} vs {allocs_text(task_allocs)}, U test p "
               f"{format_p_value(u_test_p_value(value_task.real_time_ns, task.real_time_ns))}"]
    split = c5_split(run)
    if split is not None:
        figures.append(split)
    within_spread = not differs(value_task.real_time_ns, task.real_time_ns)
    if not within_spread and ratio < 1 - ABOUT_SAME_RATIO:
        return result(figures, NOT_REPRODUCED, f"On the miss path value_task is faster than task (ratio "
                                               f"{ratio:.2f}), not about as costly.")
    if not within_spread and ratio > 1 + SLIGHTLY_MORE_RATIO:
        return result(figures, NOT_REPRODUCED, f"On the miss path value_task costs {(ratio - 1) * 100:.0f} % more "
                                               f"than task, beyond 'slightly'.")
    cost = "no significant difference" if within_spread else f"{(ratio - 1) * 100:+.0f} %"
    if value_task_allocs is not None and task_allocs is not None and value_task_allocs > task_allocs + ALLOC_EPSILON:
        return result(figures, NUANCE, f"Time is close to task ({cost}), but the C++ wrapper allocates "
                                       f"{format_allocs(value_task_allocs - task_allocs)} more times per call.")
    return result(figures, REPRODUCED, f"On the miss path value_task wraps a task and costs about the same ({cost}).")


@dotnet_answer("C5")
def miss_path_cost_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    value_task, task = dotnet_cache(dotnet, "value_task", 0), dotnet_cache(dotnet, "task", 0)
    if value_task is None or task is None:
        return dotnet_missing("cache_lookup value_task and task at hit 0")
    ratio = value_task.ns_per_op / task.ns_per_op
    p_value = u_test_p_value(spread(value_task), spread(task))
    figures = [f"hit 0: ValueTask<int> wrapping a Task {ns_text(value_task)}, {bytes_text(value_task)} vs async "
               f"Task<int> {ns_text(task)}, {bytes_text(task)}", f"ratio {ratio:.2f}, U test p {format_p_value(p_value)}"]
    if caveats := slow_state_notes([value_task, task]):
        return result(figures + caveats, NOT_COMPARABLE)
    same = p_value is not None and not differs(spread(value_task), spread(task))
    about_same = same or 1 - ABOUT_SAME_RATIO <= ratio <= 1 + SLIGHTLY_MORE_RATIO
    return result(figures, REPRODUCED if about_same else NOT_REPRODUCED)


def pooling_at_miss(run: Run) -> tuple[list[str], str]:
    """C10's question: at hit:0, does pooling raise throughput over value_task or only cut allocations?"""
    value_task = cache(run, "value_task", 0)
    if value_task is None or value_task.real_time_ns is None:
        return [], "pooling could not be judged (no value_task at hit:0)."
    times, verdicts = [f"value_task {format_ns(value_task.real_time_ns)}"], []
    for impl in run.vocabulary.pooled_implementations():
        pooled = cache(run, impl, 0)
        if pooled is None or pooled.real_time_ns is None:
            continue
        times.append(f"{impl} {format_ns(pooled.real_time_ns)}")
        faster = slower(value_task.real_time_ns, pooled.real_time_ns)
        pooled_allocs, plain_allocs = counter(pooled, "allocs_per_op"), counter(value_task, "allocs_per_op")
        fewer = pooled_allocs is not None and plain_allocs is not None and pooled_allocs < plain_allocs - ALLOC_EPSILON
        allocs_change = f"{format_allocs(plain_allocs)} -> {format_allocs(pooled_allocs)} allocs/op" if fewer else ""
        if faster:
            verdicts.append(f"{impl} raises throughput" + (f" and cuts allocations ({allocs_change})" if fewer else ""))
        elif fewer:
            verdicts.append(f"{impl} only cuts allocations ({allocs_change}), its time is not significantly lower")
        else:
            verdicts.append(f"{impl} neither raises throughput nor cuts allocations")
    if not verdicts:
        return [], (f"pooling could not be judged (no {' or '.join(run.vocabulary.pooled_implementations())} "
                    f"at hit:0).")
    return ["hit:0: " + ", ".join(times)], "at hit:0 " + "; ".join(verdicts) + "."


@claim("C10", "Await a ValueTask at once; hot paths that often complete synchronously gain the most")
def hot_paths_gain(run: Run) -> ClaimResult:
    value_task, task = sweep(run, "value_task"), sweep(run, "task")
    hits = sorted(hit for hit in set(value_task) & set(task)
                  if value_task[hit].real_time_ns is not None and task[hit].real_time_ns is not None)
    if len(hits) < 2:
        return no_data(f"a cache_lookup sweep of value_task and task over two or more hit ratios in {base_name()}")
    alloc_hit = next((hit for hit in hits if (counter(value_task[hit], "allocs_per_op") or 0.0)
                      < (counter(task[hit], "allocs_per_op") or 0.0) - ALLOC_EPSILON), None)
    time_hit = next((hit for hit in hits if slower(task[hit].real_time_ns, value_task[hit].real_time_ns)), None)
    gain = {hit: task[hit].real_time_ns.median - value_task[hit].real_time_ns.median for hit in hits}
    figures = [f"fewer allocs/op from {alloc_hit} % hits" if alloc_hit is not None else "never fewer allocs/op",
               f"significantly faster from {time_hit} % hits" if time_hit is not None else "never faster",
               f"gain {gain[hits[0]]:.1f} ns at {hits[0]} %, {gain[hits[-1]]:.1f} ns at {hits[-1]} %"]
    pooling_figures, pooling_sentence = pooling_at_miss(run)
    figures += pooling_figures
    if time_hit is not None and gain[hits[-1]] > gain[hits[0]]:
        return result(figures, REPRODUCED, f"value_task's advantage over task grows with the hit ratio "
                                           f"({gain[hits[-1]]:.1f} ns per call at {hits[-1]} % hits); {pooling_sentence}")
    return result(figures, NOT_REPRODUCED, f"value_task does not pull ahead of task as the hit ratio grows; "
                                           f"{pooling_sentence}")


@dotnet_answer("C10")
def hot_paths_gain_dotnet(dotnet: DotnetRun, run: Run) -> ClaimResult:
    sweeps = dotnet_sweep(dotnet, run)
    task = {row.hit: row for row in sweeps.get("task", [])}
    value_task = {row.hit: row for row in sweeps.get("value_task", [])}
    hits = sorted(set(task) & set(value_task))
    if len(hits) < 2:
        return dotnet_missing("a cache_lookup sweep of task and value_task")
    gain = {hit: task[hit].ns_per_op - value_task[hit].ns_per_op for hit in hits}
    faster_from = next((hit for hit in hits if slower(spread(task[hit]), spread(value_task[hit]))), None)
    figures = [f"value_task gains {gain[hits[0]]:.1f} ns at {hits[0]} %, {gain[hits[-1]]:.1f} ns at {hits[-1]} %",
               f"significantly faster from {faster_from} % hits" if faster_from is not None else "never faster"]
    plain = dotnet_cache(dotnet, "value_task", 0)
    for impl in run.vocabulary.pooled_implementations():
        pooled = dotnet_cache(dotnet, impl, 0)
        if pooled is None or plain is None:
            continue
        faster = slower(spread(plain), spread(pooled))
        fewer = pooled.bytes_per_op < plain.bytes_per_op
        figures.append(f"hit 0: {impl} {'raises throughput' if faster else 'does not raise throughput'}"
                       f"{' and cuts' if faster and fewer else ', but cuts' if fewer else ' and does not cut'} "
                       f"allocation ({bytes_text(plain)} -> {bytes_text(pooled)})")
    if caveats := slow_state_notes([task[hits[0]], value_task[hits[0]], task[hits[-1]], value_task[hits[-1]]]):
        return result(figures + caveats, NOT_COMPARABLE)
    grows = faster_from is not None and gain[hits[-1]] > gain[hits[0]]
    return result(figures, REPRODUCED if grows else NOT_REPRODUCED)
