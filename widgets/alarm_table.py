"""Alarms as a table, most urgent first: mark, state, name, since when, reason, what it watches.

The mark column says ``●`` for an alarm that just changed state (the row is highlighted)
and ``✓`` for one acknowledged in this cockpit. ``show`` touches only the cells that
changed, adds and removes only the rows that come and go, and re-orders rows in place.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

STATE_STYLE = {"ALARM": "bold white on red", "INSUFFICIENT_DATA": "yellow", "OK": "green"}
STATE_LABEL = {"ALARM": "ALARM", "INSUFFICIENT_DATA": "NO DATA", "OK": "OK"}
COLUMNS = (("", "mark", 1), ("state", "state", 7), ("alarm", "alarm", None), ("since", "since", 11),
           ("reason", "reason", None), ("watches", "watches", None))


@dataclass(frozen=True)
class AlarmRow:
    """One alarm as shown; ``since`` is already local time text ("14:02", "Nov 23 14:02")."""

    name: str
    state: str
    since: str
    reason: str
    watches: str = ""
    acked: bool = False
    changed: bool = False


def _cells(row: AlarmRow) -> tuple[Text, ...]:
    mark = Text("●", "bold magenta") if row.changed else Text("✓", "dim") if row.acked else Text("")
    state_style = "dim" if row.acked else STATE_STYLE.get(row.state, "")
    name_style = "bold reverse" if row.changed else "dim" if row.acked else "bold" if row.state == "ALARM" else ""
    return (mark, Text(STATE_LABEL.get(row.state, row.state), state_style), Text(row.name, name_style),
            Text(row.since), Text(row.reason), Text(row.watches, "dim"))


class AlarmTable(DataTable):
    """Rows keyed by alarm name; keys act on the alarm under the cursor by posting messages."""

    DEFAULT_CSS = """
    AlarmTable {
        height: auto;
        max-height: 12;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    BINDINGS = [
        Binding("s", "ack", "Ack", tooltip="Acknowledge here (no AWS call): the alarm sinks in the list"),
        Binding("m", "jump_metric", "Metric", tooltip="Focus the tile of the metric this alarm watches"),
        Binding("p", "playbook", "Playbook", tooltip="Open the playbook that lists this alarm"),
    ]

    class AlarmMessage(Message):
        """Base of the table's messages: ``name`` is the alarm under the cursor."""

        def __init__(self, table: AlarmTable, name: str) -> None:
            super().__init__()
            self.table = table
            self.name = name

        @property
        def control(self) -> AlarmTable:
            return self.table

    class AckToggled(AlarmMessage):
        """``s``: acknowledge (or un-acknowledge) the alarm locally."""

    class MetricWanted(AlarmMessage):
        """``m``: show the tile of the metric the alarm watches."""

    class PlaybookWanted(AlarmMessage):
        """``p``: open the playbook that lists the alarm."""

    class Opened(AlarmMessage):
        """``enter``: open the alarm's detail screen (history)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_row_labels=False)
        self._rows: tuple[AlarmRow, ...] = ()

    def on_mount(self) -> None:
        for label, key, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    @property
    def rows_shown(self) -> tuple[AlarmRow, ...]:
        return self._rows

    @property
    def selected_name(self) -> str | None:
        if self._rows and 0 <= self.cursor_row < len(self._rows):
            return self._rows[self.cursor_row].name
        return None

    def show(self, rows: list[AlarmRow]) -> None:
        """Show ``rows`` in this order: changed cells are updated, new rows added, gone ones removed,
        then the rows re-ordered in place; the cursor stays on the alarm it was on."""
        new = tuple(rows)
        if new == self._rows:
            return
        selected = self.selected_name
        before = {row.name: row for row in self._rows}
        after = {row.name: row for row in new}
        for name in before.keys() - after.keys():
            self.remove_row(name)
        for row in new:
            old = before.get(row.name)
            if old is None:
                self.add_row(*_cells(row), key=row.name)
            elif old != row:
                for (_, key, _), cell_before, cell_after in zip(COLUMNS, _cells(old), _cells(row)):
                    if cell_before != cell_after:
                        self.update_cell(row.name, key, cell_after)
        order = [row.name for row in new]
        self._rows = new
        if [name for name in before if name in after] + [n for n in order if n not in before] != order:
            position = {name: index for index, name in enumerate(order)}
            self.sort("alarm", key=lambda cell: position[cell.plain])
        if selected in after:
            self.move_cursor(row=order.index(selected), animate=False)

    def select_alarm(self, name: str) -> bool:
        names = [row.name for row in self._rows]
        if name not in names:
            return False
        self.move_cursor(row=names.index(name), animate=False)
        return True

    def _post(self, kind: type[AlarmMessage]) -> None:
        name = self.selected_name
        if name is not None:
            self.post_message(kind(self, name))

    def action_ack(self) -> None:
        self._post(self.AckToggled)

    def action_jump_metric(self) -> None:
        self._post(self.MetricWanted)

    def action_playbook(self) -> None:
        self._post(self.PlaybookWanted)

    def action_select_cursor(self) -> None:
        self._post(self.Opened)
