"""``?``: the keys, and where this system's runbook lives."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("?", "this help"),
    ("q", "quit (stops the demo emulator too)"),
    ("escape", "back / close"),
    ("ctrl+p", "command palette: every command"),
    ("r", "refresh every pane now"),
    ("a / f", "focus alarms / logs"),
    ("m", "focus the metric tiles (← → ↑ ↓ between tiles)"),
    ("1 … 6 / w", "metrics range 15m 1h 3h 12h 24h 7d / next range"),
    ("enter", "tile: chart, figures, alarms · alarm: detail and history"),
    ("s", "alarm: acknowledge here (no AWS call), again to undo"),
    ("m / p", "alarm: jump to its metric tile / its playbook"),
    ("tab", "next pane"),
    ("end", "logs: follow the newest line again"),
    ("↑ ↓ pgup home", "logs: select / scroll back (pauses following)"),
    ("/ F t", "logs (/ from anywhere): filter as you type (ctrl+r regex) / server filter / jump to a time"),
    ("enter c s", "logs: the whole line (JSON pretty) / copy it / save the lines to a file"),
    ("g P R", "logs: add a log group / complete mode (polling) / fold REPORT lines"),
    ("i", "Logs Insights: saved queries, editor, results (ctrl+r run, ctrl+k stop)"),
    ("x", "actions on the selected tile or alarm; each shows its plan and asks to confirm"),
    ("u", "undo the last action (its inverse, confirmed like any action)"),
    ("p", "the playbook of a firing alarm, or the list of playbooks"),
    ("t", "the incident timeline (/ filters)"),
    ("!", "open / acknowledge / re-grade / resolve the incident; write the report"),
    ("n", "a note on the timeline"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, system: str, runbook: str | None) -> None:
        super().__init__()
        self.system = system
        self.runbook = runbook

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(f"{self.system}\n", "bold")
        if self.runbook:
            text.append(f"runbook: {self.runbook}\n", "dim")
        text.append("\n")
        for key, what in KEYS:
            text.append(f"{key:>12}  ", "bold")
            text.append(f"{what}\n")
        with Vertical():
            yield Static(text)
