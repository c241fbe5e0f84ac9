"""Bad input to every script: a one-line error naming the file (and the benchmark, and what is wrong
with it), a non-zero exit, no traceback, and nothing half-written left behind."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest
from conftest import FIXTURE_RUN, FIXTURES, repetitions, run_script, vocabulary_context

TASK_90 = "cache_lookup/impl:task/payload:int/db:async/hit:90"
VALUE_TASK_100 = "cache_lookup/impl:value_task/payload:int/db:async/hit:100"


def missing_directory(run_dir: Path) -> Path:
    return run_dir.parent / "no-such-run"


def empty_bench_file(run_dir: Path) -> Path:
    path = run_dir / "bench" / "gcc-mimalloc.json"
    path.write_text("")
    return path


def malformed_bench_file(run_dir: Path) -> Path:
    path = run_dir / "bench" / "clang-glibc.json"
    path.write_text('{"context": {}, "benchmarks": [{"name": "cache_lookup/impl:task"')
    return path


def missing_configuration(run_dir: Path) -> Path:
    path = run_dir / "bench" / "gcc-mimalloc.json"
    path.unlink()
    return path


def malformed_meta(run_dir: Path) -> Path:
    path = run_dir / "meta.json"
    path.write_text("{\"run_id\": ")
    return path


def malformed_optional_file(run_dir: Path) -> Path:
    path = run_dir / "heaptrack.json"
    path.write_text(json.dumps({"tolerance": 0.02, "rows": [{"benchmark": "x"}]}))
    return path


def invalid_utf8_bench_file(run_dir: Path) -> Path:
    """printf '\\xff' >> bench/gcc-glibc.json (was a UnicodeDecodeError traceback)."""
    path = run_dir / "bench" / "gcc-glibc.json"
    with path.open("ab") as handle:
        handle.write(b"\xff")
    return path


def deeply_nested_meta(run_dir: Path) -> Path:
    """JSON nested deeper than Python's recursion limit (was a RecursionError traceback)."""
    path = run_dir / "meta.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    return path


def nested_optional_file(run_dir: Path) -> Path:
    path = run_dir / "goroutine.json"
    path.write_text('{"available": ' + "[" * 100_000)
    return path


def truncated_gzip_bench_file(run_dir: Path) -> Path:
    """A bench file in the committed form (scripts/pack_reference.py: NAME.json.gz), cut short."""
    plain = run_dir / "bench" / "gcc-glibc.json"
    path = plain.with_name(plain.name + ".gz")
    path.write_bytes(gzip.compress(plain.read_bytes())[:-100])
    plain.unlink()
    return path


def bench_file_stored_twice(run_dir: Path) -> Path:
    """NAME.json beside NAME.json.gz: neither is preferred silently."""
    plain = run_dir / "bench" / "gcc-mimalloc.json"
    plain.with_name(plain.name + ".gz").write_bytes(gzip.compress(plain.read_bytes()))
    return plain


BREAKAGES: list[Callable[[Path], Path]] = [missing_directory, empty_bench_file, malformed_bench_file,
                                           missing_configuration, malformed_meta, malformed_optional_file,
                                           invalid_utf8_bench_file, deeply_nested_meta, nested_optional_file,
                                           truncated_gzip_bench_file, bench_file_stored_twice]


def files_under(directory: Path) -> set[Path]:
    return {path for path in directory.rglob("*")} if directory.exists() else set()


def assert_one_line_error(finished: subprocess.CompletedProcess, prog: str, named: Path) -> None:
    assert finished.returncode == 1, finished
    assert "Traceback" not in finished.stderr
    lines = finished.stderr.splitlines()
    assert len(lines) == 1, finished.stderr
    assert lines[0].startswith(f"{prog}: error: {named}"), lines[0]


# What compare does not read: the optional files (it compares benchmark times), nor does it need the
# vocabulary (it compares runs of older versions too, ordered by name: test_compare.py).
NOT_READ_BY_COMPARE = {"malformed_optional_file", "nested_optional_file", "no_vocabulary", "nan_goroutine_bytes",
                       "nan_callgrind_figure"}


