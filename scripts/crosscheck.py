"""What the two N/2N cross-checks (heaptrack_check.py, callgrind_check.py) share: the
binary's vocabulary (`<binary> --list`), the one benchmark they run at a time (a Subject:
cache_lookup with the int payload and the async db, or one the binary lists; glibc:
LD_PRELOAD removed), the per-operation arithmetic that
cancels the start-up cost, and their --impl and --hit selections, resolved against the
binary's vocabulary."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from json_input import ResultsError, parse_json_text
from script_io import UsageError
from vocabulary import Vocabulary, parse_vocabulary

HitSelection = str | tuple[int, ...]  # a sweep name of the vocabulary, or hit percentages


def cache_lookup_name(impl: str, hit: int, payload: str = "int", db: str = "async") -> str:
    """The cache_lookup benchmark name without Google Benchmark's /iterations:N suffix."""
    return f"cache_lookup/impl:{impl}/payload:{payload}/db:{db}/hit:{hit}"


@dataclass(frozen=True)
class Subject:
    """One benchmark to measure: its name without Google Benchmark's /iterations:N suffix, and the
    vtbench flags (besides the filter) that register it."""
    name: str
    flags: tuple[str, ...] = ()

    def arguments(self, iterations: int, json_out: Path) -> list[str]:
        """vtbench flags that run exactly this benchmark, `iterations` times, once."""
        return [*self.flags, f"--iterations={iterations}", f"--benchmark_filter=^{re.escape(self.name)}(/|$)",
                f"--benchmark_out={json_out}", "--benchmark_out_format=json"]


def cache_lookup_subject(impl: str, hit: int) -> Subject:
    """cache_lookup with the int payload and the async database."""
    return Subject(cache_lookup_name(impl, hit), (f"--impl={impl}", f"--hit={hit}", "--payload=int", "--db=async"))


def per_op_between_runs(count_n: int, count_2n: int, iterations: int) -> float:
    """A count per iteration from runs of N and 2N iterations: the constant start-up part cancels."""
    return (count_2n - count_n) / iterations


def environment_without_preload() -> dict[str, str]:
    """This process's environment minus LD_PRELOAD, so a measured binary runs on glibc's malloc."""
    return {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}


def last_line(text: str) -> str:
    """The last non-blank line of a program's stderr (what it said before failing), or 'no message'."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def executable(binary: Path) -> Path:
    """The binary's absolute path ('vtbench' alone would be looked up on PATH), once it is an executable."""
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise ResultsError(f"{binary}: no such executable")
    return binary.absolute()


def binary_vocabulary(binary: Path) -> Vocabulary:
    """What `<binary> --list` publishes: the vocabulary the check's defaults come from."""
    finished = subprocess.run([str(binary), "--list"], env=environment_without_preload(), capture_output=True,
                              text=True, errors="replace")
    source = f"{binary} --list"
    if finished.returncode != 0:
        raise ResultsError(f"{source}: exited with status {finished.returncode}: {last_line(finished.stderr)}")
    if not finished.stdout.strip():
        raise ResultsError(f"{source}: printed nothing")
    return parse_vocabulary(parse_json_text(finished.stdout, source), source)


def name_list(text: str) -> list[str]:
    """argparse type: 'a,b' -> ['a', 'b']."""
    names = text.split(",")
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated implementation names, got {text!r}")
    return names


def hit_selection(text: str) -> HitSelection:
    """argparse type: a sweep name of the binary's vocabulary ('ends'), or '0,90,100': integers 0..100,
    none twice."""
    if text.isidentifier():
        return text
    try:
        hits = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a sweep name or comma-separated integers 0..100, "
                                         f"got {text!r}") from None
    if not all(0 <= hit <= 100 for hit in hits) or len(set(hits)) != len(hits):
        raise argparse.ArgumentTypeError(f"expected distinct integers 0..100, got {text!r}")
    return hits


def selected_implementations(requested: list[str] | None, vocabulary: Vocabulary) -> list[str]:
    """--impl's names (each once; one the binary does not list is a usage error), or every implementation the
    binary lists, in its order."""
    names = vocabulary.implementation_names()
    if requested is None:
        return list(names)
    unknown = [name for name in requested if name not in names]
    if unknown:
        raise UsageError(f"--impl: {', '.join(unknown)} not in {vocabulary.source} ({', '.join(names)})")
    return list(dict.fromkeys(requested))


def selected_hits(selection: HitSelection, vocabulary: Vocabulary) -> tuple[int, ...]:
    """The hit percentages of --hit's selection; a sweep the binary does not list is a usage error."""
    if isinstance(selection, tuple):
        return selection
    if selection not in vocabulary.hit_percent_sweeps:
        raise UsageError(f"--hit: no sweep {selection!r} in {vocabulary.source} "
                         f"({', '.join(vocabulary.hit_percent_sweeps)})")
    return vocabulary.sweep(selection)
