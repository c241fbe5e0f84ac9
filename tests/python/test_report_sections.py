"""Tests of REPORT.md's sections beside the claims table: GCC vs Clang elision, two threads at once,
multi_await, footprint and misuse; their figures on the fixture run, and what they say when data is absent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_RUN, FIXTURES, cache_entries, made_up_run, repetitions

import vtb_results
from reporting import concurrency, elision, footprint, gallery, misuse, multi_await
from vtb_results import Run


@pytest.fixture(scope="module")
def fixture_run() -> Run:
    return vtb_results.load_run(FIXTURE_RUN)


def text_of(lines: list[str]) -> str:
    return "\n".join(lines)


def test_elision_table_and_sentence_on_the_fixture(fixture_run: Run) -> None:
    text = text_of(elision.section(fixture_run))
    assert text.startswith(f"## {elision.TITLE}")
    assert "| implementation | hit 0 % | hit 50 % | hit 90 % | hit 100 % |" in text
    assert "| lazy_task | **1.00 / 0.00 (-1.00)** | **1.00 / 0.00 (-1.00)** | **1.00 / 0.00 (-1.00)** | " \
           "**1.00 / 0.00 (-1.00)** |" in text
    assert "| value_task_coroutine | 2.00 / 2.00 (0.00) | 1.50 / 1.50 (0.00) | 1.10 / 1.10 (0.00) | " \
           "1.00 / 1.00 (0.00) |" in text
    assert "Clang removed an allocation that GCC keeps in lazy_task (1.00 -> 0.00 allocs/op at every hit ratio " \
           "measured (0, 50, 90, 100 %))." in text
    assert elision.ELIDABLE_SHAPES["lazy_task"] in text
    assert elision.TASK_NOT_ELIDED in text


def test_elision_says_so_when_no_implementation_differs(tmp_path: Path) -> None:
    entries = cache_entries("task", 0, [10.0], 1.0) + cache_entries("lazy_task", 0, [10.0], 1.0)
    text = text_of(elision.section(made_up_run(tmp_path, entries, clang=entries)))
    assert "No implementation's allocs/op differ between gcc and clang at any hit ratio measured" in text
    assert "Clang removed an allocation" not in text and elision.ELIDABLE_SHAPES["lazy_task"] not in text


def test_elision_lists_changes_per_hit_and_names_what_the_library_does_not_explain(tmp_path: Path) -> None:
    def entries(coroutine: tuple[float, float], sync: float, task: float) -> list[dict]:
        return (cache_entries("value_task_coroutine", 0, [10.0], coroutine[0])
                + cache_entries("value_task_coroutine", 100, [5.0], coroutine[1])
                + cache_entries("sync", 0, [1.0], sync) + cache_entries("task", 0, [10.0], task))
    gcc, clang = entries((2.0, 1.0), 0.0, 1.0), entries((1.0, 0.0), 1.0, 0.0)
    text = text_of(elision.section(made_up_run(tmp_path, gcc, clang=clang)))
    assert "| value_task_coroutine | **2.00 / 1.00 (-1.00)** | **1.00 / 0.00 (-1.00)** |" in text
    assert "| sync | 0.00 / 1.00 (+1.00) | - / - |" in text
    assert "GCC keeps in task (1.00 -> 0.00 allocs/op at every hit ratio measured (0 %)); " \
           "value_task_coroutine (2.00 -> 1.00 at 0 %; 1.00 -> 0.00 at 100 %)." in text
    assert "The library documents no elidable shape for task, value_task_coroutine." in text
    assert "Clang allocates more than GCC in sync (0.00 -> 1.00 allocs/op at every hit ratio measured (0 %))." in text
    assert elision.TASK_NOT_ELIDED not in text


def test_elision_needs_both_compilers(tmp_path: Path) -> None:
    text = text_of(elision.section(made_up_run(tmp_path, cache_entries("task", 0, [10.0], 1.0))))
    assert text == (f"## {elision.TITLE}\n\nThe run lacks cache_lookup allocs_per_op (int payload, async db) "
                    f"in clang-glibc: the comparison needs both compilers with glibc.\n")


def test_concurrency_table_and_sentence_on_the_fixture(fixture_run: Run) -> None:
    text = text_of(concurrency.section(fixture_run))
    assert "| pooled_value_task | 0 | 2 | 438.0 ns (431.4-451.1) | 420.0 ns (413.7-432.6) | 0.96x | 0.00 | 0.00 |" \
        in text
    assert "| task | 90 | 2 | 76.2 ns (75.1-78.5) | 84.0 ns (82.7-86.5) | 1.10x | 1.10 | 1.10 |" in text
    assert "on a machine with 2 cores" in text
    assert ("On 2 threads value_task_source stays at 0 allocs/op at every hit ratio (0, 90, 100 %; at most 2e-06 "
            "measured), and its time per operation is 1.30-1.32x the single-thread figure (of its 3 hit ratios, "
            "3 significantly higher and 0 significantly lower); pooled_value_task stays at 0 allocs/op") in text
    assert ("0.96-0.97x the single-thread figure (of its 3 hit ratios, 0 significantly higher and 3 "
            "significantly lower)") in text


def test_concurrency_says_when_a_pooled_form_allocates_or_nothing_ran(tmp_path: Path) -> None:
    entries = (cache_entries("pooled_value_task", 0, [50.0, 51.0, 52.0, 53.0, 54.0], 0.0)
               + cache_entries("pooled_value_task", 0, [40.0, 41.0, 42.0, 43.0, 44.0], 1.0, scenario="cache_lookup_mt")
               + cache_entries("pooled_value_task", 100, [9.0], 0.0, scenario="cache_lookup_mt"))
    text = text_of(concurrency.section(made_up_run(tmp_path / "a", entries)))
    assert "| pooled_value_task | 100 | 2 | absent | 9.0 ns (9.0-9.0) | - | absent | 0.00 |" in text
    assert ("On 2 threads pooled_value_task does not stay at 0 allocs/op: 1.00 at 0 %, and its time per operation "
            "is 0.81-0.81x the single-thread figure (of its 1 hit ratios, 0 significantly higher and 1 "
            "significantly lower).") in text
    task_only = made_up_run(tmp_path / "b", cache_entries("task", 0, [50.0], 1.0, scenario="cache_lookup_mt"))
    assert "Neither value_task_source nor pooled_value_task ran on several threads" in \
        text_of(concurrency.section(task_only))
    absent = text_of(concurrency.section(made_up_run(tmp_path / "c", cache_entries("task", 0, [5.0], 1.0))))
    assert absent.endswith("The run lacks cache_lookup_mt (int payload, async db) in gcc-glibc.\n")


def test_multi_await_table_on_the_fixture_and_its_chart(run_copy: Path) -> None:
    run = vtb_results.load_run(run_copy)
    text = text_of(multi_await.section(run))
    assert "| producer | state | 1 awaiter | 4 awaiters | 16 awaiters | allocs/op |" in text
    assert "| via:task | completed | 20.0 | 45.0 | 150.0 | 1.00 |" in text
    assert "| via:as_task | pending | 320.0 | 640.0 | 2000.0 | 2.00 |" in text
    assert "No multi_await chart in charts/ (run scripts/charts.py first)." in text
    (run_copy / "charts").mkdir()
    (run_copy / "charts" / "multi_await.png").write_bytes(b"\x89PNG")
    assert "![multi_await](charts/multi_await.png)" in text_of(multi_await.section(run))
    assert "multi_await" not in text_of(gallery.section(run))


def test_multi_await_shows_an_allocation_range_and_says_when_absent(tmp_path: Path) -> None:
    entries = (repetitions("multi_await/via:task/state:pending/awaiters:2", [10.0], allocs_per_op=1.0)
               + repetitions("multi_await/via:task/state:pending/awaiters:8", [30.0], allocs_per_op=2.0)
               + repetitions("multi_await/via:as_task/state:pending/awaiters:8", [35.0], allocs_per_op=2.0))
    text = text_of(multi_await.section(made_up_run(tmp_path / "a", entries)))
    assert "| via:task | pending | 10.0 | 30.0 | 1.00-2.00 |" in text
    assert "| via:as_task | pending | - | 35.0 | 2.00 |" in text
    absent = text_of(multi_await.section(made_up_run(tmp_path / "b", cache_entries("task", 0, [5.0], 1.0))))
    assert absent.endswith("The run lacks multi_await benchmarks in gcc-glibc.\n")


def test_footprint_shows_the_goroutine_split_and_the_fiber_note(fixture_run: Run) -> None:
    text = text_of(footprint.section(fixture_run))
    assert "| goroutine | go go1.19.8 | - | 2,732 B | - | 100,000 | stack 2,048 B, heap 684 B (measured) |" in text
    assert "| fiber | every configuration | 8 B | 131,200 B | 1.00 | 100,000 | its stack comes from operator new and " \
           "is counted in bytes per op; the results do not record the stack size apart |" in text
    assert "| task | every configuration | 8 B | 152 B | 1.00 | 100,000 |  |" in text


def test_footprint_shares_a_row_between_configurations_with_the_same_figures(tmp_path: Path) -> None:
    def entries(task_bytes: float) -> list[dict]:
        return (repetitions("footprint/form:task", [1.0], bytes_per_op=task_bytes, allocs_per_op=1.0, ops=10.0)
                + repetitions("footprint/form:std_future", [1.0], bytes_per_op=72.0, allocs_per_op=2.0, ops=10.0))
    text = text_of(footprint.section(made_up_run(tmp_path, entries(128.0), clang=entries(112.0))))
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| form")]
    assert rows == ["| task | gcc-glibc | - | 128 B | 1.00 | 10 |  |",
                    "| task | clang-glibc | - | 112 B | 1.00 | 10 |  |",
                    "| std_future | every configuration | - | 72 B | 2.00 | 10 |  |"]


def test_footprint_shows_extra_counters_and_says_when_absent(tmp_path: Path) -> None:
    entries = repetitions("footprint/form:fiber", [1.0], bytes_per_op=1024.0, allocs_per_op=1.0, ops=10.0,
                          handle_sizeof=8.0, stack_bytes=1024.0)
    goroutine = {"available": True, "bytes_per_goroutine": 2731.5}
    text = text_of(footprint.section(made_up_run(tmp_path / "a", entries, goroutine=goroutine)))
    assert "| fiber | every configuration | 8 B | 1,024 B | 1.00 | 10 | stack_bytes 1,024 |" in text
    assert "| goroutine | go (version not recorded) | - | 2,732 B | - | - | no stack/heap split recorded |" in text
    bare = made_up_run(tmp_path / "b", cache_entries("task", 0, [5.0], 1.0),
                       goroutine={"available": False, "reason": "go not found"})
    assert text_of(footprint.section(bare)).endswith(
        "The run has no footprint benchmarks and no measured goroutine (goroutine.json).\n")


def test_misuse_table_renders_every_rule_and_every_form(run_copy: Path) -> None:
    shutil.copy(FIXTURES / "misuse.json", run_copy / "misuse.json")
    table = json.loads((FIXTURES / "misuse.json").read_text())
    text = text_of(misuse.section(vtb_results.load_run(run_copy)))
    columns = [form["name"] for form in table["forms"]]
    assert "| rule | claim | description | " + " | ".join(columns) + " |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| rule ")]
    assert [line.split(" | ")[0][2:] for line in rows] == [rule["rule"] for rule in table["rules"]]
    assert all(line.count(" | ") == 2 + len(columns) for line in rows)
    stale = next(line for line in rows if line.startswith("| stale_token |"))
    assert "| - | - | - | detected (vtb::invalid_operation): stale token 0 (current version 1) | - |" in stale
    assert "| allowed: both awaits returned 42, 42 | detected (vtb::invalid_operation): vtb::ValueTask consumed " \
           "twice |" in text
    assert "undetected: undefined behaviour (unchecked design; not run)" in text
    assert "detected (std::future_error): Promise already satisfied" in text
    assert "- source_core: vtb::ManualResetValueTaskSourceCore<int> used directly" in text
    assert "- value_task_inline (value task): vtb::ValueTask<int> holding its value" in text


def test_misuse_columns_are_the_files_forms_in_order_and_absent_says_so(tmp_path: Path) -> None:
    forms = [{"name": "value_task_source", "type": "a pooled source", "value_task": True},
             {"name": "task", "type": "vtb::Task<int>", "value_task": False}]
    rules = [{"rule": "await_twice", "results": {"task": {"outcome": "allowed", "message": ""},
                                                 "value_task_source": {"outcome": "undetected", "message": ""}}}]
    text = text_of(misuse.section(made_up_run(tmp_path / "a", cache_entries("task", 0, [1.0], 1.0),
                                              misuse={"forms": forms, "rules": rules})))
    assert "| rule | claim | description | value_task_source | task |" in text
    assert "| await_twice | - |  | undetected | allowed |" in text
    assert "- value_task_source (value task): a pooled source\n- task: vtb::Task<int>" in text
    absent = text_of(misuse.section(made_up_run(tmp_path / "b", cache_entries("task", 0, [1.0], 1.0))))
    assert absent.endswith("The run has no misuse.json (scenarios/vtb_misuse_table writes it).\n\n"
                           "### What .NET 10 does with the same misuse\n\n"
                           "Not measured (the run has no dotnet/ directory).\n")


@pytest.mark.parametrize("message, short", [
    ("std::future_error: No associated state", "No associated state"),
    ("vtb::Task: awaited an empty Task (default-constructed or moved from)",
     "awaited an empty Task (default-constructed or moved from)"),
    ("vtb::ValueTask consumed twice: it was already awaited; a ValueTask may be awaited at most once",
     "vtb::ValueTask consumed twice"),
    ("undefined behaviour (unchecked design; not run)", "undefined behaviour (unchecked design; not run)"),
    ("completed twice; an operation takes one result", "completed twice"),
    ("is_completed() was true on a completed instance (result() returned 42) and false on a pending one "
     "(its await returned 42)",
     "is_completed() was true on a completed instance (result() returned 42) and…"),
])
def test_short_message_keeps_the_gist(message: str, short: str) -> None:
    assert misuse.short_message(message) == short
    assert len(misuse.short_message(message)) <= misuse.MISUSE_MESSAGE_LIMIT
