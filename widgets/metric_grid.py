"""The metric tiles in a grid that reflows with the terminal's width and scrolls when long.

At 80 columns three tiles fit a row, at 200 seven; a profile with 40 metrics shows as many
rows as ``max_rows`` allows and scrolls, the focused tile kept in view. Arrow keys move
between tiles.
"""
from __future__ import annotations

from textual.binding import Binding
from textual.containers import ScrollableContainer

from widgets.metric_tile import HEIGHT, MetricTile

TILE_MIN_WIDTH = 26


class MetricGrid(ScrollableContainer, can_focus=False):
    """Holds ``MetricTile`` children; the number of columns follows the width."""

    DEFAULT_CSS = """
    MetricGrid {
        layout: grid;
        grid-size: 4;
        grid-gutter: 0 1;
        grid-rows: 3;
        height: auto;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = [
        Binding("left", "move(-1, 0)", "Previous tile", show=False),
        Binding("right", "move(1, 0)", "Next tile", show=False),
        Binding("up", "move(0, -1)", "Tile above", show=False),
        Binding("down", "move(0, 1)", "Tile below", show=False),
    ]

    def __init__(self, *tiles: MetricTile, max_rows: int | None = None, id: str | None = None) -> None:
        super().__init__(*tiles, id=id)
        self.max_rows = max_rows
        self.columns = 1

    @property
    def tiles(self) -> list[MetricTile]:
        return list(self.query_children(MetricTile))

    def reflow(self, width: int, max_rows: int | None = None) -> None:
        """Columns from ``width``; height for the rows, at most ``max_rows`` (then it scrolls)."""
        if max_rows is not None:
            self.max_rows = max_rows
        count = len(self.tiles)
        self.columns = max(1, min(count or 1, width // TILE_MIN_WIDTH))
        rows = -(-count // self.columns) if count else 1
        shown = min(rows, self.max_rows) if self.max_rows else rows
        self.styles.grid_size_columns = self.columns
        self.styles.height = max(1, shown) * HEIGHT

    def action_move(self, dx: int, dy: int) -> None:
        tiles = self.tiles
        focused = self.screen.focused
        if not tiles or focused not in tiles:
            return
        index = tiles.index(focused) + dx + dy * self.columns
        if 0 <= index < len(tiles):
            tiles[index].focus()
            self.scroll_to_widget(tiles[index], animate=False)
