"""Times on screen: local time with its zone, and short ages ("4m", "2h10m")."""
from __future__ import annotations

from datetime import UTC, datetime


def local_clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S %Z")


def local_hm(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def age(moment: datetime, now: datetime | None = None) -> str:
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