def script_cases(cases: list[Any], name: Callable[[Any], str]) -> list[Any]:
    """(script, case) for report.py and charts.py, and for compare where compare reads what the case breaks."""
    return [pytest.param(script, case, id=f"{script}-{name(case)}") for case in cases
            for script in ("report.py", "charts.py", "compare")
            if script != "compare" or name(case) not in NOT_READ_BY_COMPARE]


@pytest.mark.parametrize("script, breakage", script_cases(BREAKAGES, lambda breakage: breakage.__name__))
def test_bad_run_directory(script: str, breakage: Callable[[Path], Path], run_copy: Path) -> None:
    named = breakage(run_copy)
    run_dir = run_copy if named != missing_directory(run_copy) else named
    before = files_under(run_copy)
    arguments = [run_dir, FIXTURE_RUN] if script == "compare" else [run_dir]
    finished = run_script(script, *arguments)
    assert_one_line_error(finished, script, named)
    assert files_under(run_copy) == before


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))  # json.dumps writes NaN and Infinity literals, as Google Benchmark does


def entry(document: dict[str, Any], name: str, repetition: int = 0) -> dict[str, Any]:
    return next(e for e in document["benchmarks"] if e["name"] == name and e["repetition_index"] == repetition)


def counted(name: str) -> str:
    return f"{name}/iterations:2000"


# (file of the run, what is done to it, the message after '<prog>: error: <run>/')
BAD_FIGURES = {
    "nan_allocs_per_op": ("counts/gcc-glibc.json",
                          lambda d: entry(d, counted(VALUE_TASK_100)).update(allocs_per_op=float("nan")),
                          f"counts/gcc-glibc.json: {counted(VALUE_TASK_100)}: repetition 0: 'allocs_per_op' is NaN"),
    "nan_real_time": ("bench/gcc-glibc.json", lambda d: entry(d, TASK_90, 2).update(real_time=float("nan")),
                      f"bench/gcc-glibc.json: {TASK_90}: repetition 2: 'real_time' is NaN"),
    "infinite_counter": ("counts/gcc-glibc.json",
                         lambda d: entry(d, counted(VALUE_TASK_100)).update(bytes_per_op=float("inf")),
                         f"counts/gcc-glibc.json: {counted(VALUE_TASK_100)}: repetition 0: 'bytes_per_op' is infinite"),
    "negative_real_time": ("bench/gcc-glibc.json", lambda d: entry(d, TASK_90, 1).update(real_time=-76.2),
                           f"bench/gcc-glibc.json: {TASK_90}: repetition 1: 'real_time' is negative (-76.2)"),
    "negative_counter": ("counts/gcc-glibc.json",
                         lambda d: entry(d, counted(VALUE_TASK_100)).update(allocs_per_op=-1.0),
                         f"counts/gcc-glibc.json: {counted(VALUE_TASK_100)}: repetition 0: 'allocs_per_op' is "
                         f"negative (-1)"),
    # Was "The run lacks cache_lookup value_task at hit:100": the benchmark is there; say what is wrong with it.
    "counter_missing_from_a_repetition": (
        "bench/gcc-glibc.json",
        lambda d: [entry(d, TASK_90, index).update(calibration_ns=1000.0) for index in (0, 1, 2, 4)],
        f"bench/gcc-glibc.json: {TASK_90}: repetition 3 has no calibration_ns"),
    "counter_as_a_string": ("counts/gcc-glibc.json",
                            lambda d: entry(d, counted(VALUE_TASK_100)).update(allocs_per_op="0.0"),
                            f"counts/gcc-glibc.json: {counted(VALUE_TASK_100)}: repetition 0: 'allocs_per_op' is a "
                            f"string, not a number"),
    "failed_benchmark": ("counts/gcc-glibc.json",
                         lambda d: entry(d, counted(VALUE_TASK_100)).update(error_occurred=True,
                                                                            error_message="pool exhausted"),
                         f"counts/gcc-glibc.json: {counted(VALUE_TASK_100)}: failed: pool exhausted"),
    # vtbench --hit=50,50 used to register a benchmark twice: refused, not double-counted.
    "duplicated_entry": ("bench/gcc-glibc.json", lambda d: d["benchmarks"].append(dict(entry(d, TASK_90, 4))),
                         f"bench/gcc-glibc.json: {TASK_90}: repetition 4 is listed twice (the same benchmark "
                         f"registered twice?)"),
    "no_vocabulary": ("bench/clang-glibc.json", lambda d: d["context"].pop("vtb_vocabulary"),
                      "bench/clang-glibc.json: its context has no vtb_vocabulary: not written by this version of "
                      "vtbench"),
    "nan_goroutine_bytes": ("goroutine.json", lambda d: d.update(bytes_per_goroutine=float("nan")),
                            "goroutine.json: the top level: 'bytes_per_goroutine' is NaN"),
    "nan_callgrind_figure": ("callgrind.json", lambda d: d["rows"][0].update(instructions_per_op=float("nan")),
                             "callgrind.json: row 0: 'instructions_per_op' is NaN"),
}


