"""Tests of scripts/write_meta.py: meta.json's fields come from the arguments and the bench
files' contexts (the allocators in the order of the vocabulary they carry), and bad input
gives a one-line error and no meta.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import vocabulary_context

import write_meta
from json_input import ResultsError

GCC_CONTEXT = vocabulary_context(vtb_compiler="gcc", vtb_compiler_version="12.2.0",
                                 vtb_cxx_flags="-O2 -DNDEBUG -std=c++20", vtb_benchmark_library_build="debug")
CLANG_CONTEXT = vocabulary_context(vtb_compiler="clang", vtb_compiler_version="14.0.6",
                                   vtb_cxx_flags="-O2 -DNDEBUG -std=c++20", vtb_benchmark_library_build="release")


def make_run(tmp_path: Path, contexts: dict[str, dict[str, str]]) -> Path:
    bench = tmp_path / "bench"
    bench.mkdir()
    for configuration, context in contexts.items():
        (bench / f"{configuration}.json").write_text(json.dumps({"context": context, "benchmarks": []}))
    return tmp_path


def arguments(run_dir: Path, configurations: str, pinned: str = "1") -> list[str]:
    return [str(run_dir), "--run-id", "20261126-010203-abc1234", "--command", "./run_all.sh --quick", "--quick",
            "--started", "2026-11-26T01:02:03Z", "--finished", "2026-11-26T01:03:50Z", "--git-revision", "abc1234",
            "--repetitions", "2", "--min-time", "0.01", "--pinned-core", pinned, "--counting-iterations", "2000", "--dotnet", "no-sdk",
            "--configurations", configurations]


def test_meta_json_records_the_run_and_what_the_binaries_said(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, {"gcc-tcmalloc": GCC_CONTEXT, "gcc-glibc": GCC_CONTEXT, "clang-mimalloc": CLANG_CONTEXT})
    assert write_meta.main(arguments(run_dir, "gcc-tcmalloc,gcc-glibc,clang-mimalloc")) == 0
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["run_id"] == "20261126-010203-abc1234"
    assert meta["quick"] is True
    assert meta["wall_seconds"] == 107
    assert meta["compilers"] == {"gcc": "12.2.0", "clang": "14.0.6"}
    assert meta["cxx_flags"] == "-O2 -DNDEBUG -std=c++20"
    assert meta["allocators"] == ["glibc", "mimalloc", "tcmalloc"]  # the vocabulary's order
    assert meta["pinned_core"] == 1
    assert meta["configurations"] == ["gcc-tcmalloc", "gcc-glibc", "clang-mimalloc"]
    assert meta["passes"]["timing"] == {"binary": "vtbench", "files": "bench/<configuration>.json", "counting": False,
                                        "repetitions": 2, "min_time": 0.01, "random_interleaving": True}
    assert meta["passes"]["counting"]["iterations"] == 2000
    assert meta["dotnet"] == {"measured": False, "reason": "no .NET SDK (dotnet is not on the PATH)"}


def test_a_measured_dotnet_side_records_its_versions_and_job(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, {"gcc-glibc": GCC_CONTEXT})
    (run_dir / "dotnet").mkdir()
    (run_dir / "dotnet" / "meta.json").write_text(json.dumps(
        {"sdk_version": "10.0.401", "runtime_version": "10.0.12", "benchmarkdotnet_version": "0.15.8",
         "job": {"iteration_count": 9}, "wall_seconds": 110, "os": "ignored"}))
    given = arguments(run_dir, "gcc-glibc")
    given[given.index("--dotnet") + 1] = "measured"
    assert write_meta.main(given) == 0
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["dotnet"] == {"measured": True, "sdk_version": "10.0.401", "runtime_version": "10.0.12",
                              "benchmarkdotnet_version": "0.15.8", "job": {"iteration_count": 9},
                              "wall_seconds": 110}
    assert meta["notes"] == [write_meta.DEBUG_LIBRARY_NOTE]
    assert meta["machine"]["cores"] >= 1
    assert not list(run_dir.glob(".meta.json.*"))


def test_flags_that_differ_by_compiler_are_named_per_compiler_and_no_pinning_is_noted(tmp_path: Path) -> None:
    clang = dict(CLANG_CONTEXT, vtb_cxx_flags="-O2 -fno-elide")
    run_dir = make_run(tmp_path, {"gcc-glibc": GCC_CONTEXT, "clang-glibc": clang})
    assert write_meta.main(arguments(run_dir, "gcc-glibc,clang-glibc", pinned="none")) == 0
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["cxx_flags"] == "gcc: -O2 -DNDEBUG -std=c++20; clang: -O2 -fno-elide"
    assert meta["pinned_core"] is None
    assert any("Not pinned" in note for note in meta["notes"])


@pytest.mark.parametrize("content, expected", [
    (None, "gcc-jemalloc.json: no such file"),
    ("{", "gcc-jemalloc.json: malformed JSON"),
    ("[]", "gcc-jemalloc.json: the top level is a list, not a JSON object"),
    ("{}", "gcc-jemalloc.json: not a Google Benchmark JSON file with a context"),
    ('{"context": {"library_build_type": "debug"}}', "lacks vtb_compiler"),
])
def test_a_missing_or_bad_bench_file_is_a_one_line_error_and_no_meta(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str) -> None:
    run_dir = make_run(tmp_path, {"gcc-glibc": GCC_CONTEXT})
    if content is not None:
        (run_dir / "bench" / "gcc-jemalloc.json").write_text(content)
    assert write_meta.main(arguments(run_dir, "gcc-glibc,gcc-jemalloc")) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and expected in error
    assert not (run_dir / "meta.json").exists()


def test_times_must_be_iso_and_in_order() -> None:
    assert write_meta.parse_utc("2026-11-26T01:02:03Z").isoformat() == "2026-11-26T01:02:03+00:00"
    with pytest.raises(ResultsError, match="not an ISO 8601 time"):
        write_meta.parse_utc("yesterday")


def test_finished_before_started_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = make_run(tmp_path, {"gcc-glibc": GCC_CONTEXT})
    given = arguments(run_dir, "gcc-glibc")
    given[given.index("--finished") + 1] = "2026-11-26T01:00:00Z"
    assert write_meta.main(given) == 1
    assert "is before --started" in capsys.readouterr().err


def test_bad_pinned_core_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        write_meta.parse_arguments(arguments(tmp_path, "gcc-glibc", pinned="first"))
    assert exit_info.value.code == 2


def test_a_bench_file_without_the_vocabulary_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = {key: value for key, value in GCC_CONTEXT.items() if key != "vtb_vocabulary"}
    run_dir = make_run(tmp_path, {"gcc-glibc": old})
    assert write_meta.main(arguments(run_dir, "gcc-glibc")) == 1
    assert capsys.readouterr().err == (f"write_meta.py: error: {run_dir}/bench/gcc-glibc.json: its context has no "
                                       f"vtb_vocabulary: not written by this version of vtbench\n")
    assert not (run_dir / "meta.json").exists()
