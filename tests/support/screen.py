"""The text on a running Textual app's screen, as a person would read it (no styles).

Read through ``App.export_screenshot`` (public): the SVG has one ``<text>`` element per
run of styled text, placed by its x offset on a line named by its clip path. Every layer
is there, including the screens below a modal one, as in the terminal.
"""
from __future__ import annotations

import re
from xml.etree import ElementTree

from rich.cells import cell_len

_SVG = "{http://www.w3.org/2000/svg}"
_LINE = re.compile(r"-line-(\d+)\)$")
_CHAR_WIDTH = 20 * 0.61  # rich's export_svg: 20 px font height times its default font aspect ratio


def screen_text(app) -> str:
    """Each row of the screen, right-trimmed, joined by newlines (rows = the terminal's height)."""
    rows: list[list[tuple[int, str]]] = [[] for _ in range(app.size.height)]
    root = ElementTree.fromstring(app.export_screenshot(simplify=True))
    for element in root.iter(f"{_SVG}text"):
        line = _LINE.search(element.get("clip-path", ""))
        if line is None or not element.text:  # the window title, not a screen row
            continue
        row = int(line.group(1))
        if row < len(rows):
            rows[row].append((round(float(element.get("x", "0")) / _CHAR_WIDTH), element.text.replace("\xa0", " ")))
    lines = []
    for runs in rows:
        text = ""
        for column, run in sorted(runs):
            text += " " * max(0, column - cell_len(text)) + run
        lines.append(text.rstrip())
    return "\n".join(lines)