@pytest.mark.parametrize("script, case", script_cases(list(BAD_FIGURES), str))
def test_bad_figures_and_entries_name_the_file_and_the_benchmark(script: str, case: str, run_copy: Path) -> None:
    file, change, message = BAD_FIGURES[case]
    edit(run_copy / file, change)
    before = files_under(run_copy)
    finished = run_script(script, *([run_copy, FIXTURE_RUN] if script == "compare" else [run_copy]))
    assert finished.returncode == 1, finished
    assert finished.stderr == f"{script}: error: {run_copy}/{message}\n"
    assert files_under(run_copy) == before


def write_file(path: Path, entries: list[dict[str, Any]], context: dict[str, Any] | None = None) -> Path:
    path.write_text(json.dumps({"context": context or {}, "benchmarks": entries}))
    return path


def test_compare_refuses_nan_in_a_single_file_instead_of_hiding_its_row(tmp_path: Path) -> None:
    good = write_file(tmp_path / "a.json", repetitions("x/k:1", [1.0, 2.0]) + repetitions("x/k:2", [1.0, 2.0]))
    bad_entries = repetitions("x/k:1", [1.0, 2.0]) + repetitions("x/k:2", [1.0, float("nan")])
    bad = write_file(tmp_path / "b.json", bad_entries, vocabulary_context())
    finished = run_script("compare", good, bad)
    assert (finished.returncode, finished.stderr) == (1, f"compare: error: {bad}: x/k:2: repetition 1: 'real_time' "
                                                         f"is NaN\n")
    lacking = repetitions("x/k:1", [1.0, 2.0, 3.0, 4.0], allocs_per_op=1.0)
    del lacking[3]["allocs_per_op"]
    finished = run_script("compare", good, write_file(tmp_path / "c.json", lacking))
    assert finished.stderr == f"compare: error: {tmp_path / 'c.json'}: x/k:1: repetition 3 has no allocs_per_op\n"


@pytest.mark.parametrize("damage, message", [
    (lambda path: path.write_bytes(path.read_bytes() + b"\xff"), "not UTF-8 text (byte 0xff at offset {size})"),
    (lambda path: path.write_text("[" * 100_000), "JSON nested too deeply to read"),
    (lambda path: edit(path, lambda d: d["Benchmarks"][0]["Statistics"].update(Median=float("nan"))),
     "benchmark Vtbench.Benchmarks.CacheLookupInt.Sync(HitPercent: 0) Statistics: 'Median' is NaN"),
])
def test_bad_dotnet_files(tmp_path: Path, damage: Callable[[Path], None], message: str) -> None:
    dotnet = tmp_path / "dotnet"
    shutil.copytree(FIXTURES / "dotnet" / "run", dotnet)
    path = dotnet / "bdn" / "results" / "Vtbench.Benchmarks.CacheLookupInt-report-full.json"
    size = path.stat().st_size
    damage(path)
    expected = f"{path}: {message.format(size=size)}"
    finished = run_script("dotnet_results.py", dotnet)
    assert (finished.returncode, finished.stderr) == (1, f"dotnet_results.py: error: {expected}\n")
    run_dir = tmp_path / "run"
    shutil.copytree(FIXTURE_RUN, run_dir)
    shutil.move(dotnet, run_dir / "dotnet")
    finished = run_script("report.py", run_dir)
    in_run = expected.replace(str(dotnet), str(run_dir / "dotnet"))
    assert (finished.returncode, finished.stderr) == (1, f"report.py: error: {in_run}\n")
    assert not (run_dir / "REPORT.md").exists()


