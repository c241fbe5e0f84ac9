"""Copy a finished vtbench run into the form committed as results/reference/: the raw JSON
the loaders read, gzipped; the files the report and the README show, as they are; nothing
that no script reads.

    ./run_all.sh --out /tmp/ref && /usr/bin/python3 scripts/pack_reference.py /tmp/ref results/reference --replace

Every file of RUN_DIR falls under one rule (RULES, below) or the run is refused:
  gzipped  bench/, counts/, unchecked/, aa/<side>/ and allocators/<compiler>/<allocator>/
           (Google Benchmark JSON), service/<config>/ (vtbench_service's JSON) and
           BenchmarkDotNet's *-report-full.json and machine_state.json under dotnet/ become NAME.json.gz:
           deterministic gzip (level 9, mtime 0, no file name in the header), so packing
           the same run twice gives the same bytes and `gunzip` gives back the original
           file (a Google Benchmark one still readable by its tools/compare.py);
  copied   REPORT.md, meta.json, the top-level JSON (cross-checks, misuse, goroutine),
           dotnet/'s small JSON, service/not-measured.txt and service/server.json, and
           charts/*.png, byte for byte;
  dropped  charts/*.svg (REPORT.md and the README embed the PNGs), BenchmarkDotNet's
           logs and its *-report-github.md tables (no script reads them).
A file already gzipped (a packed run packed again) is decompressed and packed the same way.
The loaders (scripts/json_input.py) read both forms, so report.py, charts.py and
scripts/compare read the packed run as they read the plain one.

RUN_DIR must be a run the loader reads (meta.json and both passes of every configuration
it lists) and every JSON file in it must parse. OUT_DIR must not exist or be empty, unless
--replace: then the pack is written beside it and swapped in by two renames, the old
directory removed afterwards. Bad input is one line naming what is wrong, a non-zero exit,
and OUT_DIR left as it was.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from dotnet_results import (
    BDN_DIRECTORY, BDN_RESULTS_DIRECTORY, FULL_EXPORT_PATTERN, MACHINE_STATE_STEM, RUNTIME_ASYNC_DIRECTORY,
)
from json_input import (
    COMPRESSED_SUFFIX, PLAIN_SUFFIX, ResultsError, is_compressed, json_stem, parse_json_bytes, read_json_bytes,
)
from process_runs import AA_DIRECTORY, ALLOCATORS_DIRECTORY
from service_results import NOT_MEASURED_FILE, SERVER_FACTS_FILE, SERVICE_DIRECTORY
from script_io import ScriptArgumentParser, UsageError, current_umask, run_main
from vtb_results import COUNTING_DIRECTORY, DOTNET_DIRECTORY, TIMING_DIRECTORY, UNCHECKED_DIRECTORY, load_passes

PROG = "pack_reference.py"
COMPRESS_LEVEL = 9

GZIP, COPY, DROP = "gzip", "copy", "drop"
_BDN_RESULTS = [f"{DOTNET_DIRECTORY}/{BDN_DIRECTORY}/{BDN_RESULTS_DIRECTORY}",
                f"{DOTNET_DIRECTORY}/{RUNTIME_ASYNC_DIRECTORY}/{BDN_DIRECTORY}/{BDN_RESULTS_DIRECTORY}"]
_BDN_LOGS = [f"{DOTNET_DIRECTORY}/{BDN_DIRECTORY}", f"{DOTNET_DIRECTORY}/{RUNTIME_ASYNC_DIRECTORY}/{BDN_DIRECTORY}"]
# (action, pattern): a pattern matches a path relative to RUN_DIR part by part (fnmatch per part, as
# many parts). A gzip pattern names the plain file and matches NAME.json.gz too; the first rule that
# matches decides.
RULES: tuple[tuple[str, str], ...] = (
    *[(GZIP, f"{directory}/*{PLAIN_SUFFIX}") for directory in (TIMING_DIRECTORY, COUNTING_DIRECTORY,
                                                              UNCHECKED_DIRECTORY, f"{AA_DIRECTORY}/*",
                                                              f"{ALLOCATORS_DIRECTORY}/*/*", f"{SERVICE_DIRECTORY}/*")],
    *[(GZIP, f"{directory}/{FULL_EXPORT_PATTERN}{PLAIN_SUFFIX}") for directory in _BDN_RESULTS],
    *[(GZIP, f"{directory}/{MACHINE_STATE_STEM}{PLAIN_SUFFIX}") for directory in _BDN_LOGS],
    (COPY, "REPORT.md"),
    (COPY, f"*{PLAIN_SUFFIX}"),
    (COPY, "charts/*.png"),
    (COPY, f"{DOTNET_DIRECTORY}/*{PLAIN_SUFFIX}"),
    (COPY, f"{DOTNET_DIRECTORY}/{RUNTIME_ASYNC_DIRECTORY}/meta{PLAIN_SUFFIX}"),
    (COPY, f"{SERVICE_DIRECTORY}/{NOT_MEASURED_FILE}"),
    (COPY, f"{SERVICE_DIRECTORY}/{SERVER_FACTS_FILE}"),
    (DROP, "charts/*.svg"),
    *[(DROP, f"{directory}/*.log") for directory in _BDN_LOGS],
    *[(DROP, f"{directory}/*-report-github.md") for directory in _BDN_RESULTS],
)


@dataclass(frozen=True)
class Entry:
    """One file of RUN_DIR: where it goes in OUT_DIR (None when dropped) and the rule that decided it."""

    source: Path
    relative: PurePosixPath
    action: str
    pattern: str

    @property
    def target(self) -> PurePosixPath:
        if self.action == GZIP:
            return self.relative.with_name(json_stem(self.relative) + COMPRESSED_SUFFIX)
        return self.relative


def matches(relative: PurePosixPath, pattern: str) -> bool:
    parts = PurePosixPath(pattern).parts
    return len(parts) == len(relative.parts) and all(map(fnmatchcase, relative.parts, parts))


def rule_of(relative: PurePosixPath) -> tuple[str, str] | None:
    """The (action, pattern) of the first rule that matches, or None."""
    plain = relative.with_name(json_stem(relative) + PLAIN_SUFFIX) if is_compressed(relative) else relative
    for action, pattern in RULES:
        if matches(plain, pattern) and (action == GZIP or plain == relative):
            return action, pattern
    return None


def classify(run_dir: Path) -> list[Entry]:
    """Every file of RUN_DIR with its rule, in path order; ResultsError naming the first file no rule covers."""
    entries = []
    for source in sorted(path for path in run_dir.rglob("*") if not path.is_dir()):
        relative = PurePosixPath(source.relative_to(run_dir).as_posix())
        rule = rule_of(relative)
        if rule is None:
            raise ResultsError(f"{source}: no rule of {PROG} covers this file (add one to RULES, or remove it)")
        entries.append(Entry(source, relative, *rule))
    targets = Counter(entry.target for entry in entries if entry.action != DROP)
    for entry in entries:
        if targets[entry.target] > 1:
            raise ResultsError(f"{entry.source}: stored twice (as .json and .json.gz): keep one form")
    return entries


def gzip_bytes(raw: bytes) -> bytes:
    """Deterministic gzip: no file name, mtime 0, COMPRESS_LEVEL (the same bytes for the same input and zlib)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=COMPRESS_LEVEL, mtime=0) as handle:
        handle.write(raw)
    return buffer.getvalue()


