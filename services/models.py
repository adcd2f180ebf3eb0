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
class LatestPoint:
    """A metric's newest point at its own period (the range's last bucket may span many of them)."""

    at: datetime
    value: float
    period: int


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """All tiles' series from one refresh, and how many API calls it took."""

    series: dict[str, MetricSeries]
    start: datetime
    end: datetime
    api_calls: int
    periods: dict[str, int] = field(default_factory=dict)
    """The period each query was asked for: it follows the range (see ``MetricsSource``)."""
    latest: dict[str, LatestPoint] = field(default_factory=dict)
    """Where the range's period is coarser than the metric's own: its newest point at its own period."""
    limits: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    """Thresholds read with this refresh (``limits_of``): tile id → (alert, critical), in the tile's unit."""


AlarmState = Literal["ALARM", "INSUFFICIENT_DATA", "OK"]


@dataclass(frozen=True, slots=True)
class MetricKey:
    """What identifies a CloudWatch metric: namespace, name and dimensions (sorted)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Alarm:
    """A metric or composite alarm; ``metric``/``threshold`` are display text, ``watches`` the metrics."""

    name: str
    state: str
    reason: str
    updated: datetime
    kind: Literal["metric", "composite"] = "metric"
    metric: str | None = None
    threshold: str | None = None
    actions_enabled: bool = True
    watches: tuple[MetricKey, ...] = ()
    description: str = ""
    threshold_value: float | None = None


@dataclass(frozen=True, slots=True)
class AlarmTransition:
    """One alarm changed state between two refreshes (``at``: the alarm's own state time)."""

    name: str
    old_state: str
    new_state: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AlarmsSnapshot:
    """One refresh of the alarms: most urgent first, and what changed since the last one."""

    alarms: list[Alarm]
    transitions: list[AlarmTransition] = field(default_factory=list)
    api_calls: int = 0


@dataclass(frozen=True, slots=True)
class AlarmHistoryItem:
    """One entry of ``describe_alarm_history`` (states only for state updates)."""

    timestamp: datetime
    kind: str
    summary: str
    old_state: str | None = None
    new_state: str | None = None
    reason: str = ""


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
