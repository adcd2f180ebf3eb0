"""Every value the cockpit shows as text, formatted in one place: units, sizes, durations, times.

Sizes use the binary scale with binary names (1 KiB = 1024 B) everywhere: tiles, the
containers pane and the database screen agree. Times on screen are local with their zone.
"""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta


# ------------------------------------------------------------------ values and units
def format_value(value: float | None, unit: str = "") -> str:
    """A metric's value in human units: 287412 ms -> "4.8 min", 12345 -> "12.3k"."""
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
        return human_bytes(value)
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


def human_bytes(value: float | None) -> str:
    """``1536`` -> ``1.5 KiB``; ``None`` -> ``""`` (unknown)."""
    if value is None:
        return ""
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" or abs(size) >= 100 else f"{size:.1f} {unit}"
        size /= 1024
    return ""


# ------------------------------------------------------------------ durations
def seconds_text(seconds: float | None) -> str:
    """A short duration for a table cell: ``4.2s``, ``95s``, ``12m``, ``3h``."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.0f}h"


def spelled_duration(delta: timedelta) -> str:
    """For a report: ``2 hours 5 minutes``."""
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} hours {minutes} minutes" if hours else f"{minutes} minutes"


# ------------------------------------------------------------------ times
def local_clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S %Z")


def local_hm(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def age(moment: datetime, now: datetime | None = None) -> str:
    """How long ago: ``4m``, ``2h10m``, ``3d``."""
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    return f"{hours // 24}d"


def local_since(moment: datetime, now: datetime | None = None) -> str:
    """A stable "since when": ``14:02:07`` today, ``Nov23 14:02`` before (it does not tick)."""
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return local.strftime("%H:%M:%S") if local.date() == today else local.strftime("%b%d %H:%M")
