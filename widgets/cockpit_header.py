"""The top row: which system, whether actions can run, the open incident, the playbook to follow, where.

Narrow terminals get shorter forms, by priority: the system's name and READ-ONLY stay;
the incident shortens to severity and clock ("P2 ack 12m"), the playbook pointer to its
key ("▶ p"); the endpoint shortens to the region, then goes. When even that does not fit
one row, the incident and the pointer move to a second row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

SEPARATOR = " │ "
BRAND = "◆ incident-cockpit"
_NOTICE = re.compile(r"^(?P<mark>\S+)\s+(?:(?P<label>[^:()]+):\s+)?(?P<what>.*?)\s*\((?P<key>[^()\s]+)\)$")


@dataclass
class _Part:
    forms: list[Text]
    """Longest first; an empty Text means the part is left out."""
    rank: int
    """Which shortens first: the lowest rank."""
    chosen: int = 0

    @property
    def text(self) -> Text:
        return self.forms[self.chosen]


def _width(parts: list[_Part]) -> int:
    shown = [part.text for part in parts if part.text.plain]
    return 1 + sum(cell_len(text.plain) for text in shown) + cell_len(SEPARATOR) * max(0, len(shown) - 1)


def _fit(parts: list[_Part], width: int) -> bool:
    """Shorten the least important parts first until the row fits; then give room back, most important first."""
    for part in sorted(parts, key=lambda p: p.rank):
        while _width(parts) > width and part.chosen < len(part.forms) - 1:
            part.chosen += 1
    for part in sorted(parts, key=lambda p: -p.rank):
        for longer in range(part.chosen):
            shorter, part.chosen = part.chosen, longer
            if _width(parts) <= width:
                break
            part.chosen = shorter
    return _width(parts) <= width


def _row(parts: list[_Part]) -> Text:
    row = Text(" ", no_wrap=True, overflow="ellipsis")
    shown = [part.text for part in parts if part.text.plain]
    for index, text in enumerate(shown):
        if index:
            row.append(SEPARATOR)
        row.append_text(text)
    return row


class CockpitHeader(Widget):
    """Static by design: no clock of its own, so an idle cockpit writes nothing to the terminal."""

    DEFAULT_CSS = """
    CockpitHeader {
        height: auto;
        max-height: 2;
        width: 1fr;
        background: $primary;
        color: $text;
    }
    """

    system: reactive[str] = reactive("", layout=True)
    """The profile's system name."""
    where: reactive[str] = reactive("", layout=True)
    """Region and endpoint, e.g. "us-east-1 · http://127.0.0.1:5000" (shortens to the part before " · ")."""
    read_only: reactive[bool] = reactive(False, layout=True)
    """Shows READ-ONLY when actions cannot run."""
    incident: reactive[str] = reactive("", layout=True)
    """The open incident: severity, title, elapsed, response-time countdown."""
    incident_forms: reactive[tuple[str, ...]] = reactive((), layout=True)
    """Shorter forms of ``incident``, longest first (``services.incident.state.header_forms``)."""
    notice: reactive[str] = reactive("", layout=True)
    """What needs the responder now, ending with its key: "▶ playbook: Lambda timeouts (p)" shortens to "▶ p"."""

    def _parts(self) -> list[_Part]:
        parts = [_Part([Text.assemble((BRAND, "bold"), SEPARATOR, (self.system, "bold")),
                        Text.assemble(("◆ ", "bold"), (self.system, "bold"))], rank=0)]
        if self.read_only:
            parts.append(_Part([Text("READ-ONLY", "bold reverse")], rank=9))
        if self.incident:
            parts.append(_Part([Text(f" {form} ", "bold white on dark_red")
                                for form in (self.incident, *self.incident_forms)], rank=4))
        if self.notice:
            parts.append(_Part([Text(form, "bold yellow") for form in _notice_forms(self.notice)], rank=3))
        if self.where:
            region = self.where.split(" · ")[0]
            forms = [self.where, *([region] if region != self.where else []), ""]
            parts.append(_Part([Text(form) for form in forms], rank=1))
        return parts

    def _rows(self, width: int) -> list[Text]:
        parts = self._parts()
        if _fit(parts, width):
            return [_row(parts)]
        first = [part for part in parts if part.rank in (0, 1, 9)]
        second = [part for part in parts if part.rank in (3, 4)]
        for part in parts:
            part.chosen = 0
        _fit(first, width)
        _fit(second, width)
        return [_row(first), _row(second)] if second else [_row(first)]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows(width))

    def render(self) -> Text:
        return Text("\n", no_wrap=True, overflow="ellipsis").join(self._rows(self.size.width or 80))


def _notice_forms(notice: str) -> list[str]:
    """The notice, without its label, then only its mark and key."""
    match = _NOTICE.match(notice)
    if match is None:
        return [notice]
    forms = [notice]
    if match["label"]:
        forms.append(f"{match['mark']} {match['what']} ({match['key']})")
    forms.append(f"{match['mark']} {match['key']}")
    return forms
