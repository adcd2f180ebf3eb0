"""Plain data returned by services: no boto3, docker or psycopg types past this point."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Band = Literal["normal", "alert", "critical", "unknown"]


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """One metric's points over the requested range, oldest first (aware UTC datetimes)."""

    metric_id: str
    timestamps: tuple[datetime, ...] = ()
    values: tuple[float, ...] = ()
    error: str | None = None

    @property
    def latest(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def latest_time(self) -> datetime | None:
        return self.timestamps[-1] if self.timestamps else None


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """All tiles' series from one refresh, and how many API calls it took."""

    series: dict[str, MetricSeries]
    start: datetime
    end: datetime
    api_calls: int


AlarmState = Literal["ALARM", "INSUFFICIENT_DATA", "OK"]


@dataclass(frozen=True, slots=True)
class Alarm:
    name: str
    state: str
    reason: str
    updated: datetime
    kind: Literal["metric", "composite"] = "metric"
    metric: str | None = None
    threshold: str | None = None
    actions_enabled: bool = True


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One CloudWatch Logs event; ``event_id`` is stable and unique within a group."""

    event_id: str
    group: str
    stream: str
    timestamp: datetime
    message: str
    ingestion_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class SourceCheck:
    """One line of ``cockpit check``."""

    source: str
    ok: bool
    detail: str = ""
    extra: dict[str, str] = field(default_factory=dict)
