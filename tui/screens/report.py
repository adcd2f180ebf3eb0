"""The post-incident report just written: where the file is, and its text to read and scroll."""
from __future__ import annotations

from pathlib import Path

from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


class ReportScreen(ModalScreen[None]):
    """Shown after the incident form's Report: the same Markdown ``cockpit report`` prints."""

    DEFAULT_CSS = """
    ReportScreen { align: center middle; }
    ReportScreen > VerticalScroll {
        width: 100; max-width: 100%; height: 1fr;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("c", "copy_path", "Copy path"),
    ]

    def __init__(self, path: Path, text: str) -> None:
        super().__init__()
        self.path = path
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text.assemble((" REPORT ", "bold reverse"), "  written: ", (self.path.name, "bold"),
                                       (f"\nin {self.path.parent}", "dim")), id="report-path")
            yield Static(Markdown(self.text), id="report-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_copy_path(self) -> None:
        self.app.copy_to_clipboard(str(self.path))
        self.notify(f"copied {self.path}", timeout=2)
