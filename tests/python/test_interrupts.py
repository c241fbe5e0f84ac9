"""Tests of scripts/interrupts.py: a SIGINT or SIGTERM is noted, raised as Interrupted only inside
raising() or at check(), once; it kills the registered process groups and is forwarded to the registered
child; one never raised goes on to the previous handler when handled() ends."""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Iterator

import pytest

import interrupts

TIMEOUT = 10  # seconds: a bound on every wait here


@pytest.fixture
def recorded() -> Iterator[list[int]]:
    """SIGINT and SIGTERM recorded by a handler of the test's own (what handled() gives a signal back to)."""
    seen: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, _frame: seen.append(signum))
                for signum in interrupts.SIGNALS}
    try:
        yield seen
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@pytest.mark.parametrize("signum", interrupts.SIGNALS)
def test_inside_raising_a_signal_is_raised_at_once_and_only_once(recorded: list[int], signum: int) -> None:
    with interrupts.handled():
        with pytest.raises(interrupts.Interrupted) as caught:
            with interrupts.raising():
                os.kill(os.getpid(), signum)
                raise AssertionError("not interrupted")
        assert caught.value.signum == signum and str(caught.value) == signal.Signals(signum).name
        os.kill(os.getpid(), signal.SIGTERM)  # a second one is noted only
        interrupts.check()
        assert interrupts.noted() == signum
    assert recorded == []  # raised, so not given back


def test_outside_raising_a_signal_waits_for_check(recorded: list[int]) -> None:
    with interrupts.handled():
        os.kill(os.getpid(), signal.SIGTERM)
        assert interrupts.noted() == signal.SIGTERM  # and nothing raised yet
        with pytest.raises(interrupts.Interrupted):
            interrupts.check()
        interrupts.check()  # once only
    assert recorded == []


def test_a_signal_never_raised_goes_to_the_previous_handler_when_handled_ends(recorded: list[int]) -> None:
    with interrupts.handled():
        os.kill(os.getpid(), signal.SIGINT)
        assert recorded == []
    assert recorded == [signal.SIGINT]


def test_a_noted_signal_raises_on_entering_raising(recorded: list[int]) -> None:
    with interrupts.handled():
        os.kill(os.getpid(), signal.SIGTERM)
        with pytest.raises(interrupts.Interrupted):
            with interrupts.raising():
                raise AssertionError("entered")


@pytest.fixture
def tool_and_child() -> Iterator[tuple[subprocess.Popen, subprocess.Popen]]:
    """A tool in a process group of its own and a plain child, both killed after the test."""
    tool = subprocess.Popen(["sleep", "30"], start_new_session=True)
    child = subprocess.Popen(["sleep", "30"])
    try:
        yield tool, child
    finally:
        for process in (tool, child):
            process.kill()
            process.wait(timeout=TIMEOUT)


def test_a_signal_kills_the_registered_process_group_and_is_forwarded_to_the_child(
        recorded: list[int], tool_and_child: tuple[subprocess.Popen, subprocess.Popen]) -> None:
    tool, child = tool_and_child
    with interrupts.handled():
        with interrupts.cancel_group(tool.pid), interrupts.forward_to(child):
            os.kill(os.getpid(), signal.SIGTERM)
        assert tool.wait(timeout=TIMEOUT) == -signal.SIGKILL
        assert child.wait(timeout=TIMEOUT) == -signal.SIGTERM
        with pytest.raises(interrupts.Interrupted):
            interrupts.check()


def test_a_group_or_child_registered_after_the_signal_gets_it_at_once(
        recorded: list[int], tool_and_child: tuple[subprocess.Popen, subprocess.Popen]) -> None:
    tool, child = tool_and_child
    with interrupts.handled():
        os.kill(os.getpid(), signal.SIGINT)
        with interrupts.cancel_group(tool.pid), interrupts.forward_to(child):
            assert tool.wait(timeout=TIMEOUT) == -signal.SIGKILL
            assert child.wait(timeout=TIMEOUT) == -signal.SIGINT
        with pytest.raises(interrupts.Interrupted):
            interrupts.check()
