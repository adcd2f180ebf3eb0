"""Bytes per second ``cockpit demo`` writes to a 120×40 terminal in steady state.

Uses the shared ``ptybytes.py`` (warm-up discarded, then a counted window). Over SSH on
a bad link, every byte is latency for the responder.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PTYBYTES = ROOT.parent / "shared" / "tools" / "ptybytes.py"


def bytes_per_second(command: list[str], *, cols: int = 120, rows: int = 40, warmup: float = 8, seconds: float = 20,
                     env: dict[str, str] | None = None) -> float:
    result = subprocess.run([sys.executable, str(PTYBYTES), "--cols", str(cols), "--rows", str(rows),
                             "--warmup", str(warmup), "--seconds", str(seconds), "--", *command],
                            capture_output=True, text=True, timeout=warmup + seconds + 60, env=env)
    match = re.search(r"^bytes_per_s (\d+)", result.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError(f"ptybytes printed no figure: {result.stdout} {result.stderr}")
    return float(match.group(1))


def main() -> list[tuple[str, float, str, str]]:
    if not PTYBYTES.exists():
        return [("bytes/s to the terminal (demo, 120×40)", float("nan"), "B/s", "shared/tools/ptybytes.py missing")]
    cockpit = str(Path(sys.executable).with_name("cockpit"))
    rate = bytes_per_second([cockpit, "demo"])
    return [("bytes/s to the terminal (demo, 120×40)", round(rate), "B/s", "≤ 3500")]


if __name__ == "__main__":
    for name, value, unit, goal in main():
        print(f"{name:40} {value:>10} {unit:4} {goal}")
