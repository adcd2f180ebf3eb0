"""Bytes per second ``cockpit demo`` writes to a 120×40 terminal in steady state.

The program runs on a pseudo-terminal (``pty_terminal``); what it writes during a warm-up
is discarded, then the bytes of a counted window are the figure. Over SSH on a bad link,
every byte is latency for the responder.

    .venv/bin/python benchmarks/terminal_bytes.py                      # the demo's row
    .venv/bin/python benchmarks/terminal_bytes.py --seconds 10 -- CMD  # any command
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pty_terminal import PtyProgram, visible


@dataclass(frozen=True)
class ByteCount:
    warmup_bytes: int
    counted_bytes: int
    seconds: float  # the counted window
    exited_early: bool
    queries_answered: int
    last_output: bytes  # the end of what it wrote: why it stopped, when it did

    @property
    def per_second(self) -> float:
        return self.counted_bytes / self.seconds


def count_bytes(command: list[str], *, cols: int = 120, rows: int = 40, warmup: float = 8, seconds: float = 20,
                term: str = "xterm-256color", env: Mapping[str, str] | None = None) -> ByteCount:
    """Run ``command`` for ``warmup + seconds`` and count what it writes in the last ``seconds``."""
    warm = counted = 0
    last = b""
    with PtyProgram(command, cols=cols, rows=rows, term=term, env=env) as program:
        window = time.monotonic() + warmup
        end = window + seconds
        while not program.exited and (now := time.monotonic()) < end:
            chunk = program.read(min(0.05, end - now))
            if time.monotonic() < window:  # when the bytes arrived, not when the wait began
                warm += len(chunk)
            else:
                counted += len(chunk)
            last = (last + chunk)[-4096:]
        exited = program.exited
        answered = program.queries_answered
    return ByteCount(warm, counted, seconds, exited, answered, last)


def bytes_per_second(command: list[str], *, cols: int = 120, rows: int = 40, warmup: float = 8, seconds: float = 20,
                     term: str = "xterm-256color", env: Mapping[str, str] | None = None) -> float:
    """The steady-state figure; an error if the program ended before the window did (no steady state)."""
    count = count_bytes(command, cols=cols, rows=rows, warmup=warmup, seconds=seconds, term=term, env=env)
    if count.exited_early:
        text = visible(count.last_output).decode(errors="replace").strip()[-300:]
        raise RuntimeError(f"{Path(command[0]).name} ended before the counted window did: {text!r}")
    return count.per_second


def main() -> list[tuple[str, float, str, str]]:
    cockpit = str(Path(sys.executable).with_name("cockpit"))
    rate = bytes_per_second([cockpit, "demo"])
    return [("bytes/s to the terminal (demo, 120×40)", round(rate), "B/s", "≤ 3500")]


def _measure_command(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="bytes/s a command writes to a pseudo-terminal")
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--warmup", type=float, default=8, help="seconds discarded first")
    parser.add_argument("--seconds", type=float, default=20, help="seconds counted")
    parser.add_argument("--term", default="xterm-256color")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    count = count_bytes(args.command, cols=args.cols, rows=args.rows, warmup=args.warmup, seconds=args.seconds,
                        term=args.term)
    print(f"exited early: {'yes' if count.exited_early else 'no'}; warm-up bytes {count.warmup_bytes}; "
          f"queries answered {count.queries_answered}")
    print(f"bytes_per_s {count.per_second:.0f} ({count.counted_bytes} over {args.seconds:g} s at "
          f"{args.cols}×{args.rows}, TERM={args.term})")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        _measure_command(sys.argv[1:])
    else:
        for name, value, unit, goal in main():
            print(f"{name:40} {value:>10} {unit:4} {goal}")
