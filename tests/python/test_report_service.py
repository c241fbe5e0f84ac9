"""Tests of REPORT.md's service section (reporting/service.py, reporting/service_figures.py): the tables
per loop and load, C10's verdict in the service from synthetic runs, and what it says when the service
was not measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cache_entries, service_run, write_run, write_service

import vtb_results
from json_input import ResultsError
from reporting import service
from reporting.document import build_report
from reporting.service_figures import gains
from vtb_results import Run

HITS = (0, 50, 90, 99, 99.9, 100)
SPREAD = (0.99, 1.0, 1.01, 0.995, 1.005)   # five repetitions: the U test's smallest p is 0.0079
ENTRIES = cache_entries("task", 0, [10.0, 11.0], 1.0) + cache_entries("value_task", 0, [10.0, 11.0], 1.0)


def base_rate(hit: float) -> float:
    return 20_000 + 100 * hit


def from_on(hit: float) -> set[float]:
    return {each for each in HITS if each >= hit}


def service_of(tmp_path: Path, faster_at: set[float], clients: tuple[int, ...] = (16,),
               spread: tuple[float, ...] = SPREAD) -> Run:
    """task and value_task over HITS; value_task's throughput 1.1x task's at the hit ratios `faster_at`, else the
    same repetitions as task's."""
    runs = []
    for count in clients:
        for hit in HITS:
            faster = hit in faster_at
            runs.append(service_run("task", hit, [base_rate(hit) * f for f in spread], clients=count,
                                    client_cpu=400.0))
            runs.append(service_run("value_task", hit, [base_rate(hit) * (1.1 if faster else 1.0) * f
                                                        for f in reversed(spread)], clients=count,
                                    client_cpu=400.0 - hit))
    run = write_run(tmp_path / "run", {"gcc-glibc": ENTRIES})
    write_service(run, runs, allocs={"task": 1.0})
    return vtb_results.load_run(run)


def c10_lines(run: Run) -> list[str]:
    return [line for line in service.section(run) if line.startswith("- ")]


def test_a_gain_from_90_percent_on_is_found_and_quoted_at_99_and_99_9(tmp_path: Path) -> None:
    run = service_of(tmp_path, faster_at=from_on(90))
    assert c10_lines(run) == [
        "- value_task against task (1 worker, 16 clients): throughput significantly higher from 90 % hits on; "
        "throughput +10.0 % at 99 % (p 0.0079), +10.0 % at 99.9 % (p 0.0079)."]
    (gain,) = gains(run, run.service.configs["gcc-glibc"])
    assert gain.significant_from == 90 and gain.lower_at == () and gain.p_values[50] == 1.0


def test_no_difference_is_not_significant_at_any_hit_ratio(tmp_path: Path) -> None:
    assert c10_lines(service_of(tmp_path, faster_at=set())) == [
        "- value_task against task (1 worker, 16 clients): throughput gain not significant at any hit ratio measured "
        "(0, 50, 90, 99, 99.9, 100 %); throughput +0.0 % at 99 % (p 1.0000), +0.0 % at 99.9 % (p 1.0000)."]


def test_a_gain_only_at_the_top_is_from_there_and_an_isolated_one_below_does_not_count(tmp_path: Path) -> None:
    run = service_of(tmp_path, faster_at={50, 100})
    assert "throughput significantly higher from 100 % hits; throughput +0.0 % at 99 %" in c10_lines(run)[0]


def test_too_few_repetitions_for_the_u_test_are_said_so(tmp_path: Path) -> None:
    (line,) = c10_lines(service_of(tmp_path, faster_at=from_on(90), spread=SPREAD[:3]))
    assert "not significant at any hit ratio measured (0, 50, 90, 99, 99.9, 100 %) (with these repetitions the " \
           "U test cannot give p below 0.1); throughput +10.0 % at 99 % (p 0.1000)" in line


def test_every_c10_load_is_judged_16_clients_first(tmp_path: Path) -> None:
    lines = c10_lines(service_of(tmp_path, faster_at=from_on(90), clients=(1, 16, 64)))
    assert [line.split(":")[0] for line in lines] == [
        f"- value_task against task (1 worker, {clients} client{'s' * (clients != 1)})" for clients in (16, 1, 64)]


