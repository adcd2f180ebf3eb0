"""The top row: which system, which account/endpoint, and whether actions can run."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class CockpitHeader(Widget):
    """Static by design: no clock, so an idle cockpit writes nothing to the terminal."""

    DEFAULT_CSS = """
    CockpitHeader {
        height: 1;
        width: 1fr;
        background: $primary;
        color: $text;
    }
    """

    system: reactive[str] = reactive("")
    """The profile's system name."""
    where: reactive[str] = reactive("")
    """Region and endpoint, e.g. "us-east-1 · http://127.0.0.1:5000"."""
    read_only: reactive[bool] = reactive(False)
    """Shows READ-ONLY when actions cannot run."""
    incident: reactive[str] = reactive("")
    """The open incident: severity, title, elapsed, response-time countdown."""
    notice: reactive[str] = reactive("")
    """What needs the responder now, e.g. the playbook of a firing alarm."""

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" ◆ incident-cockpit ", "bold")
        text.append("│ ")
        text.append(self.system, "bold")
        if self.where:
            text.append(" │ ")
            text.append(self.where)
        if self.read_only:
            text.append(" │ ")
            text.append("READ-ONLY", "bold reverse")
        if self.incident:
            text.append(" │ ")
            text.append(f" {self.incident} ", "bold white on dark_red")
        if self.notice:
            text.append(" │ ")
            text.append(self.notice, "bold yellow")
        return text
