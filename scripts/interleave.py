"""Run the sides of a comparison as alternating processes, so that the machine's drift falls on
every side alike (Kalibera and Jones: repeat at the level where the variation is).

    scripts/interleave.py --out DIR --side A=BINARY --side B=BINARY [--side C=BINARY ...]
                          [--side-flag A=FLAG ...] [--preload A=LIBRARY ...] [--rounds N]
                          [--repetitions R] [--min-time S] [--pin CORE] [--seed N]
                          [-- FLAGS...]

Each of the --rounds rounds starts one process per side (two sides or more), in an order
shuffled anew every round (a seeded shuffle: --seed, or a random seed that is printed and
recorded). Each process is the side's benchmark binary with the side's own --side-flag
flags, then FLAGS (vtbench's selection flags, a --benchmark_filter), --repetitions
interleaved repetitions of --min-time seconds each, under LD_PRELOAD=LIBRARY when the side
has a --preload and with LD_PRELOAD removed otherwise (the allocator comparison: one binary, one side per allocator, each side
given --allocator=NAME so that vtbench checks the allocator it runs under), and writes
Google Benchmark JSON to DIR/<side>/round-NN.json. Every process runs a fresh copy of its side's
binary (copied into a temporary directory for that process and removed after it): the processes of
one binary file share its page-cache pages, so the physical placement of its code is the same in all
of them, and byte-identical copies of one vtbench measured differently as files (pooled_value_task,
string, sync db, 0 % hits: the copy 1.5 %, 2.5 % and 3.0 % faster in three interleaved runs, p 0.017
to 0.0002, while the file against itself called nothing); a fresh copy per process turns that
placement into variation between processes, which the process-level test then sees. A process's
context records the side, the round, its position in the round and the seed (vtb_side, vtb_round,
vtb_position, vtb_seed). `scripts/compare DIR/A DIR/B` then treats each file as one process. The same
binary on both sides is an A/A run. With --pin every process runs under taskset -c CORE.

DIR must be absent or empty; a run that fails or is interrupted removes what it wrote.
Progress goes to stderr.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from crosscheck import environment_without_preload
from json_input import ResultsError
from script_io import ScriptArgumentParser, UsageError, non_negative_float, positive_int, run_main

PROG = "interleave.py"
# 10 processes a side: in an A/A run of 65 cache_lookup benchmarks on this machine, a 10 % slowdown
# injected into one side's copy was found in 64 (7 processes: 52, 5: 46).
DEFAULT_ROUNDS = 10
DEFAULT_REPETITIONS = 3   # a few a process: the variance is between processes, not within
DEFAULT_MIN_TIME = 0.02   # seconds, as the full run's timing pass
SIDE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class SideSpec:
    """One side of the comparison: its label (the directory its processes are written to), its binary,
    the flags only its processes get and the library preloaded into them (None: none)."""

    label: str
    binary: Path
    flags: tuple[str, ...] = ()
    preload: Path | None = None


def labelled(option: str, text: str, what: str) -> tuple[str, str]:
    """'A=VALUE' -> ('A', 'VALUE') for `option`; the label must be a plain file name."""
    label, equals, value = text.partition("=")
    if not equals or not value:
        raise UsageError(f"{option} {text!r}: expected LABEL={what}")
    if not SIDE_NAME.match(label):
        raise UsageError(f"{option} {text!r}: the label must be letters, digits, '_', '.' or '-'")
    return label, value


def side_specs(sides: list[str], side_flags: list[str], preloads: list[str]) -> list[SideSpec]:
    """The sides of --side, each with its --side-flag flags (in order) and its --preload library."""
    binaries = [labelled("--side", text, "BINARY") for text in sides]
    labels = [label for label, _ in binaries]
    if len(labels) < 2:
        raise UsageError(f"give two or more --side options, got {len(labels)}")
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise UsageError(f"two sides have the same label {repeated[0]!r}")
    flags: dict[str, list[str]] = {label: [] for label in labels}
    for text in side_flags:
        label, flag = labelled("--side-flag", text, "FLAG")
        if label not in flags:
            raise UsageError(f"--side-flag {text!r}: no --side is labelled {label!r}")
        flags[label].append(flag)
    libraries: dict[str, Path] = {}
    for text in preloads:
        label, library = labelled("--preload", text, "LIBRARY")
        if label not in flags:
            raise UsageError(f"--preload {text!r}: no --side is labelled {label!r}")
        if label in libraries:
            raise UsageError(f"--preload {text!r}: side {label!r} already has a --preload")
        if not Path(library).is_file():
            raise UsageError(f"--preload {text!r}: {library} is not a file")
        libraries[label] = Path(library)
    return [SideSpec(label, Path(binary), tuple(flags[label]), libraries.get(label)) for label, binary in binaries]


def round_orders(labels: list[str], rounds: int, seed: int) -> list[list[str]]:
    """The order of the sides in each round: a fresh shuffle per round from one seeded generator."""
    generator = random.Random(seed)
    orders = []
    for _ in range(rounds):
        order = list(labels)
        generator.shuffle(order)
        orders.append(order)
    return orders


def process_command(side: SideSpec, binary: Path, output: Path, flags: list[str], repetitions: int,
                    min_time: float, pin: int | None, context: dict[str, str | int]) -> list[str]:
    """The command line of one process of `side`, running `binary` (its fresh copy): pinned when asked,
    Google Benchmark JSON to `output`."""
    pinning = ["taskset", "-c", str(pin)] if pin is not None else []
    preloading = ["env", f"LD_PRELOAD={side.preload}"] if side.preload is not None else []
    return pinning + preloading + [str(binary), *side.flags, *flags, f"--benchmark_repetitions={repetitions}",
                      f"--benchmark_min_time={min_time:g}", "--benchmark_enable_random_interleaving=true",
                      "--benchmark_format=console", f"--benchmark_out={output}", "--benchmark_out_format=json",
                      "--benchmark_context=" + ",".join(f"{key}={value}" for key, value in context.items())]


def claim_directory(out: Path) -> bool:
    """Checks that `out` is absent or empty and creates it; whether it was created."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: not a directory")
    if out.is_dir() and any(out.iterdir()):
        raise UsageError(f"--out {out}: exists and is not empty")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    return created


