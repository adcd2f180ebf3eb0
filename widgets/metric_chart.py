"""A larger chart of one series: block columns over the range, thresholds drawn as lines.

The vertical scale always includes the alert and critical thresholds, so the responder
sees how far the series is from them; a column with no data stays blank (not zero).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from services.formatting import format_value
from widgets.sparkline_text import band_style, bucket

PARTIAL = " ▁▂▃▄▅▆▇█"
LIMIT_STYLE = {"alert": "yellow", "critical": "bold red"}


@dataclass(frozen=True)
class ChartData:
    """A series over ``[start, end)`` in epoch seconds, with its thresholds and unit."""

    times: tuple[float, ...] = ()
    values: tuple[float, ...] = ()
    start: float = 0.0
    end: float = 0.0
    period: float = 60.0
    alert: float | None = None
    critical: float | None = None
    direction: str = "above"
    unit: str = ""


class MetricChart(Widget):
    """Rows of block characters; y-axis labels at the top, the thresholds and the bottom."""

    DEFAULT_CSS = """
    MetricChart {
        height: 1fr;
        min-height: 6;
    }
    """

    data: reactive[ChartData] = reactive(ChartData, layout=False)
    """The series on display; the chart repaints when it changes."""

    def render(self) -> Text:
        data = self.data
        width, height = self.size.width, self.size.height - 1
        text = Text(no_wrap=True, overflow="crop", end="")
        if width < 12 or height < 2:
            return text
        limits = {name: value for name, value in (("alert", data.alert), ("critical", data.critical)) if value is not None}
        present = list(data.values)
        if not present and not limits:
            return Text("no data in range", "dim")
        low = min([*present, *limits.values(), 0.0])
        high = max([*present, *limits.values()])
        high = high if high > low else low + 1.0
        labels = {0: format_value(high, data.unit), height - 1: format_value(low, data.unit)}
        step = (high - low) / height
        limit_rows: dict[int, str] = {}
        for name, limit in limits.items():
            row = min(height - 1, max(0, int((high - limit) / step)))
            limit_rows[row] = name
            labels[row] = format_value(limit, data.unit)
        axis = max(len(label) for label in labels.values()) + 1
        plot = width - axis - 1
        columns = bucket(data.times, data.values, data.start, data.end, plot, period=data.period,
                         direction=data.direction)
        for row in range(height):
            top = high - row * step
            bottom = top - step
            text.append(labels.get(row, "").rjust(axis), LIMIT_STYLE.get(limit_rows.get(row, ""), "dim"))
            text.append("┤" if row in labels else "│", "dim")
            for value in columns:
                if value is not None and value >= top:
                    text.append("█", band_style(value, data.alert, data.critical, data.direction))
                elif value is not None and value > bottom:
                    eighths = int((value - bottom) / step * 8 + 0.5)
                    if eighths:
                        text.append(PARTIAL[eighths], band_style(value, data.alert, data.critical, data.direction))
                    elif row in limit_rows:
                        text.append("┈", LIMIT_STYLE[limit_rows[row]])
                    else:
                        text.append(" ")
                elif row in limit_rows:
                    text.append("┈", LIMIT_STYLE[limit_rows[row]])
                else:
                    text.append(" ")
            text.append("\n")
        text.append(" " * (axis + 1))
        text.append(_time_axis(data.start, data.end, plot), "dim")
        return text


def _time_axis(start: float, end: float, width: int) -> str:
    if end <= start or width < 12:
        return ""
    fmt = "%a %H:%M" if end - start > 86400 else "%H:%M"
    left, middle, right = (datetime.fromtimestamp(t).strftime(fmt) for t in (start, (start + end) / 2, end))
    line = left.ljust(width)
    centre = max(len(left) + 1, width // 2 - len(middle) // 2)
    if centre + len(middle) < width - len(right) - 1:
        line = line[:centre] + middle + line[centre + len(middle):]
    return line[: width - len(right)] + right
