"""Tests of the committed reference run's form (scripts/pack_reference.py) and of reading it: packing
is deterministic and gunzip gives back the original files, the pack keeps what the readers read, the
loader, REPORT.md, dotnet_results and scripts/compare give the same on the packed and the plain form
of one run, and --replace swaps the pack in. Bad input is in test_bad_input.py."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_RUN, FIXTURES, add_aa, run_script, service_run, write_allocator_comparison, write_service

import pack_reference
import vtb_results
from json_input import ResultsError, json_files, stored_json_path
from reporting.document import build_report
from script_io import current_umask

GZIPPED = {"bench/gcc-glibc.json", "bench/clang-glibc.json", "bench/gcc-mimalloc.json", "counts/gcc-glibc.json",
           "counts/clang-glibc.json", "counts/gcc-mimalloc.json", "unchecked/gcc-glibc.json",
           *[f"aa/{side}/round-{index:02d}.json" for side in "AB" for index in range(1, 11)],
           *[f"allocators/gcc/{allocator}/round-{index:02d}.json" for allocator in ("glibc", "mimalloc")
             for index in range(1, 5)],
           *[f"dotnet/bdn/results/Vtbench.Benchmarks.{name}-report-full.json"
             for name in ("CacheLookupInt", "CacheLookupString", "CopyCost", "DriverInt", "Factory", "Suspension")],
           *[f"dotnet/runtime-async/bdn/results/Vtbench.Benchmarks.{name}-report-full.json"
             for name in ("CacheLookupInt", "DriverInt", "Suspension")],
           "dotnet/bdn/machine_state.json", "dotnet/runtime-async/bdn/machine_state.json",
           "service/gcc-glibc/service.json", "service/gcc-glibc/service-counting.json"}
COPIED = {"REPORT.md", "meta.json", "callgrind.json", "goroutine.json", "heaptrack.json", "misuse.json",
          "charts/latency.png", "dotnet/meta.json", "dotnet/misuse.json", "dotnet/footprint.json",
          "dotnet/runtime-async/meta.json"}
DROPPED = {"charts/latency.svg", "dotnet/bdn/bdn.log", "dotnet/runtime-async/bdn/bdn-factory-copy.log",
           "dotnet/bdn/results/Vtbench.Benchmarks.CacheLookupInt-report-github.md"}


PROCESS_TIMES = (9.0, 9.5, 10.0, 9.2)  # the allocator comparison's four processes a side


def full_run(directory: Path) -> Path:
    """The fixture run with every kind of file a full run writes: unchecked/, aa/, allocators/, dotnet/ (with
    BenchmarkDotNet's logs and Markdown tables), service/, misuse.json, a chart in both formats and REPORT.md."""
    shutil.copytree(FIXTURE_RUN, directory)
    add_aa(directory)
    write_allocator_comparison(directory, "gcc", {
        allocator: {f"cache_lookup/impl:{impl}/payload:int/db:async/hit:0": [time * factor for time in PROCESS_TIMES]
                    for impl in ("sync", "task")} for allocator, factor in (("glibc", 1.0), ("mimalloc", 0.8))})
    unchecked = json.loads((directory / "bench" / "gcc-glibc.json").read_text())
    unchecked["context"]["vtb_misuse_checks"] = "off"
    (directory / "unchecked").mkdir()
    (directory / "unchecked" / "gcc-glibc.json").write_text(json.dumps(unchecked, indent=2))
    shutil.copytree(FIXTURES / "dotnet" / "run", directory / "dotnet")
    write_service(directory, [service_run(impl, hit, [900.0, 1000.0, 1100.0]) for impl in ("task", "value_task")
                              for hit in (0, 99.9)])
    shutil.copy(FIXTURES / "misuse.json", directory / "misuse.json")
    (directory / "charts").mkdir()
    (directory / "charts" / "latency.png").write_bytes(b"\x89PNG\r\n\x1a\n not a real chart")
    for name in DROPPED - {"charts/latency.svg"}:
        (directory / name).write_text("not read by any script\n")
    (directory / "charts" / "latency.svg").write_text("<svg/>\n")
    (directory / "REPORT.md").write_text(build_report(vtb_results.load_run(directory)))
    return directory


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    return full_run(tmp_path / "plain")


def files_of(directory: Path) -> dict[str, bytes]:
    return {path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def test_packing_twice_gives_the_same_bytes_and_gunzip_the_original_files(plain: Path, tmp_path: Path) -> None:
    pack_reference.pack(plain, tmp_path / "first")
    pack_reference.pack(plain, tmp_path / "second")
    first = files_of(tmp_path / "first")
    assert first == files_of(tmp_path / "second")
    original = files_of(plain)
    for name, content in first.items():
        if name.endswith(".json.gz"):
            assert gzip.decompress(content) == original[name.removesuffix(".gz")], name
            # header: no file name (FLG 0), mtime 0, then XFL 2 (level 9) and OS 255 (unknown)
            assert content[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff", name
        else:
            assert content == original[name], name


def test_the_pack_gzips_what_the_loaders_read_copies_what_the_report_shows_and_drops_the_rest(
        plain: Path, tmp_path: Path) -> None:
    assert set(files_of(plain)) == GZIPPED | COPIED | DROPPED  # the fixture has every kind of file
    entries = pack_reference.pack(plain, tmp_path / "packed")
    assert set(files_of(tmp_path / "packed")) == {name + ".gz" for name in GZIPPED} | COPIED
    assert {entry.relative.as_posix() for entry in entries if entry.action == pack_reference.DROP} == DROPPED


def test_the_readers_give_the_same_on_the_packed_and_the_plain_form(plain: Path, tmp_path: Path) -> None:
    packed = tmp_path / "packed"
    pack_reference.pack(plain, packed)
    before, after = vtb_results.load_run(plain), vtb_results.load_run(packed)
    assert after.configs["gcc-glibc"].path == packed / "bench" / "gcc-glibc.json.gz"
    assert list(after.configs) == list(before.configs) == ["gcc-glibc", "clang-glibc", "gcc-mimalloc"]
    for name, bench_file in before.configs.items():
        assert after.configs[name].benchmarks == bench_file.benchmarks
    assert list(after.unchecked) == ["gcc-glibc"]
    assert after.unchecked["gcc-glibc"].benchmarks == before.unchecked["gcc-glibc"].benchmarks
    assert before.aa is not None and after.aa is not None
    assert [side.benchmarks for side in after.aa] == [side.benchmarks for side in before.aa]
    assert before.dotnet is not None and after.dotnet is not None and after.dotnet.rows == before.dotnet.rows
    assert {row.build for row in after.dotnet.rows} == {"default", "runtime_async"}
    assert after.service is not None and before.service is not None
    assert after.service.configs["gcc-glibc"].points == before.service.configs["gcc-glibc"].points
    assert build_report(after) == build_report(before) == (plain / "REPORT.md").read_text()


@pytest.mark.parametrize("side_a, side_b", [("", ""), ("aa/A", "aa/B"), ("bench/gcc-glibc.json", "bench/clang-glibc.json")],
                         ids=["run-directories", "process-directories", "single-files"])
def test_compare_prints_the_same_for_both_forms(plain: Path, tmp_path: Path, side_a: str, side_b: str) -> None:
    packed = tmp_path / "packed"
    pack_reference.pack(plain, packed)

    def output(run: Path) -> str:
        a, b = (stored_json_path(run / Path(side).parent, Path(side).stem) if side.endswith(".json") else run / side
                for side in (side_a, side_b))
        finished = run_script("compare", a, b, "--labels", "A", "B")
        assert finished.returncode == 0, finished.stderr
        return finished.stdout
    assert output(packed) == output(plain)
    assert "cache_lookup/impl:task/payload:int/db:async/hit:90 " in output(plain)


def test_a_pack_of_a_pack_is_the_same_pack(plain: Path, tmp_path: Path) -> None:
    pack_reference.pack(plain, tmp_path / "once")
    pack_reference.pack(tmp_path / "once", tmp_path / "twice")
    assert files_of(tmp_path / "twice") == files_of(tmp_path / "once")


def test_replace_swaps_the_new_pack_in_and_leaves_nothing_beside_it(plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "results" / "reference"
    out.mkdir(parents=True)
    finished = run_script("pack_reference.py", plain, out)
    assert finished.returncode == 0, finished.stderr  # an empty OUT_DIR is filled
    assert finished.stdout.startswith(f"pack_reference.py: {plain} -> {out}: {len(GZIPPED)} JSON files gzipped, "
                                      f"{len(COPIED)} copied, {len(DROPPED)} dropped (1 charts/*.svg, ")
    (out / "stale.txt").write_text("from the previous regeneration\n")
    (plain / "meta.json").write_text((plain / "meta.json").read_text().replace("3f2a9c1", "0000000"))
    finished = run_script("pack_reference.py", plain, out, "--replace")
    assert finished.returncode == 0, finished.stderr
    pack_reference.pack(plain, tmp_path / "fresh")
    assert files_of(out) == files_of(tmp_path / "fresh")
    assert b"0000000" in (out / "meta.json").read_bytes()
    assert sorted(path.name for path in out.parent.iterdir()) == ["reference"]
    assert out.stat().st_mode & 0o777 == 0o777 & ~current_umask()  # not mkdtemp's 0700


def test_the_two_forms_are_found_by_one_name_and_refused_when_both_exist(tmp_path: Path) -> None:
    for name in ("b.json", "a.json.gz", "c.json", "c.txt"):
        (tmp_path / name).write_text("{}")
    assert [path.name for path in json_files(tmp_path)] == ["a.json.gz", "b.json", "c.json"]
    assert stored_json_path(tmp_path, "a") == tmp_path / "a.json.gz"
    assert stored_json_path(tmp_path, "b") == tmp_path / "b.json"
    assert stored_json_path(tmp_path, "none") == tmp_path / "none.json"
    (tmp_path / "b.json.gz").write_text("{}")
    with pytest.raises(ResultsError, match=r"b\.json: stored twice \(also as b\.json\.gz\): keep one form"):
        json_files(tmp_path)
    with pytest.raises(ResultsError, match=r"b\.json: stored twice"):
        stored_json_path(tmp_path, "b")


def test_a_run_without_postgres_keeps_its_reason(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(FIXTURE_RUN, run)
    (run / "service").mkdir()
    (run / "service" / "not-measured.txt").write_text("no PostgreSQL (initdb not found)\n")
    pack_reference.pack(run, tmp_path / "packed")
    assert (tmp_path / "packed" / "service" / "not-measured.txt").read_text() == "no PostgreSQL (initdb not found)\n"
    assert vtb_results.load_run(tmp_path / "packed").service.not_measured == "no PostgreSQL (initdb not found)"
