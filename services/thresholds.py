"""Which band a value is in, from a runbook's alert/critical thresholds."""
from __future__ import annotations

from services.models import Band


def band_of(value: float | None, alert: float | None, critical: float | None, direction: str = "above") -> Band:
    """``direction="above"``: bad when the value is above a threshold; ``"below"``: when under it."""
    if value is None:
        return "unknown"
    beyond = (lambda limit: value > limit) if direction == "above" else (lambda limit: value < limit)
    if critical is not None and beyond(critical):
        return "critical"
    if alert is not None and beyond(alert):
        return "alert"
    return "normal"
