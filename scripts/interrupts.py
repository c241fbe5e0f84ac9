"""SIGINT and SIGTERM for code that must clean up what it started: noted when they arrive, acted on
where the code says so, so that no clean-up is cut short by them.

Inside `handled()` (main thread; elsewhere nothing changes) either signal is noted, and at once:
- the process groups registered with `cancel_group` are killed (SIGKILL), so that a tool being
  waited for ends now (pg_server.py runs initdb, pg_ctl and psql each in a group of its own);
- the child registered with `forward_to` gets the same signal (pg_server.py run's command);
- inside `raising()` (the caller's own block) it is raised as Interrupted.
Everywhere else the code calls `check()`, which raises Interrupted for a noted signal, at the points
it chooses: between steps, never inside a clean-up. A signal is raised as Interrupted once; one
noted and never raised is sent again to this process when `handled()` ends, to whatever handled it
before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived (a BaseException, as KeyboardInterrupt is, so `except Exception` lets it by)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class _State:
    noted: int | None = None  # the first signal that arrived
    raised: bool = False  # it has been raised as Interrupted
    raising: bool = False  # inside raising(): raise it at once
    groups: set[int] = field(default_factory=set)  # process groups to kill when it arrives
    child: subprocess.Popen | None = None  # the child to forward it to


_state = _State()


def _arrived(signum: int, _frame: object) -> None:
    state = _state
    if state.noted is None:
        state.noted = signum
    for group in state.groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    if state.child is not None:
        state.child.send_signal(signum)
    if state.raising:
        state.raising = False
        state.raised = True
        raise Interrupted(signum)


def noted() -> int | None:
    """The signal that arrived inside handled(), if one did."""
    return _state.noted


def check() -> None:
    """Raise Interrupted for a signal noted and not raised yet."""
    state = _state
    if state.noted is not None and not state.raised:
        state.raised = True
        state.raising = False
        raise Interrupted(state.noted)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """SIGINT and SIGTERM noted while inside (a fresh state: nothing noted yet)."""
    global _state
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    outer = _state
    _state = state = _State()
    previous = {signum: signal.signal(signum, _arrived) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _state = outer
        if state.noted is not None and not state.raised:
            os.kill(os.getpid(), state.noted)  # to whoever handled it before


@contextlib.contextmanager
def raising() -> Iterator[None]:
    """Inside, a signal (or one noted before) is raised as Interrupted at once."""
    _state.raising = True
    try:
        check()
        yield
    finally:
        _state.raising = False


@contextlib.contextmanager
def cancel_group(group: int) -> Iterator[None]:
    """Inside, a signal kills process group `group` (killed at once if one was noted before)."""
    _state.groups.add(group)
    try:
        if _state.noted is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        yield
    finally:
        _state.groups.discard(group)


@contextlib.contextmanager
def forward_to(child: subprocess.Popen) -> Iterator[None]:
    """Inside, a signal is forwarded to child (at once if one was noted before)."""
    _state.child = child
    try:
        if _state.noted is not None:
            child.send_signal(_state.noted)
        yield
    finally:
        _state.child = None
