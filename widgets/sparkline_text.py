"""A one-line sparkline as Rich text over a time range, bars past a threshold coloured by band.

``bucket`` spreads a series over ``width`` columns of the visible range: each point covers
its own period, so a 15-minute range of 1-minute points fills the tile rather than its
last 15 cells, and a column with no point is ``None`` (drawn blank: no data is not zero).
"""
from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"
GAP = " "
SPARK_STYLE = {"normal": "cyan", "alert": "yellow", "critical": "bold red"}


def beyond(value: float, limit: float | None, direction: str) -> bool:
    if limit is None:
        return False
    return value > limit if direction == "above" else value < limit


def band_style(value: float, alert: float | None, critical: float | None, direction: str) -> str:
    if beyond(value, critical, direction):
        return SPARK_STYLE["critical"]
    if beyond(value, alert, direction):
        return SPARK_STYLE["alert"]
    return SPARK_STYLE["normal"]


def bucket(times: Sequence[float], values: Sequence[float], start: float, end: float, width: int, *,
           period: float = 60, direction: str = "above") -> list[float | None]:
    """``width`` columns over ``[start, end)``; a column keeps its worst point (max above, min below)."""
    columns: list[float | None] = [None] * max(0, width)
    span = end - start
    if width <= 0 or span <= 0:
        return columns
    worse = max if direction == "above" else min
    for moment, value in zip(times, values, strict=True):  # one series' points: a mismatch is a bug
        first = int((moment - start) / span * width)
        last = int((moment + period - start) / span * width - 1e-9)
        for column in range(max(0, first), min(width - 1, max(first, last)) + 1):
            current = columns[column]
            columns[column] = value if current is None else worse(current, value)
    return columns


def scale(values: Sequence[float], alert: float | None, critical: float | None) -> tuple[float, float]:
    """Low and high of the scale: the values, and the thresholds when they are not far above them."""
    low, high = min(min(values), 0.0), max(values)
    for limit in (alert, critical):
        if limit is not None and limit <= max(high, 1e-12) * 4:
            high = max(high, limit)
            low = min(low, limit)
    return low, high


def level(value: float, low: float, high: float, levels: int) -> int:
    span = (high - low) or 1.0
    return max(0, min(levels - 1, int((value - low) / span * (levels - 1) + 0.5)))


def sparkline(values: Sequence[float | None], width: int, *, alert: float | None = None, critical: float | None = None,
              direction: str = "above") -> Text:
    """The last ``width`` values (``None``: a gap) scaled to include nearby thresholds."""
    text = Text(no_wrap=True, overflow="crop", end="")
    if width <= 0:
        return text
    shown = list(values[-width:])
    present = [value for value in shown if value is not None]
    if not present:
        return text
    low, high = scale(present, alert, critical)
    for value in shown:
        if value is None:
            text.append(GAP)
        else:
            text.append(BARS[level(value, low, high, len(BARS))], band_style(value, alert, critical, direction))
    return text
