"""A pane's one-line title and status: what it shows, when it last updated, or what failed."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

LEVEL_STYLE = {"ok": "dim", "busy": "dim italic", "warning": "bold yellow", "error": "bold red"}


class PaneTitle(Widget):
    """``TITLE  status``: one row, repainted only when the text changes."""

    DEFAULT_CSS = """
    PaneTitle {
        height: 1;
        width: 1fr;
        background: $panel;
    }
    """

    status: reactive[str] = reactive("", layout=False)
    """Free text: "6 tiles · 19:42:05 CET" or "unreachable: … · retrying in 8 s"."""
    level: reactive[str] = reactive("ok", layout=False)
    """ok, busy, warning or error: chooses the status's style."""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title

    def show(self, status: str, level: str = "ok") -> None:
        self.status = status
        self.level = level

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.title} ", "bold reverse")
        text.append(" ")
        text.append(self.status, LEVEL_STYLE.get(self.level, ""))
        return text
