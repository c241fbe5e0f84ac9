"""Reading the suite's JSON files: the one exception type for bad input (ResultsError), a
loader that turns every way a file can be unreadable into one line naming it, and the
field checks every loader shares.

A figure (a time, a counter, a byte count) is a finite number >= 0: Python's json module
accepts NaN and Infinity literals (Google Benchmark writes them in aggregates), so every
figure a script uses is checked where it is read.

A file is stored in one of two forms: NAME.json, or NAME.json.gz, the same bytes gzipped (the
committed reference run's form, scripts/pack_reference.py). load_json reads both; a reader
that looks a file up by name (stored_json_path) or lists a directory (json_files) finds
either form, and refuses a name stored in both.
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from pathlib import Path
from typing import Any, Callable

MISSING = object()  # the value of an absent key, told apart from JSON null


class ResultsError(Exception):
    """Bad input: the message names the file and what is wrong with it."""


PLAIN_SUFFIX = ".json"
COMPRESSED_SUFFIX = ".json.gz"   # gzip of the plain file's bytes
STORED_SUFFIXES = (PLAIN_SUFFIX, COMPRESSED_SUFFIX)


def is_compressed(path: Path) -> bool:
    return path.name.endswith(COMPRESSED_SUFFIX)


def json_stem(path: Path) -> str:
    """The name without its stored suffix: 'bench/gcc-glibc.json.gz' -> 'gcc-glibc' (as for .json)."""
    for suffix in (COMPRESSED_SUFFIX, PLAIN_SUFFIX):
        if path.name.endswith(suffix):
            return path.name[:-len(suffix)]
    return path.stem


def stored_json_path(directory: Path, stem: str) -> Path:
    """directory/STEM.json or directory/STEM.json.gz, whichever exists (the plain one when neither does,
    so that a 'no such file' names it); ResultsError when both do."""
    plain, compressed = (directory / f"{stem}{suffix}" for suffix in STORED_SUFFIXES)
    if plain.exists() and compressed.exists():
        raise ResultsError(f"{plain}: stored twice (also as {compressed.name}): keep one form")
    return compressed if compressed.exists() else plain


def json_files(directory: Path, pattern: str = "*") -> list[Path]:
    """directory's files PATTERN.json and PATTERN.json.gz, sorted by name without the suffix; ResultsError
    when a name is stored in both forms."""
    by_stem: dict[str, Path] = {}
    for path in [*directory.glob(pattern + PLAIN_SUFFIX), *directory.glob(pattern + COMPRESSED_SUFFIX)]:
        other = by_stem.setdefault(json_stem(path), path)
        if other != path:
            raise ResultsError(f"{other}: stored twice (also as {path.name}): keep one form")
    return [by_stem[stem] for stem in sorted(by_stem)]


def read_json_bytes(path: Path) -> bytes:
    """A stored JSON file's bytes, decompressed when it is NAME.json.gz; ResultsError naming it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read ({exc.strerror})") from None
    if not is_compressed(path):
        return raw
    try:
        return gzip.decompress(raw)
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise ResultsError(f"{path}: not gzip data ({exc})") from None
    except EOFError:
        raise ResultsError(f"{path}: truncated gzip data") from None


def load_json(path: Path) -> Any:
    """The parsed content of a JSON file (UTF-8, a byte-order mark allowed), plain or NAME.json.gz, or
    ResultsError naming it."""
    return parse_json_bytes(read_json_bytes(path), path)


def parse_json_bytes(raw: bytes, path: Path) -> Any:
    """The parsed content of a JSON file's (decompressed) bytes, or ResultsError naming `path`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ResultsError(f"{path}: not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})") from None
    if not text.strip():
        raise ResultsError(f"{path}: empty file")
    return parse_json_text(text, str(path))


def parse_json_text(text: str, source: str) -> Any:
    """json.loads with its failures as ResultsError naming `source`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{source}: malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise ResultsError(f"{source}: JSON nested too deeply to read") from None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def kind_of(value: Any) -> str:
    """What a JSON value is, for a message: 'a string', 'an object', 'null', ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if is_number(value):
        return "a number"
    return {str: "a string", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def number_problem(value: Any) -> str | None:
    """Why `value` is not a finite number, or None when it is one."""
    if not is_number(value):
        return f"is {kind_of(value)}, not a number"
    if math.isnan(value):
        return "is NaN"
    if math.isinf(value):
        return "is infinite"
    return None


def figure_problem(value: Any) -> str | None:
    """Why `value` is not a figure (a finite number >= 0), or None when it is one."""
    problem = number_problem(value)
    if problem is None and value < 0:
        problem = f"is negative ({value:g})"
    return problem


def _kind_problem(wanted: type, name: str) -> Callable[[Any], str | None]:
    def problem(value: Any) -> str | None:
        return None if isinstance(value, wanted) else f"is {kind_of(value)}, not {name}"
    return problem


def _count_problem(value: Any) -> str | None:
    """Why `value` is not an integer >= 0."""
    if not isinstance(value, int) or isinstance(value, bool):
        return f"is {kind_of(value)}, not an integer"
    return f"is negative ({value})" if value < 0 else None


# What require() accepts per kind: each function says why a value is not of that kind.
KIND_PROBLEMS: dict[str, Callable[[Any], str | None]] = {
    "string": _kind_problem(str, "a string"),
    "boolean": _kind_problem(bool, "a boolean"),
    "object": _kind_problem(dict, "an object"),
    "list": _kind_problem(list, "a list"),
    "number": number_problem,
    "figure": figure_problem,
    "count": _count_problem,
}


def require(container: dict[str, Any], key: str, kind: str, path: Path | str, where: str) -> Any:
    """container[key] when it is of the given kind (see KIND_PROBLEMS); otherwise ResultsError
    '<path>: <where>: '<key>' is missing' or '... is NaN', '... is a string, not a number', ..."""
    value = container.get(key, MISSING)
    problem = "is missing" if value is MISSING else KIND_PROBLEMS[kind](value)
    if problem is not None:
        raise ResultsError(f"{path}: {where}: '{key}' {problem}")
    return value


def require_object(data: Any, path: Path | str) -> dict[str, Any]:
    """The top level of a file that must be a JSON object."""
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: the top level is {kind_of(data)}, not a JSON object")
    return data
