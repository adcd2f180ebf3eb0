"""Where the demo's bytes go: per kind (text, style changes, cursor moves, other) and per pane.

The counted window of ``cockpit demo`` on a 120×40 pseudo-terminal is parsed as a terminal
would: ``CSI … m`` is a style change, ``CSI r;c H`` a cursor move (it sets the row the next
text lands on), other escapes are "other", the rest is text. Each byte is charged to the
row the cursor is on; rows are charged to panes by the pane titles seen in the stream (the
row a title was last drawn on starts its pane, down to the next title; row 1 is the header, the last row the
footer). A row written from its first column to its last in one go counts as a full-row
repaint. The bench's table gets the top rows; ``python benchmarks/byte_attribution_bench.py``
prints all of them.
"""
from __future__ import annotations

import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pty_terminal import PtyProgram

TITLES = ("METRICS", "ALARMS", "LOGS", "CONTAINERS", "CONTAINER LOGS", "POSTGRESQL", "HEALTH")
_ESCAPE = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_MOVE = re.compile(rb"\x1b\[(\d*)(?:;(\d*))?H")


@dataclass
class Attribution:
    by_kind: Counter[str] = field(default_factory=Counter)
    by_row: Counter[int] = field(default_factory=Counter)
    titles: dict[str, int] = field(default_factory=dict)
    """Each pane title → the row it was last drawn on (the layout settles after the first frames)."""
    full_rows: int = 0
    moves: int = 0

    def by_pane(self, rows: int) -> dict[str, int]:
        starts = sorted((row, title) for title, row in self.titles.items())
        panes: Counter[str] = Counter()
        for row, count in self.by_row.items():
            if row == 1:
                name = "header"
            elif row == rows:
                name = "footer"
            else:
                name = next((title for start, title in reversed(starts) if start <= row), "other")
            panes[name.lower()] += count
        return dict(panes)


def attribute(data: bytes, cols: int) -> Attribution:
    found = Attribution()
    row, col, written_from = 1, 1, None
    position = 0
    for match in _ESCAPE.finditer(data):
        _text(found, data[position:match.start()], row, col)
        col += len(data[position:match.start()].decode(errors="replace"))
        sequence = match.group()
        move = _MOVE.fullmatch(sequence)
        if sequence.endswith(b"m") and sequence.startswith(b"\x1b["):
            found.by_kind["style"] += len(sequence)
        elif move:
            found.by_kind["cursor"] += len(sequence)
            found.moves += 1
            if written_from == 1 and col > cols:
                found.full_rows += 1
            row, col = int(move.group(1) or 1), int(move.group(2) or 1)
            written_from = col
        else:
            found.by_kind["other"] += len(sequence)
        found.by_row[row] += len(sequence)
        position = match.end()
    _text(found, data[position:], row, col)
    return found


def _text(found: Attribution, text: bytes, row: int, col: int) -> None:
    if not text:
        return
    found.by_kind["text"] += len(text)
    found.by_row[row] += len(text)
    if col > 2:  # a pane's title starts its row
        return
    decoded = text.decode(errors="replace").strip()
    for title in sorted(TITLES, key=len, reverse=True):
        if decoded == title or decoded.startswith(title + " "):
            found.titles[title] = row
            break


def measure(*, cols: int = 120, rows: int = 40, warmup: float = 10, seconds: float = 20,
            env: dict[str, str] | None = None, scenario: str | None = None) -> tuple[Attribution, float]:
    cockpit = str(Path(sys.executable).with_name("cockpit"))
    command = [cockpit, "demo", *(["--scenario", scenario] if scenario else [])]
    counted = bytearray()
    with PtyProgram(command, cols=cols, rows=rows, env=env) as program:
        start = time.monotonic() + warmup
        end = start + seconds
        seen = bytearray()
        while not program.exited and (now := time.monotonic()) < end:
            chunk = program.read(min(0.05, end - now))
            (seen if time.monotonic() < start else counted).extend(chunk)
        # Titles are drawn in full in the first frames: charge rows by where each was drawn last.
        titles = attribute(bytes(seen), cols).titles
    found = attribute(bytes(counted), cols)
    found.titles = {**titles, **found.titles}
    return found, seconds


def main() -> list[tuple[str, object, str, str]]:
    found, seconds = measure()
    total = sum(found.by_kind.values()) or 1
    rows: list[tuple[str, object, str, str]] = []
    for kind in ("text", "style", "cursor", "other"):
        share = found.by_kind[kind] / total
        rows.append((f"bytes by kind: {kind} (demo, 120×40)", round(found.by_kind[kind] / seconds), "B/s",
                     f"{share:.0%} of all"))
    for pane, count in sorted(found.by_pane(40).items(), key=lambda item: -item[1])[:6]:
        rows.append((f"bytes by pane: {pane}", round(count / seconds), "B/s", f"{count / total:.0%} of all"))
    rows.append(("cursor moves per second", round(found.moves / seconds, 1), "/s", "each a row segment"))
    rows.append(("full-row repaints per second", round(found.full_rows / seconds, 1), "/s", "column 1 to the end"))
    # NO_COLOR costs more bytes than colour (Bytes issue): which kind grows.
    plain, seconds = measure(env={"NO_COLOR": "1"})
    for kind in ("text", "style"):
        rows.append((f"NO_COLOR=1 bytes by kind: {kind}", round(plain.by_kind[kind] / seconds), "B/s",
                     f"colour: {round(found.by_kind[kind] / seconds)} B/s"))
    return rows


if __name__ == "__main__":
    for name, value, unit, goal in main():
        print(f"{name:45} {value!s:>10} {unit:5} {goal}")