def packed_bytes(entry: Entry) -> bytes:
    """What OUT_DIR holds for a kept file; its JSON parsed first, so that unreadable JSON is refused."""
    if entry.action == GZIP or entry.relative.suffix == PLAIN_SUFFIX:
        raw = read_json_bytes(entry.source)
        parse_json_bytes(raw, entry.source)
        return gzip_bytes(raw) if entry.action == GZIP else raw
    try:
        return entry.source.read_bytes()
    except OSError as exc:
        raise ResultsError(f"{entry.source}: cannot read ({exc.strerror})") from None


def write_pack(entries: list[Entry], directory: Path) -> None:
    for entry in entries:
        if entry.action != DROP:
            target = directory / entry.target
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(packed_bytes(entry))


def check_paths(run_dir: Path, out_dir: Path, replace: bool) -> None:
    if not run_dir.is_dir():
        raise ResultsError(f"{run_dir}: no such run directory")
    if not (run_dir / "meta.json").is_file():
        raise ResultsError(f"{run_dir}: not a run directory (no meta.json)")
    source, target = run_dir.resolve(), out_dir.resolve()
    if source == target or source in target.parents or target in source.parents:
        raise UsageError(f"OUT_DIR {out_dir} and RUN_DIR {run_dir} overlap")
    if not out_dir.parent.is_dir():
        raise ResultsError(f"{out_dir.parent}: no such directory (OUT_DIR's parent)")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"OUT_DIR {out_dir}: not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not replace:
        raise UsageError(f"OUT_DIR {out_dir}: exists and is not empty (--replace replaces it)")


def swap_in(packed: Path, out_dir: Path) -> None:
    """Put the finished pack at out_dir: one rename onto a missing or empty directory, else two (the old
    directory aside, the pack in; the old one back if the second fails), then the old one removed."""
    if not out_dir.exists() or not any(out_dir.iterdir()):
        os.replace(packed, out_dir)
        return
    old = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.", suffix=".old"))
    os.replace(out_dir, old)  # onto the empty directory mkdtemp made
    try:
        os.replace(packed, out_dir)
    except BaseException:
        os.replace(old, out_dir)
        raise
    shutil.rmtree(old)


def pack(run_dir: Path, out_dir: Path, replace: bool = False) -> list[Entry]:
    """Pack RUN_DIR into OUT_DIR (module docstring); the entries, dropped ones included."""
    check_paths(run_dir, out_dir, replace)
    load_passes(run_dir)  # a run the loader reads, or one line naming what is wrong
    entries = classify(run_dir)
    packed = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.", suffix=".tmp"))
    try:
        os.chmod(packed, 0o777 & ~current_umask())  # mkdtemp's is 0700
        write_pack(entries, packed)
        swap_in(packed, out_dir)
    except BaseException:
        shutil.rmtree(packed, ignore_errors=True)
        raise
    return entries


def tree_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def summary(entries: list[Entry], run_dir: Path, out_dir: Path) -> str:
    actions = Counter(entry.action for entry in entries)
    dropped = Counter(entry.pattern for entry in entries if entry.action == DROP)
    dropped_text = ", ".join(f"{count} {pattern}" for pattern, count in dropped.items()) or "none"
    return (f"{PROG}: {run_dir} -> {out_dir}: {actions[GZIP]} JSON files gzipped, {actions[COPY]} copied, "
            f"{actions[DROP]} dropped ({dropped_text}); {tree_bytes(run_dir) / 1e6:.1f} MB -> "
            f"{tree_bytes(out_dir) / 1e6:.1f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a finished run (./run_all.sh --out RUN_DIR)")
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="the packed copy to write (results/reference)")
    parser.add_argument("--replace", action="store_true", help="replace OUT_DIR when it exists and is not empty")
    args = parser.parse_args(argv)

    def body() -> int:
        entries = pack(args.run_dir, args.out_dir, args.replace)
        print(summary(entries, args.run_dir, args.out_dir))
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
