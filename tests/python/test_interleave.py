"""Tests of scripts/interleave.py with a stand-in benchmark binary: the rounds' shuffled order,
what each process is given and records, and bad input (one line, nothing left behind)."""

from __future__ import annotations

import json
import os
import stat
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import PYTHON, SCRIPTS, run_script

sys.path.insert(0, str(SCRIPTS))
import interleave  # noqa: E402

# Writes Google Benchmark-shaped JSON: one benchmark, one repetition per --benchmark_repetitions, the
# context from --benchmark_context; its arguments are appended to $FAKE_LOG, its own path to
# $FAKE_LOG.binary. FAKE_FAIL=<side> fails.
FAKE_BINARY = f"""#!{PYTHON}
import json, os, sys
flags = dict(arg.split("=", 1) for arg in sys.argv[1:] if arg.startswith("--benchmark_") and "=" in arg)
context = dict(pair.split("=", 1) for pair in flags["--benchmark_context"].split(","))
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
with open(os.environ["FAKE_LOG"] + ".binary", "a") as log:
    log.write(sys.argv[0] + "\\n")
with open(os.environ["FAKE_LOG"] + ".preload", "a") as log:
    log.write(json.dumps([context["vtb_side"], os.environ.get("LD_PRELOAD")]) + "\\n")
if os.environ.get("FAKE_FAIL") == context["vtb_side"]:
    sys.exit("fake: simulated failure")
entries = [{{"name": "x/k:1", "run_name": "x/k:1", "run_type": "iteration", "repetitions": 1,
            "repetition_index": index, "threads": 1, "iterations": 10, "real_time": 100.0 + index,
            "cpu_time": 100.0, "time_unit": "ns"}} for index in range(int(flags["--benchmark_repetitions"]))]
json.dump({{"context": context, "benchmarks": entries}}, open(flags["--benchmark_out"], "w"))
"""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    binary = tmp_path / "fake_bench"
    binary.write_text(FAKE_BINARY)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log"))
    return binary


def test_round_orders_are_seeded_shuffles() -> None:
    orders = interleave.round_orders(["A", "B"], 20, seed=5)
    assert orders == interleave.round_orders(["A", "B"], 20, seed=5)
    assert all(sorted(order) == ["A", "B"] for order in orders)
    assert {tuple(order) for order in orders} == {("A", "B"), ("B", "A")}  # both orders occur in 20 rounds