def test_write_meta_refuses_a_bench_file_that_is_not_utf8(run_copy: Path) -> None:
    (run_copy / "meta.json").unlink()
    path = run_copy / "bench" / "gcc-glibc.json"
    path.write_bytes(b"\xff" + path.read_bytes())
    finished = run_script("write_meta.py", run_copy, "--run-id", "r", "--command", "c", "--started",
                          "2026-11-26T01:02:03Z", "--finished", "2026-11-26T01:03:50Z", "--git-revision", "g",
                          "--repetitions", "5", "--min-time", "0.05", "--pinned-core", "1", "--dotnet", "no-sdk",
                          "--counting-iterations", "2000", "--configurations", "gcc-glibc")
    assert (finished.returncode, finished.stderr) == (1, f"write_meta.py: error: {path}: not UTF-8 text (byte 0xff "
                                                         f"at offset 0)\n")
    assert not (run_copy / "meta.json").exists()


@pytest.mark.parametrize("arguments, named", [
    (["{missing}", "--binary", "/bin/true"], "{missing}"),
    (["{run}", "--binary", "{run}/no-such-vtbench"], "{run}/no-such-vtbench"),
    (["{run}", "--binary", "{run}/meta.json"], "{run}/meta.json"),
])
def test_heaptrack_check_bad_paths(arguments: list[str], named: str, run_copy: Path) -> None:
    fill = {"missing": run_copy.parent / "no-such-run", "run": run_copy}
    before = files_under(run_copy)
    finished = run_script("heaptrack_check.py", *[argument.format(**fill) for argument in arguments])
    assert_one_line_error(finished, "heaptrack_check.py", Path(named.format(**fill)))
    assert files_under(run_copy) == before


# What pack_reference.py does not refuse: it parses every JSON file and has the loader read both passes,
# but checks no optional file's shape (report.py does, from the packed copy as from the plain one).
NOT_READ_BY_PACK = {"malformed_optional_file"}


def not_a_run(run_dir: Path, out_dir: Path) -> Path:
    (run_dir / "meta.json").unlink()
    return run_dir


def malformed_bdn_export(run_dir: Path, out_dir: Path) -> Path:
    shutil.copytree(FIXTURES / "dotnet" / "run", run_dir / "dotnet")
    path = run_dir / "dotnet" / "bdn" / "results" / "Vtbench.Benchmarks.Factory-report-full.json"
    path.write_text('{"Benchmarks": [')
    return path


def file_without_a_rule(run_dir: Path, out_dir: Path) -> Path:
    path = run_dir / "bench" / ".gcc-glibc.json.1234.tmp"  # what an unfinished run leaves
    path.write_text("{}")
    return path


def missing_out_parent(run_dir: Path, out_dir: Path) -> Path:
    out_dir.parent.rmdir()
    return out_dir.parent


PACK_BREAKAGES = [pytest.param(lambda run_dir, out_dir, breakage=breakage: breakage(run_dir), id=breakage.__name__)
                  for breakage in BREAKAGES if breakage.__name__ not in NOT_READ_BY_PACK] + \
                 [pytest.param(breakage, id=breakage.__name__)
                  for breakage in (not_a_run, malformed_bdn_export, file_without_a_rule, missing_out_parent)]


