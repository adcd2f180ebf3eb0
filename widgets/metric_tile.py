"""One metric as a tile: label, latest value and band, sparkline, time of the last point."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from widgets.sparkline_text import sparkline

BAND_STYLE = {"normal": "green", "alert": "bold yellow", "critical": "bold white on red", "unknown": "dim"}
# The band is also spelled out, so it reads without colour (NO_COLOR, monochrome terminals).
BAND_MARK = {"normal": "ok", "alert": "▲ ALERT", "critical": "✖ CRIT", "unknown": "no data"}


@dataclass(frozen=True)
class TileReading:
    """What a tile shows; plain data, computed by the screen from a metric series."""

    label: str
    value_text: str = "…"
    band: str = "unknown"
    history: tuple[float, ...] = ()
    alert: float | None = None
    critical: float | None = None
    direction: str = "above"
    when: str = ""
    note: str = ""


class MetricTile(Widget):
    """A fixed-size, borderless tile: only the tile whose reading changed is repainted."""

    DEFAULT_CSS = """
    MetricTile {
        width: 1fr;
        height: 3;
        padding: 0 1;
    }
    """

    reading: reactive[TileReading] = reactive(TileReading(label=""), layout=False)
    """The reading on display; assigning an equal reading repaints nothing."""

    def __init__(self, reading: TileReading, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(MetricTile.reading, reading)

    def render(self) -> Text:
        reading = self.reading
        width = max(1, self.size.width - 2) if self.size.width else 24
        mark = BAND_MARK[reading.band]
        label = Text(no_wrap=True, overflow="ellipsis")
        label.append(reading.label[: max(1, width - len(mark) - 1)], "bold")
        label.pad_right(max(0, width - label.cell_len - len(mark)))
        label.append(mark, BAND_STYLE[reading.band])
        value = Text(no_wrap=True, overflow="ellipsis")
        value.append(f" {reading.value_text} ", BAND_STYLE[reading.band])
        detail = reading.note or reading.when
        if detail:
            value.pad_right(max(1, width - value.cell_len - len(detail)))
            value.append(detail, "dim")
        spark = sparkline(reading.history, width, alert=reading.alert, critical=reading.critical,
                          direction=reading.direction)
        return Text("\n").join([label, value, spark])
