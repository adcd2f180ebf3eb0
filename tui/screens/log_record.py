"""One log record in full: its fields, and the message wrapped (JSON pretty-printed)."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from services.visible_text import visible
from widgets.log_format import pretty_json

SHOWN_CHARS = 200_000  # a 1 MB line is shown up to here; `c` still copies all of it


class LogRecordScreen(ModalScreen[None]):
    """``enter`` on a log line, or ``@ptr`` in Insights results."""

    DEFAULT_CSS = """
    LogRecordScreen {
        align: center middle;
    }
    LogRecordScreen > VerticalScroll {
        width: 90%;
        height: 80%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape,q,enter", "dismiss", "Close"),
        Binding("c", "copy", "Copy message"),
    ]

    def __init__(self, message: str, fields: dict[str, str]) -> None:
        super().__init__()
        self.message = message
        self.fields = fields

    def compose(self) -> ComposeResult:
        header = Text()
        for name, value in self.fields.items():
            if value:
                header.append(f"{name:>10}  ", "bold")
                header.append(visible(str(value)[:2000]) + "\n")
        shown = self.message[:SHOWN_CHARS]
        pretty = pretty_json(shown)
        lines = (pretty or shown).replace("\r\n", "\n").split("\n")
        body = Text("\n".join(visible(line) for line in lines))
        if len(self.message) > SHOWN_CHARS:
            body.append(f"\n… {len(self.message) - SHOWN_CHARS:,} more characters (c copies all)", "dim")
        with VerticalScroll():
            yield Static(header, id="record-fields")
            yield Static(body, id="record-message")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.message)
        self.notify(f"copied {len(self.message):,} characters", timeout=2)
