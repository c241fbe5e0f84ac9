"""The command-line plumbing every script shares: argparse with one-line usage errors
(exit 2), argument types, the body runner that turns bad input into one line naming it
(exit 1), and atomic writes (a file that exists is complete)."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, Callable

from json_input import ResultsError


class UsageError(Exception):
    """A bad argument found only once the script has read something (e.g. a name the binary does not list):
    exit 2 like argparse's own usage errors."""


class ScriptArgumentParser(argparse.ArgumentParser):
    """argparse with the module docstring kept as written in --help, and a one-line usage error (exit 2)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(**kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        sys.exit(2)


def positive_int(text: str) -> int:
    """argparse type: an integer > 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a finite number >= 0 (not nan, not inf: either would disable a comparison)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def run_main(prog: str, body: Callable[[], int]) -> int:
    """Run a script body; bad input becomes '<prog>: error: <message>' on one line and exit 1, a late usage
    error the same line with '(see --help)' and exit 2."""
    try:
        return body()
    except UsageError as exc:
        sys.stderr.write(f"{prog}: error: {exc} (see --help)\n")
        return 2
    except ResultsError as exc:
        sys.stderr.write(f"{prog}: error: {exc}\n")
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"{prog}: error: {where}{exc.strerror or exc}\n")
    return 1


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temporary file in the same directory, then rename: a file that exists is complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            write(handle)
        os.chmod(handle.name, 0o666 & ~current_umask())
        os.replace(handle.name, path)
    except BaseException:
        os.unlink(handle.name)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
