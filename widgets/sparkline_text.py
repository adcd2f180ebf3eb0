"""A one-line sparkline as Rich text, bars past a threshold coloured by band."""
from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int, *, alert: float | None = None, critical: float | None = None,
              direction: str = "above") -> Text:
    """The last ``width`` values scaled to the range that also contains the thresholds."""
    text = Text(no_wrap=True, overflow="crop")
    if not values or width <= 0:
        return text
    shown = list(values[-width:])
    bounds = shown + [t for t in (alert, critical) if t is not None and direction == "above" and t <= max(shown) * 4]
    low, high = min(min(shown), 0.0), max(bounds)
    span = (high - low) or 1.0
    for value in shown:
        level = int((value - low) / span * (len(BARS) - 1) + 0.5)
        bar = BARS[max(0, min(len(BARS) - 1, level))]
        beyond = (lambda limit: value > limit) if direction == "above" else (lambda limit: value < limit)
        if critical is not None and beyond(critical):
            style = "bold red"
        elif alert is not None and beyond(alert):
            style = "yellow"
        else:
            style = "cyan"
        text.append(bar, style)
    return text