def test_the_table_has_each_run_against_task_with_its_counts(tmp_path: Path) -> None:
    lines = service.section(service_of(tmp_path, faster_at=from_on(90)))
    assert "### Closed loop, 1 worker x 16 clients per worker" in lines
    assert ("| 99 | value_task | 32,890 (32,561-33,219) | 1.100x | 0.0079 | 1.20 us | 0.00 | 301 | 10 | 0.0100 | "
            "0.0100 |") in lines
    assert "| 99 | task | 29,900 (29,601-30,199) | - | - | 1.20 us | 1.00 | 400 | 10 | 0.0100 | 0.0100 |" in lines
    assert any(line.startswith("Not run in the service: sync; task_from_result; value_task_coroutine") and
               "std_future (a std::future is waited for by blocking its thread" in line for line in lines)
    assert lines[lines.index("Miss latency: not measured (the run has no sync run at 0 % hits on 1 worker x 1 "
                             "client, or no pgbench figures).") + 1] == ""


def test_an_open_loop_is_tabled_at_its_target_rate(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", {"gcc-glibc": ENTRIES})
    closed = [service_run(impl, 90, [10000.0 * f for f in SPREAD]) for impl in ("task", "value_task")]
    write_service(run, closed + [service_run(impl, 90, [9000.0 * f for f in SPREAD], loop="open", target_rate=9000.0,
                                             p50_ns=p50) for impl, p50 in (("task", 400.0), ("value_task", 300.0))])
    lines = service.section(vtb_results.load_run(run))
    title = "### Open loop (latency from each request's intended send time), 1 worker x 16 clients per worker"
    table = lines[lines.index(title) + 2:]
    assert table[0].startswith("| hit % | implementation | target/s | requests/s (min-max) |")
    assert table[3] == "| 90 | value_task | 9,000 | 9,000 (8,910-9,090) | 1.000x | 1.0000 | 1.20 us | 0.00 | 300 | 10 " \
                       "| 0.1000 | 0.1000 |"


def test_not_measured_says_why_and_the_report_goes_on(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", {"gcc-glibc": ENTRIES})
    (run_dir / "service").mkdir()
    (run_dir / "service" / "not-measured.txt").write_text("no PostgreSQL (pg_ctl not found)\n")
    run = vtb_results.load_run(run_dir)
    assert service.section(run) == [f"## {service.TITLE}", "", "Not measured (no PostgreSQL (pg_ctl not found)).", ""]
    assert f"## {service.TITLE}\n\nNot measured (no PostgreSQL (pg_ctl not found)).\n" in build_report(run)


def test_a_run_without_service_says_so(tmp_path: Path) -> None:
    run = vtb_results.load_run(write_run(tmp_path / "run", {"gcc-glibc": ENTRIES}))
    assert service.section(run)[2] == "The run has no service/ directory (it predates the service scenario)."


def test_the_miss_latency_is_quoted_beside_pgbench(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", {"gcc-glibc": ENTRIES})
    meta = json.loads((run_dir / "meta.json").read_text())
    meta["service"] = {"measured": True, "pgbench": {"command": "pgbench -n -M prepared -c 1", "tps": 26000.0,
                                                     "latency_average_ms": 0.038}}
    (run_dir / "meta.json").write_text(json.dumps(meta))
    write_service(run_dir, [service_run("sync", 0, [25_000.0] * 5, clients=1, p50_ns=39_000.0)])
    lines = service.section(vtb_results.load_run(run_dir))
    assert ("Miss latency: one query to the server as the service measures it (sync at 0 % hits, 1 worker x 1 "
            "client, median p50) 39.0 us; pgbench on the same server, one client, prepared: 38.0 us average "
            "(26,000 transactions/s; `pgbench -n -M prepared -c 1`).") in lines


def test_the_dotnet_service_directory_is_not_taken_for_a_cpp_configuration(tmp_path: Path) -> None:
    run = service_of(tmp_path, faster_at=from_on(90))
    (run.directory / "service" / "dotnet").mkdir()
    (run.directory / "service" / "dotnet" / "service.json").write_text("{}")  # not a C# service file either
    with pytest.raises(ResultsError) as raised:
        vtb_results.load_run(run.directory)
    assert "service/dotnet/service.json" in str(raised.value) and "gcc-glibc" not in str(raised.value)
