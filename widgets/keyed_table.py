"""A DataTable updated by key: unchanged rows are not touched, changed cells are updated in place.

Rebuilding a table on every refresh repaints every row and loses the cursor; with 200
rows refreshed every two seconds that is most of the event loop's work. Here a refresh
with the same keys in the same order only updates the cells whose text changed; a new
order or new keys rebuild once, keeping the cursor on the same key.
"""
from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text


def same(a: Cell, b: Cell) -> bool:
    """Equal text *and* style (rich's ``Text.__eq__`` ignores the base style)."""
    if isinstance(a, Text) and isinstance(b, Text):
        return a.plain == b.plain and str(a.style) == str(b.style) and a.spans == b.spans
    return type(a) is type(b) and a == b


def same_row(a: tuple[Cell, ...], b: tuple[Cell, ...]) -> bool:
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


class KeyedTable(DataTable):
    """Subclasses declare ``COLUMNS`` as (key, label, width or None) and call ``show_rows``."""

    COLUMNS: tuple[tuple[str, str, int | None], ...] = ()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_row_labels=False)
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Cell, ...]] = {}

    def on_mount(self) -> None:
        for key, label, width in self.COLUMNS:
            self.add_column(label, key=key, width=width)

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @property
    def cursor_key(self) -> str | None:
        if self._keys and 0 <= self.cursor_row < len(self._keys):
            return self._keys[self.cursor_row]
        return None

    def cells_of(self, key: str) -> tuple[Cell, ...] | None:
        return self._cells.get(key)

    def show_rows(self, rows: Sequence[tuple[str, tuple[Cell, ...]]]) -> int:
        """Show ``(key, cells)`` rows in this order; returns how many cells were written."""
        keys = [key for key, _ in rows]
        written = 0
        if keys == self._keys:
            columns = [key for key, _, _ in self.COLUMNS]
            for key, cells in rows:
                old = self._cells.get(key, ())
                if same_row(old, cells):
                    continue
                for index, (before, after) in enumerate(zip(old, cells, strict=False)):
                    if not same(before, after):
                        self.update_cell(key, columns[index], after)
                        written += 1
                self._cells[key] = cells
            return written
        selected = self.cursor_key
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
            written += len(cells)
        self._keys = keys
        self._cells = dict(rows)
        if selected in keys:
            self.move_cursor(row=keys.index(selected), animate=False)
        return written

    def update_row(self, key: str, cells: tuple[Cell, ...]) -> int:
        """Update one known row in place (e.g. one container's new stats sample)."""
        if key not in self._cells:
            return 0
        old = self._cells[key]
        columns = [column for column, _, _ in self.COLUMNS]
        written = 0
        for index, (before, after) in enumerate(zip(old, cells, strict=False)):
            if not same(before, after):
                self.update_cell(key, columns[index], after)
                written += 1
        self._cells[key] = cells
        return written
