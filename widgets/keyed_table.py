"""A table of keyed rows drawn with the Line API: only visible rows render, only changed rows repaint.

``DataTable`` invalidates every cached row on any ``update_cell``, so a refresh of 200
backends whose ages tick re-renders the whole view each time. Here each row's strip is
cached by (key, version, width, highlighted); a refresh bumps the version of the rows
whose cells changed and repaints only those lines (a new order or new keys repaint the
view once). The header stays on the first line; the cursor follows its key across
refreshes. Subclasses declare ``COLUMNS`` as (key, label, width or None for the rest)
and override ``cursor_moved`` to post their own message.
"""
from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text


def same(a: Cell, b: Cell) -> bool:
    """Equal text *and* style (rich's ``Text.__eq__`` ignores the base style)."""
    if isinstance(a, Text) and isinstance(b, Text):
        return a.plain == b.plain and str(a.style) == str(b.style) and a.spans == b.spans
    return type(a) is type(b) and a == b


def same_row(a: tuple[Cell, ...], b: tuple[Cell, ...]) -> bool:
    if a is b:
        return True
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


class KeyedTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    KeyedTable {
        height: auto;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    KeyedTable > .keyed-table--header {
        text-style: bold;
        background: $panel;
    }
    KeyedTable > .keyed-table--cursor {
        background: $accent 40%;
    }
    KeyedTable:focus > .keyed-table--cursor {
        background: $accent;
    }
    """

    COMPONENT_CLASSES = {"keyed-table--header", "keyed-table--cursor"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "move(-1000000)", "First", show=False),
        Binding("end", "move(1000000)", "Last", show=False),
    ]
    COLUMNS: tuple[tuple[str, str, int | None], ...] = ()

    cursor_row: reactive[int] = reactive(0, repaint=False)
    """Index of the highlighted row (0 when empty)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._versions: dict[str, int] = {}
        self._strips: LRUCache[tuple[str, int, int, bool], Strip] = LRUCache(2048)
        self._last_cursor_key: str | None = None
        self.lines_repainted = 0
        """Rows marked for repaint since mount (a cost figure for tests and benchmarks)."""

    # ------------------------------------------------------------------ data in
    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None

    def cells_of(self, key: str) -> tuple[Cell, ...] | None:
        return self._cells.get(key)

    def show_rows(self, rows: Sequence[tuple[str, tuple[Cell, ...]]]) -> int:
        """Show ``(key, cells)`` rows in this order; returns how many rows had to repaint."""
        keys = [key for key, _ in rows]
        if keys == self._keys:
            return sum(self._set_row(key, cells) for key, cells in rows)
        selected = self.cursor_key
        self._keys = keys
        self._index = {key: index for index, key in enumerate(keys)}
        for key, cells in rows:
            if not same_row(self._cells.get(key, ()), cells):
                self._versions[key] = self._versions.get(key, 0) + 1
            self._cells[key] = cells
        for gone in set(self._cells) - set(self._index):
            del self._cells[gone]
            self._versions.pop(gone, None)
        self._resize()
        row = self._index.get(selected, min(self.cursor_row, max(0, len(keys) - 1))) if selected else 0
        self._set_cursor(row)
        self.refresh()
        self.lines_repainted += len(keys)
        return len(keys)

    def update_row(self, key: str, cells: tuple[Cell, ...]) -> int:
        """Update one known row in place (e.g. one container's new stats sample)."""
        return self._set_row(key, cells) if key in self._index else 0

    def _set_row(self, key: str, cells: tuple[Cell, ...]) -> int:
        if same_row(self._cells.get(key, ()), cells):
            return 0
        self._cells[key] = cells
        self._versions[key] = self._versions.get(key, 0) + 1
        self._refresh_row(self._index[key])
        return 1

    def _refresh_row(self, index: int) -> None:
        y = index + 1 - self.scroll_offset.y
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))
            self.lines_repainted += 1

    def _resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._keys) + 1)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._keys) + 1

    def on_resize(self) -> None:
        self._resize()

    # ------------------------------------------------------------------ drawing
    def _widths(self, width: int) -> list[int]:
        fixed = sum((w or 0) + 1 for _, _, w in self.COLUMNS)
        flex = [w for _, _, w in self.COLUMNS if w is None]
        rest = max(4, width - fixed) // max(1, len(flex)) if flex else 0
        return [w if w is not None else rest for _, _, w in self.COLUMNS]

    def _line(self, cells: Sequence[Cell], width: int, style: Style) -> Strip:
        text = Text(no_wrap=True, overflow="crop", end="")
        for cell, cell_width in zip(cells, self._widths(width), strict=False):
            piece = cell if isinstance(cell, Text) else Text(str(cell))
            piece = piece.copy()
            piece.truncate(cell_width, overflow="ellipsis", pad=True)
            text.append_text(piece)
            text.append(" ")
        text.truncate(width, pad=True)
        segments = list(text.render(self.app.console))
        strip = Strip(segments, text.cell_len).crop_extend(0, width, style)
        return strip.apply_style(style)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            header = self.get_component_rich_style("keyed-table--header")
            return self._line([label for _, label, _ in self.COLUMNS], width, header)
        index = self.scroll_offset.y + y - 1
        if index >= len(self._keys) or width <= 0:
            return Strip([Segment(" " * width, self.rich_style)], width)
        key = self._keys[index]
        highlighted = index == self.cursor_row
        cache_key = (key, self._versions.get(key, 0), width, highlighted)
        strip = self._strips.get(cache_key)
        if strip is None:
            style = self.get_component_rich_style("keyed-table--cursor") if highlighted else self.rich_style
            strip = self._line(self._cells[key], width, style)
            self._strips[cache_key] = strip
        return strip

    def on_focus(self) -> None:
        self._strips.clear()  # the cursor's colour depends on focus
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()

    # ------------------------------------------------------------------ cursor
    def _set_cursor(self, row: int) -> None:
        row = max(0, min(row, len(self._keys) - 1)) if self._keys else 0
        old = self.cursor_row
        self.cursor_row = row
        if old != row:
            self._refresh_row(old)
            self._refresh_row(row)
        visible = max(1, self.size.height - 1)
        if row < self.scroll_offset.y:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= self.scroll_offset.y + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)
        key = self.cursor_key
        if key is not None and key != self._last_cursor_key:
            self._last_cursor_key = key
            self.cursor_moved(key)

    def move_cursor(self, *, row: int) -> None:
        self._set_cursor(row)

    def action_move(self, rows: int) -> None:
        self._set_cursor(self.cursor_row + rows)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._set_cursor(self.scroll_offset.y + event.y - 1)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.refresh()

    def cursor_moved(self, key: str) -> None:
        """Hook: the highlighted row is now ``key``."""