def test_every_round_runs_one_process_per_side_into_its_file(fake: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    finished = run_script("interleave.py", "--out", out, "--side", f"A={fake}", "--side", f"B={fake}",
                          "--rounds", "3", "--repetitions", "2", "--seed", "7", "--", "--impl=sync", env=os.environ)
    assert finished.returncode == 0, finished.stderr
    orders = interleave.round_orders(["A", "B"], 3, seed=7)
    for label in ("A", "B"):
        assert sorted(p.name for p in (out / label).iterdir()) == ["round-01.json", "round-02.json", "round-03.json"]
        for round_index in (1, 2, 3):
            document = json.loads((out / label / f"round-{round_index:02d}.json").read_text())
            assert document["context"] == {"vtb_side": label, "vtb_round": str(round_index),
                                           "vtb_position": str(orders[round_index - 1].index(label) + 1),
                                           "vtb_seed": "7"}
            assert len(document["benchmarks"]) == 2
    calls = [json.loads(line) for line in (tmp_path / "log").read_text().splitlines()]
    assert len(calls) == 6 and all("--benchmark_repetitions=2" in call for call in calls)
    assert [dict(pair.split("=") for pair in call[-1].split("=", 1)[1].split(","))["vtb_side"] for call in calls] == \
        [label for order in orders for label in order]
    assert all(call[0] == "--impl=sync" and "--benchmark_enable_random_interleaving=true" in call for call in calls)
    compared = run_script("compare", out / "A", out / "B")
    assert compared.returncode == 0, compared.stderr
    assert "Note: 3 processes on one side; a verdict needs 4 or more a side." in compared.stdout


def test_every_process_runs_a_fresh_copy_of_its_binary_removed_after_it(fake: Path, tmp_path: Path) -> None:
    finished = run_script("interleave.py", "--out", tmp_path / "out", "--side", f"A={fake}", "--side", f"B={fake}",
                          "--rounds", "2", "--", "--impl=sync", env=os.environ)
    assert finished.returncode == 0, finished.stderr
    ran = [Path(line) for line in (tmp_path / "log.binary").read_text().splitlines()]
    assert len(ran) == 4 and len(set(ran)) == 4  # four processes, four copies
    assert all(path != fake and path.name == fake.name and path.parent.name.startswith("vtb-process-")
               for path in ran)
    assert not any(path.parent.exists() for path in ran)


def test_a_failing_process_names_its_side_and_leaves_nothing(fake: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    finished = run_script("interleave.py", "--out", out, "--side", f"A={fake}", "--side", f"B={fake}",
                          "--rounds", "2", env={**os.environ, "FAKE_FAIL": "B"})
    assert finished.returncode == 1
    assert finished.stderr.splitlines()[-1].startswith("interleave.py: error: round 1, side B (")
    assert finished.stderr.splitlines()[-1].endswith("exited with status 1: fake: simulated failure")
    assert not out.exists()


@pytest.mark.parametrize("arguments, message", [
    (["--side", "A=/no/such/binary", "--side", "B=/no/such/binary"],
     "interleave.py: error: --side A: /no/such/binary is not an executable file (see --help)"),
    (["--side", "A=FAKE"], "interleave.py: error: give two or more --side options, got 1 (see --help)"),
    (["--side", "A=FAKE", "--side", "B=FAKE", "--side", "A=FAKE"],
     "interleave.py: error: two sides have the same label 'A' (see --help)"),
    (["--side", "A=FAKE", "--side", "B=FAKE", "--side-flag", "C=--allocator=glibc"],
     "interleave.py: error: --side-flag 'C=--allocator=glibc': no --side is labelled 'C' (see --help)"),
    (["--side", "A=FAKE", "--side", "B=FAKE", "--preload", "B=/no/such/library.so"],
     "interleave.py: error: --preload 'B=/no/such/library.so': /no/such/library.so is not a file (see --help)"),
    (["--side", "A=FAKE", "--side", "B=FAKE", "--preload", "B"],
     "interleave.py: error: --preload 'B': expected LABEL=LIBRARY (see --help)"),
    (["--side", "A", "--side", "B=FAKE"], "interleave.py: error: --side 'A': expected LABEL=BINARY (see --help)"),
    (["--side", "A=FAKE", "--side", "B=FAKE", "--rounds", "1"],
     "interleave.py: error: --rounds must be at least 2: a process-level test needs several processes a side "
     "(see --help)"),
])
def test_bad_input_is_one_line(fake: Path, tmp_path: Path, arguments: list[str], message: str) -> None:
    out = tmp_path / "out"
    finished = run_script("interleave.py", "--out", out, *[a.replace("FAKE", str(fake)) for a in arguments])
    assert finished.returncode == 2
    assert finished.stderr.strip().splitlines()[-1] == message
    assert not out.exists()


def test_an_out_directory_that_is_not_empty_is_refused(fake: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep").write_text("x")
    finished = run_script("interleave.py", "--out", tmp_path / "out", "--side", f"A={fake}", "--side", f"B={fake}")
    assert finished.returncode == 2 and "exists and is not empty" in finished.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep"]


# A side without --preload runs without the LD_PRELOAD interleave.py itself was given.
def test_each_side_gets_its_own_flags_and_preload(fake: Path, tmp_path: Path) -> None:
    library = Path("/usr/lib") / sysconfig.get_config_var("MULTIARCH") / "libc.so.6"  # harmless to preload
    out = tmp_path / "out"
    finished = run_script("interleave.py", "--out", out, "--side", f"glibc={fake}", "--side", f"other={fake}",
                          "--side", f"third={fake}", "--side-flag", "other=--allocator=other",
                          "--side-flag", "other=--second", "--preload", f"other={library}", "--rounds", "2",
                          "--seed", "3", "--", "--impl=sync", env={**os.environ, "LD_PRELOAD": str(library)})
    assert finished.returncode == 0, finished.stderr
    assert all(len(list((out / label).iterdir())) == 2 for label in ("glibc", "other", "third"))
    calls = [json.loads(line) for line in (tmp_path / "log").read_text().splitlines()]
    preloads = [json.loads(line) for line in (tmp_path / "log.preload").read_text().splitlines()]
    assert len(calls) == 6
    for call, (side, preload) in zip(calls, preloads):
        if side == "other":
            assert call[:3] == ["--allocator=other", "--second", "--impl=sync"] and preload == str(library)
        else:
            assert call[0] == "--impl=sync" and preload is None