def remove_written(out: Path, created: bool) -> None:
    """Removes what this run wrote: the directory when it created it, else its content."""
    if created:
        shutil.rmtree(out, ignore_errors=True)
        return
    for child in out.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


def run_process(command: list[str], where: str) -> None:
    """Runs one benchmark process (LD_PRELOAD only as its command sets it), its console output discarded;
    ResultsError when it fails."""
    try:
        finished = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, env=environment_without_preload())
    except OSError as exc:
        raise ResultsError(f"{where}: cannot start {command[0]} ({exc.strerror})") from None
    if finished.returncode != 0:
        last = finished.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise ResultsError(f"{where}: exited with status {finished.returncode}: {last[0]}")


def interleave(sides: list[SideSpec], out: Path, flags: list[str], rounds: int, repetitions: int,
               min_time: float, pin: int | None, seed: int) -> None:
    """Runs every round's processes into out/<label>/round-NN.json."""
    for side in sides:
        (out / side.label).mkdir()
    started = time.monotonic()
    total = rounds * len(sides)
    done = 0
    for round_index, order in enumerate(round_orders([s.label for s in sides], rounds, seed), start=1):
        for position, label in enumerate(order, start=1):
            side = next(s for s in sides if s.label == label)
            final = out / label / f"round-{round_index:02d}.json"
            temporary = final.with_name(f".{final.name}.tmp")
            context = {"vtb_side": label, "vtb_round": round_index, "vtb_position": position, "vtb_seed": seed}
            elapsed = time.monotonic() - started
            eta = f"{elapsed / done * (total - done):.0f} s" if done else "unknown"
            sys.stderr.write(f"[{done + 1}/{total}] round {round_index}, {label} - elapsed {elapsed:.0f} s - "
                             f"ETA {eta}\n")
            with tempfile.TemporaryDirectory(prefix="vtb-process-") as copy_directory:
                binary = Path(copy_directory) / side.binary.name
                shutil.copy2(side.binary, binary)
                run_process(process_command(side, binary, temporary, flags, repetitions, min_time, pin, context),
                            f"round {round_index}, side {label} ({side.binary})")
            os.replace(temporary, final)
            done += 1
    sys.stderr.write(f"{PROG}: {total} processes in {time.monotonic() - started:.0f} s -> {out}\n")


def main(argv: list[str] | None = None) -> int:
    parser = ScriptArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for the processes' JSON files")
    parser.add_argument("--side", action="append", default=[], metavar="LABEL=BINARY",
                        help="a side of the comparison (give two or more)")
    parser.add_argument("--side-flag", action="append", default=[], metavar="LABEL=FLAG",
                        help="a flag only side LABEL's processes get, before FLAGS (repeatable)")
    parser.add_argument("--preload", action="append", default=[], metavar="LABEL=LIBRARY",
                        help="run side LABEL's processes with LD_PRELOAD=LIBRARY")
    parser.add_argument("--rounds", type=positive_int, default=DEFAULT_ROUNDS,
                        help=f"processes per side (default {DEFAULT_ROUNDS})")
    parser.add_argument("--repetitions", type=positive_int, default=DEFAULT_REPETITIONS,
                        help=f"repetitions per process (default {DEFAULT_REPETITIONS})")
    parser.add_argument("--min-time", type=non_negative_float, default=DEFAULT_MIN_TIME, metavar="S",
                        help=f"--benchmark_min_time of each repetition (default {DEFAULT_MIN_TIME:g})")
    parser.add_argument("--pin", type=int, metavar="CORE", help="run every process under taskset -c CORE")
    parser.add_argument("--seed", type=int, help="seed of the rounds' shuffles (default: a random one)")
    parser.add_argument("flags", nargs="*", metavar="FLAGS", help="passed to every process (after --)")
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be at least 2: a process-level test needs several processes a side")

    def body() -> int:
        sides = side_specs(args.side, args.side_flag, args.preload)
        for side in sides:
            if not (side.binary.is_file() and os.access(side.binary, os.X_OK)):
                raise UsageError(f"--side {side.label}: {side.binary} is not an executable file")
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
        sys.stderr.write(f"{PROG}: {args.rounds} rounds x {len(sides)} sides, {args.repetitions} repetitions "
                         f"a process, seed {seed}, pinned to {args.pin if args.pin is not None else 'no core'}\n")
        created = claim_directory(args.out)
        signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(143))
        signal.signal(signal.SIGINT, lambda number, frame: sys.exit(130))
        try:
            interleave(sides, args.out, args.flags, args.rounds, args.repetitions, args.min_time, args.pin, seed)
        except BaseException:
            remove_written(args.out, created)
            raise
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
