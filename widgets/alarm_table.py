"""Alarms as a table, most urgent first: state, name, how long in that state, reason."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

STATE_STYLE = {"ALARM": "bold white on red", "INSUFFICIENT_DATA": "yellow", "OK": "green"}
STATE_LABEL = {"ALARM": "ALARM", "INSUFFICIENT_DATA": "NO DATA", "OK": "OK"}


@dataclass(frozen=True)
class AlarmRow:
    """One alarm as shown; ``since`` is already human ("4m", "2h10m")."""

    name: str
    state: str
    since: str
    reason: str
    watches: str = ""


class AlarmTable(DataTable):
    """Rows keyed by alarm name; ``show`` repaints only when the rows changed."""

    DEFAULT_CSS = """
    AlarmTable {
        height: auto;
        max-height: 12;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_row_labels=False)
        self._rows: tuple[AlarmRow, ...] = ()

    def on_mount(self) -> None:
        self.add_column("state", key="state", width=8)
        self.add_column("alarm", key="alarm")
        self.add_column("for", key="since", width=7)
        self.add_column("watches", key="watches")
        self.add_column("reason", key="reason")

    @property
    def rows_shown(self) -> tuple[AlarmRow, ...]:
        return self._rows

    def show(self, rows: list[AlarmRow]) -> None:
        new = tuple(rows)
        if new == self._rows:
            return
        old = self._rows
        selected = old[self.cursor_row].name if self.row_count and 0 <= self.cursor_row < len(old) else None
        self._rows = new
        self.clear()
        for row in new:
            self.add_row(Text(STATE_LABEL.get(row.state, row.state), STATE_STYLE.get(row.state, "")),
                         Text(row.name, "bold" if row.state == "ALARM" else ""), row.since,
                         Text(row.watches, "dim"), Text(row.reason, "dim"), key=row.name)
        if selected is not None:
            names = [row.name for row in new]
            if selected in names:
                self.move_cursor(row=names.index(selected), animate=False)
