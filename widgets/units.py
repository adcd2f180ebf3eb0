"""Human units for values on screen: 287412 ms -> "287.4 s", 12345 -> "12.3k"."""
from __future__ import annotations

import math


def format_value(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "—"
    unit = unit.strip()
    if unit == "ms":
        if abs(value) >= 60_000:
            return f"{value / 60_000:.1f} min"
        if abs(value) >= 1000:
            return f"{value / 1000:.1f} s"
        return f"{value:.0f} ms"
    if unit in ("bytes", "B"):
        for scale, name in ((1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")):
            if abs(value) >= scale:
                return f"{value / scale:.1f} {name}"
        return f"{value:.0f} B"
    if unit == "%":
        return f"{value:.1f}%"
    text = compact_number(value)
    return f"{text} {unit}" if unit else text


def compact_number(value: float) -> str:
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.1f}{suffix}"
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
