"""One metric as a tile: label and band, latest value and its time, a sparkline of the range.

Drawn with the Line API: when a new reading arrives, only the cells that changed are
marked dirty (often the value and the sparkline's last column), so a refresh writes a
few bytes to the terminal, never the whole tile. The tile has no border or background
of its own: nothing but its text is ever repainted. The focus highlight (the label
reversed) is applied as a line is drawn, from ``has_focus`` then, never kept in the
cached cells: a tile that lost focus can't keep showing it.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from widgets.sparkline_text import bucket, sparkline

BAND_STYLE = {"normal": "green", "alert": "bold yellow", "critical": "bold white on red", "unknown": "dim"}
# The band is also spelled out, so it reads without colour (NO_COLOR, monochrome terminals).
BAND_MARK = {"normal": "ok", "alert": "▲ ALERT", "critical": "✖ CRIT", "unknown": "no data"}
SHORT_MARK = {"normal": "ok", "alert": "▲", "critical": "✖", "unknown": "—"}  # when the label needs the room
HEIGHT = 3
FOCUSED = Style(reverse=True)


@dataclass(frozen=True)
class TileReading:
    """What a tile shows; plain data, computed by the screen from a metric series.

    ``history``/``times`` are the series over ``[start, end)`` (epoch seconds), each point
    covering ``period`` seconds; ``limits`` is the thresholds as short text ("▲60 s ✖4.0 min");
    ``when`` the local time of the latest point, ``note`` replaces it ("no data since 12:03").
    """

    label: str
    value_text: str = "…"
    band: str = "unknown"
    history: tuple[float, ...] = ()
    alert: float | None = None
    critical: float | None = None
    direction: str = "above"
    when: str = ""
    note: str = ""
    times: tuple[float, ...] = ()
    start: float = 0.0
    end: float = 0.0
    period: float = 60.0
    limits: str = ""


class MetricTile(Widget, can_focus=True):
    """A fixed-height, borderless tile; ``enter`` asks for the metric's detail screen."""

    DEFAULT_CSS = """
    MetricTile {
        width: 1fr;
        height: 3;
        padding: 0 1;
    }
    """

    BINDINGS = [Binding("enter", "open", "Detail", tooltip="The metric's chart, statistics and alarms")]

    reading: reactive[TileReading] = reactive(TileReading(label=""), repaint=False, layout=False)
    """The reading on display; an equal reading repaints nothing, a new one only the cells that changed."""

    class Selected(Message):
        """Enter on a tile: the screen opens the detail of ``metric_id``."""

        def __init__(self, tile: MetricTile, metric_id: str) -> None:
            super().__init__()
            self.tile = tile
            self.metric_id = metric_id

        @property
        def control(self) -> MetricTile:
            return self.tile

    def __init__(self, reading: TileReading, *, metric_id: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.metric_id = metric_id or (id or "").removeprefix("tile-")
        self.set_reactive(MetricTile.reading, reading)
        self._rows: list[list[tuple[str, Style]]] = []
        self._rows_width = -1
        self._name_cells = 0  # the label's first cells, reversed while focused
        self.repainted: list[tuple[int, int, int]] = []
        """What the last new reading marked dirty: (row, first cell, last cell) spans."""

    # ------------------------------------------------------------------ rows as cells
    def row_texts(self, width: int) -> list[Text]:
        """The three rows as Rich text for ``width`` cells (also what screen-text tests read)."""
        reading = self.reading
        mark = BAND_MARK.get(reading.band, reading.band)
        if len(reading.label) + 1 + len(mark) > width:
            mark = SHORT_MARK.get(reading.band, mark)
        room = max(1, width - len(mark) - 1)
        name = reading.label if len(reading.label) <= room else reading.label[: room - 1] + "…"
        label = Text(no_wrap=True, overflow="crop", end="")
        label.append(name, "bold")
        self._name_cells = label.cell_len
        label.pad_right(max(0, width - label.cell_len - len(mark)))
        label.append(mark, BAND_STYLE.get(reading.band, ""))
        value = Text(no_wrap=True, overflow="crop", end="")
        value.append(f" {reading.value_text} ", BAND_STYLE.get(reading.band, ""))
        detail = reading.note or reading.when
        room = width - value.cell_len - len(detail) - 1
        if reading.limits and room >= len(reading.limits) + 1:
            value.append(" " + reading.limits, "dim")
        if detail:
            value.pad_right(max(1, width - value.cell_len - len(detail)))
            value.append(detail, "yellow" if reading.note else "dim")
        if reading.times:
            columns = bucket(reading.times, reading.history, reading.start, reading.end, width,
                             period=reading.period, direction=reading.direction)
        else:
            columns = list(reading.history)
        spark = sparkline(columns, width, alert=reading.alert, critical=reading.critical, direction=reading.direction)
        return [label, value, spark]

    def _cells(self, width: int) -> list[list[tuple[str, Style]]]:
        console = self.app.console
        rows: list[list[tuple[str, Style]]] = []
        for text in self.row_texts(width):
            text.truncate(width, pad=True)
            cells: list[tuple[str, Style]] = []
            for segment in text.render(console):
                cells.extend((char, segment.style or Style()) for char in segment.text)
            rows.append(cells[:width] + [(" ", Style())] * (width - len(cells)))
        return rows

    def _rebuild(self) -> list[tuple[int, int, int]]:
        """Recompute the rows; returns the changed spans as (row, first cell, last cell)."""
        width = self.content_region.width if self.is_mounted else 0
        if width <= 0:
            self._rows, self._rows_width = [], width
            return []
        new = self._cells(width)
        old, same_width = self._rows, self._rows_width == width
        self._rows, self._rows_width = new, width
        if not same_width or len(old) != len(new):
            return [(y, 0, width - 1) for y in range(len(new))]
        spans: list[tuple[int, int, int]] = []
        for y, (before, after) in enumerate(zip(old, new, strict=False)):
            changed = [x for x, (a, b) in enumerate(zip(before, after, strict=False)) if a != b]
            if changed:
                spans.append((y, changed[0], changed[-1]))
        return spans

    def watch_reading(self) -> None:
        if not self._in_view():
            self._rows_width = -1  # scrolled out of sight: drawn when it comes back into view
            self.repainted = []
            return
        self.repainted = self._rebuild()
        for y, first, last in self.repainted:
            self.refresh(Region(first, y, last - first + 1, 1))

    def _in_view(self) -> bool:
        """Whether any of the tile is inside its scrolling parent's viewport."""
        parent = self.parent
        if not isinstance(parent, Widget) or not parent.is_scrollable:
            return True
        view = Region(int(parent.scroll_x), int(parent.scroll_y), *parent.scrollable_content_region.size)
        return view.overlaps(self.virtual_region)

    def on_resize(self) -> None:
        self._rows_width = -1
        self.refresh()

    # Focus and blur repaint the whole tile (Widget._on_focus/_on_blur refresh it): only the
    # label row's look changes, and it is drawn from has_focus as it is at paint time.

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        if self._rows_width != width:
            self._rebuild()
        if y >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        base = self.rich_style
        cells = self._rows[y]
        highlight = self._name_cells if y == 0 and self.has_focus else 0
        segments = [Segment(char, base + style + FOCUSED) for char, style in cells[:highlight]]
        segments += [Segment(char, base + style) for char, style in cells[highlight:]]
        return Strip(segments, width).simplify()

    def action_open(self) -> None:
        self.post_message(self.Selected(self, self.metric_id))