@pytest.mark.parametrize("breakage", PACK_BREAKAGES)
def test_pack_reference_refuses_a_bad_run_and_writes_nothing(breakage: Callable[[Path, Path], Path], run_copy: Path,
                                                            tmp_path: Path) -> None:
    out_dir = tmp_path / "results" / "reference"
    out_dir.parent.mkdir()
    named = breakage(run_copy, out_dir)
    run_dir = run_copy if named != missing_directory(run_copy) else named
    before = files_under(run_copy)
    assert_one_line_error(run_script("pack_reference.py", run_dir, out_dir), "pack_reference.py", named)
    assert files_under(run_copy) == before
    assert not out_dir.parent.exists() or list(out_dir.parent.iterdir()) == []  # no pack, no temporary sibling


@pytest.mark.parametrize("out, message", [
    ("{tmp}/reference", "OUT_DIR {tmp}/reference: exists and is not empty (--replace replaces it)"),
    ("{run}/packed", "OUT_DIR {run}/packed and RUN_DIR {run} overlap"),
    ("{run}", "OUT_DIR {run} and RUN_DIR {run} overlap"),
    ("{run}/meta.json", "OUT_DIR {run}/meta.json and RUN_DIR {run} overlap"),
    ("{tmp}/file", "OUT_DIR {tmp}/file: not a directory"),
])
def test_pack_reference_refuses_an_out_dir_it_must_not_write(out: str, message: str, run_copy: Path,
                                                              tmp_path: Path) -> None:
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "REPORT.md").write_text("the committed one\n")
    (tmp_path / "file").write_text("")
    before = files_under(tmp_path)
    finished = run_script("pack_reference.py", run_copy, out.format(tmp=tmp_path, run=run_copy))
    expected = message.format(tmp=tmp_path, run=run_copy)
    assert (finished.returncode, finished.stderr) == (2, f"pack_reference.py: error: {expected} (see --help)\n")
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("script, arguments", [
    ("charts.py", []),
    ("charts.py", ["{run}", "--bogus"]),
    ("report.py", ["{run}", "{run}"]),
    ("heaptrack_check.py", ["{run}"]),
    ("heaptrack_check.py", ["{run}", "--binary", "/bin/true", "--iterations", "0"]),
    ("heaptrack_check.py", ["{run}", "--binary", "/bin/true", "--tolerance", "-1"]),
    ("heaptrack_check.py", ["{run}", "--binary", "/bin/true", "--tolerance", "inf"]),
    ("compare", ["{run}"]),
    ("compare", ["{run}", "{run}", "--threshold", "-5"]),
    # --threshold=nan used to hide every change and exit 0: no change compares >= nan.
    ("compare", ["{run}", "{run}", "--threshold=nan"]),
    ("compare", ["{run}", "{run}", "--threshold=inf"]),
    ("compare", ["{run}", "{run}", "--alpha=nan"]),
    ("callgrind_check.py", ["{run}", "--binary", "/bin/true", "--tolerance=nan"]),
    ("write_meta.py", ["{run}"]),
    ("pack_reference.py", ["{run}"]),
    ("pack_reference.py", ["{run}", "/tmp/out", "--bogus"]),
])
def test_bad_arguments_exit_2_with_one_line(script: str, arguments: list[str]) -> None:
    finished = run_script(script, *[argument.format(run=FIXTURE_RUN) for argument in arguments])
    assert finished.returncode == 2, finished
    assert len(finished.stderr.splitlines()) == 1, finished.stderr
    assert finished.stderr.startswith(f"{script}: error: ") and finished.stderr.rstrip().endswith("(see --help)")


@pytest.mark.parametrize("script", ["charts.py", "report.py", "heaptrack_check.py", "callgrind_check.py", "compare",
                                    "write_meta.py", "dotnet_results.py", "pack_reference.py"])
def test_help(script: str) -> None:
    finished = run_script(script, "--help")
    assert finished.returncode == 0 and finished.stdout.startswith(f"usage: {script}")
