"""The profile's resources, one row each: a mark for the worst finding, id, type, name, status, why.

Plain rows in (``ResourceRow``); the mark is a glyph as well as a colour, so it reads with
NO_COLOR. Messages out: the highlighted row (``Highlighted``) and ``enter`` (``Opened``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from widgets.keyed_table import Cell, KeyedTable

RowState = Literal["reading", "read", "failed"]
MARKS = {"ok": ("✔", "green"), "warn": ("▲", "bold yellow"), "fail": ("✖", "bold red"),
         "failed": ("!", "bold red"), "reading": ("…", "dim")}


@dataclass(frozen=True, slots=True)
class ResourceRow:
    """One resource as the list shows it; ``note`` is the worst finding, or why it could not be read."""

    id: str
    type: str
    name: str
    status: str = "reading…"
    level: str = "ok"
    note: str = ""
    state: RowState = "reading"

    @property
    def mark(self) -> str:
        return "reading" if self.state == "reading" else "failed" if self.state == "failed" else self.level


class ResourceList(KeyedTable):
    DEFAULT_CSS = """
    ResourceList {
        height: auto;
        max-height: 12;
    }
    """

    BINDINGS = [Binding("enter", "open", "Details", show=False)]

    COLUMNS = (("mark", " ", 1), ("id", "id", 14), ("type", "type", 11), ("name", "name", 22),
               ("status", "status", 10), ("note", "finding", None))

    class Highlighted(Message, bubble=True):
        """The cursor is on resource ``resource_id``."""

        def __init__(self, table: ResourceList, resource_id: str) -> None:
            super().__init__()
            self.table = table
            self.resource_id = resource_id

    class Opened(Message):
        def __init__(self, table: ResourceList, resource_id: str) -> None:
            super().__init__()
            self.table = table
            self.resource_id = resource_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row_data: dict[str, ResourceRow] = {}

    def show(self, rows: list[ResourceRow]) -> int:
        old, self.row_data = self.row_data, {row.id: row for row in rows}
        shaped = []
        for key, row in self.row_data.items():
            cells = self.cells_of(key) if old.get(key) == row else None
            shaped.append((key, cells if cells is not None else self._row_cells(row)))
        return self.show_rows(shaped)

    def update(self, row: ResourceRow) -> None:
        """One row changed (a reading arrived): repaint that line only."""
        if self.row_data.get(row.id) != row:
            self.row_data[row.id] = row
            self.update_row(row.id, self._row_cells(row))

    def select(self, resource_id: str) -> None:
        if resource_id in self.row_data:
            self.move_cursor(row=self.keys.index(resource_id))

    def _widths(self, width: int) -> list[int]:
        """Ids and names grow to their longest (capped) while the finding keeps 40 columns: whole names
        on a wide terminal, the finding first on a narrow one."""
        widths = super()._widths(width)
        wants = ((1, min(24, max((len(key) for key in self.row_data), default=2))),
                 (3, min(40, max((len(row.name) for row in self.row_data.values()), default=4))))
        spare = widths[-1] - 40
        for index, want in wants:
            extra = max(0, min(want - widths[index], spare))
            widths[index] += extra
            widths[-1] -= extra
            spare -= extra
        return widths

    @staticmethod
    def _row_cells(row: ResourceRow) -> tuple[Cell, ...]:
        glyph, style = MARKS[row.mark]
        note_style = "red" if row.mark in ("fail", "failed") else "yellow" if row.mark == "warn" else "dim"
        return (Text(glyph, style), Text(row.id, "bold"), row.type, row.name,
                Text(row.status, "red" if row.state == "failed" or row.status == "not found" else ""),
                Text(row.note, note_style))

    def cursor_moved(self, key: str) -> None:
        self.post_message(self.Highlighted(self, key))

    def action_open(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.Opened(self, self.cursor_key))
