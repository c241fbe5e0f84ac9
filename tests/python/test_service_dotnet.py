"""Tests of the C# service files' loader (dotnet_service_results.py) and REPORT.md's "The service on .NET"
(reporting/service_dotnet.py), from synthetic service/dotnet/ files: the side-by-side table, the GC table,
Npgsql's own allocation and C10 per language, and the defects a file can have."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import cache_entries, service_run, write_run, write_service

import vtb_results
from dotnet_service_results import GC_FIELDS
from json_input import ResultsError
from reporting import service_dotnet

SPREAD = (0.99, 1.0, 1.01, 0.995, 1.005)
ENTRIES = cache_entries("task", 0, [10.0, 11.0], 1.0) + cache_entries("value_task", 0, [10.0, 11.0], 1.0)
BYTES = {("task", 0): 740_000.0, ("value_task", 0): 740_000.0, ("task", 100): 72_000.0, ("value_task", 100): 0.0,
         ("bare_query", 0): 628_000.0}


def with_gc(run: dict[str, Any], gen0: float = 0.03) -> dict[str, Any]:
    """A service run with the C# side's GC figures in every repetition."""
    allocated = BYTES[(run["implementation"], run["hit_percent"])]
    for repetition in run["repetitions"]:
        repetition.update({"allocated_bytes_per_1000_requests": allocated,
                           "gen0_collections_per_1000_requests": gen0 if allocated else 0.0,
                           "gen1_collections_per_1000_requests": 0.0, "gen2_collections_per_1000_requests": 0.0,
                           "gc_pause_ns_per_1000_requests": 20_000.0 if allocated else 0.0})
    return run


def dotnet_document(gc_mode: str, faster: float = 1.1) -> dict[str, Any]:
    runs = [with_gc(service_run(impl, hit, [rate * f for f in SPREAD]))
            for hit, rate in ((0, 40_000.0), (100, 11_000_000.0))
            for impl, rate in (("task", rate), ("value_task", rate * (faster if hit == 100 else 1.0)))]
    context = {"program": "Vtbench.Benchmarks service", "counting": False, "payload": "int",
               "dotnet_runtime_version": "10.0.12", "npgsql_version": "10.0.3", "npgsql_multiplexing": True,
               "gc_mode": gc_mode}
    return {"context": context, "runs": runs,
            "bare_query_runs": [with_gc(service_run("bare_query", 0, [45_000.0 * f for f in SPREAD]))]}


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    run = write_run(tmp_path / "run", {"gcc-glibc": ENTRIES})
    write_service(run, [service_run(impl, hit, [rate * f for f in SPREAD])
                        for hit, rate in ((0, 150_000.0), (100, 11_000_000.0))
                        for impl, rate in (("task", rate), ("value_task", rate * (1.5 if hit == 100 else 1.0)))])
    dotnet = run / "service" / "dotnet"
    dotnet.mkdir()
    (dotnet / "service.json").write_text(json.dumps(dotnet_document("workstation")))
    (dotnet / "service-server-gc.json").write_text(json.dumps(dotnet_document("server")))
    return run


def test_the_files_load_by_setting_with_their_gc_medians_and_bare_query(run_dir: Path) -> None:
    files = vtb_results.load_run(run_dir).service_dotnet
    assert [(stem, file.setting) for stem, file in files.items()] == [
        ("service", "workstation GC"), ("service-server-gc", "server GC")]
    (bare,) = files["service"].bare_query_gc.values()
    assert bare["allocated_bytes_per_1000_requests"] == 628_000.0
    task_hit = next(key for key in files["service"].gc if key.implementation == "task" and key.hit_percent == 100)
    assert files["service"].gc[task_hit]["gen0_collections_per_1000_requests"] == 0.03
    assert files["service"].config.counting_path is None


def test_the_section_sets_both_languages_side_by_side_with_the_gc_table_and_npgsqls_own_bytes(run_dir: Path) -> None:
    text = "\n".join(service_dotnet.section(vtb_results.load_run(run_dir)))
    assert "| 100 | value_task | 16,500,000 (16,335,000-16,665,000) | 12,100,000 (11,979,000-12,221,000) |" in text
    assert "| server GC | 100 | task | 72,000 | 0.0300 | 0.0000 | 0.0000 | 20.0 |" in text
    assert "bare_query: the request awaited directly, no cache, workstation GC, 0 % hits): 628.0 B." in text
    assert "| task | 740.0 | +112.0 |" in text
    c10 = [line for line in text.splitlines() if line.startswith("- .NET: value_task against task")]
    assert c10 and "significantly higher from 100 % hits" in c10[0]


def test_a_cpp_only_implementation_has_no_csharp_form_and_a_missing_point_is_not_run(run_dir: Path) -> None:
    shutil.rmtree(run_dir / "service" / "gcc-glibc")
    write_service(run_dir, [service_run(impl, hit, [150_000.0 * f for f in SPREAD])
                            for hit in (0, 100) for impl in ("task", "value_task", "lazy_task")])
    dotnet = json.loads((run_dir / "service" / "dotnet" / "service.json").read_text())
    dotnet["runs"] = [run for run in dotnet["runs"] if (run["implementation"], run["hit_percent"]) != ("task", 100)]
    (run_dir / "service" / "dotnet" / "service.json").write_text(json.dumps(dotnet))
    text = "\n".join(service_dotnet.section(vtb_results.load_run(run_dir)))
    assert "| 0 | lazy_task | 150,000 (148,500-151,500) | no C# form |" in text
    assert "| 100 | task | 150,000 (148,500-151,500) | not run |" in text


def test_without_service_dotnet_the_section_says_not_measured(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", {"gcc-glibc": ENTRIES})
    assert service_dotnet.section(vtb_results.load_run(run))[2].startswith("Not measured")


@pytest.mark.parametrize(("change", "message"), [
    (lambda directory: (directory / "service.json").rename(directory / "service-other.json"),
     "holds service-other, not one of the service files"),
    (lambda directory: (directory / "service.json").unlink(), "no service.json (the C# side's main sweep)"),
    (lambda directory: edit(directory, lambda data: data["context"].update(program="vtbench_service")),
     "written by 'vtbench_service', not 'Vtbench.Benchmarks service'"),
    (lambda directory: edit(directory, lambda data: data["runs"][0]["repetitions"][1].pop(GC_FIELDS[1])),
     "repetition 1: 'gen0_collections_per_1000_requests' is missing"),
    (lambda directory: edit(directory, lambda data: data["runs"][0]["repetitions"][0].update(
        allocated_bytes_per_1000_requests=float("nan"))), "allocated_bytes_per_1000_requests"),
    (lambda directory: edit(directory, lambda data: data["context"].update(gc_mode="server")),
     "its context says gc_mode 'server', but the file's name says workstation GC ('workstation')"),
    (lambda directory: edit(directory, lambda data: data["context"].update(npgsql_multiplexing=False)),
     "its context says npgsql_multiplexing=false, but the file's name says workstation GC"),
])
def test_a_defective_file_is_one_line_naming_it(run_dir: Path, change: Any, message: str) -> None:
    change(run_dir / "service" / "dotnet")
    with pytest.raises(ResultsError) as raised:
        vtb_results.load_run(run_dir)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def edit(directory: Path, change: Any) -> None:
    path = directory / "service.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
