"""Exactly-once tailing of CloudWatch Logs groups by polling ``FilterLogEvents``.

``FilterLogEvents`` selects by event timestamp, not ingestion time, so a tail that
moves its start to the newest timestamp seen misses events ingested late with older
timestamps, and one that re-reads without memory repeats events. This tail re-reads a
sliding window, ``newest_seen - lookback`` up to now, follows every ``nextToken`` (an
empty page with a token is not the end), and yields only events whose ``eventId`` it
has not yielded before. Ids older than the window's start are forgotten, so memory is
bounded by the window. The only event it can miss is one ingested more than
``lookback`` seconds after its own timestamp: a setting, not an accident.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from services.aws.session import AwsSession
from services.errors import Throttled
from services.models import LogEvent
from services.rate import RateBudget

FILTER_LOG_EVENTS_RATE = 5.0  # requests/s per account and region (AWS quota)


class FilterLogEventsTail:
    """Polls one or more log groups; each ``poll()`` returns the events not returned before."""

    def __init__(
        self,
        session: AwsSession,
        groups: Iterable[str],
        *,
        since_seconds: float = 600,
        lookback_seconds: float = 120,
        filter_pattern: str | None = None,
        budget: RateBudget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.groups = list(groups)
        self.lookback_ms = int(lookback_seconds * 1000)
        self.filter_pattern = filter_pattern
        self.budget = budget or RateBudget(FILTER_LOG_EVENTS_RATE)
        self.calls = 0
        start_ms = int((clock() - since_seconds) * 1000)
        self._start = {group: start_ms for group in self.groups}
        self._newest: dict[str, int | None] = {group: None for group in self.groups}
        self._seen: dict[str, dict[str, int]] = {group: {} for group in self.groups}

    def window_start(self, group: str) -> int:
        newest = self._newest[group]
        if newest is None:
            return self._start[group]
        return max(self._start[group], newest - self.lookback_ms)

    def remembered(self) -> int:
        """How many event ids are held for de-duplication (bounded by the window)."""
        return sum(len(seen) for seen in self._seen.values())

    def poll(self) -> list[LogEvent]:
        fresh: list[LogEvent] = []
        for group in self.groups:
            fresh.extend(self._poll_group(group))
        fresh.sort(key=lambda event: (event.timestamp, event.ingestion_time or event.timestamp))
        return fresh

    def _poll_group(self, group: str) -> list[LogEvent]:
        seen = self._seen[group]
        params: dict[str, Any] = {"logGroupName": group, "startTime": self.window_start(group)}
        if self.filter_pattern:
            params["filterPattern"] = self.filter_pattern
        fresh: list[LogEvent] = []
        while True:
            self.budget.acquire()
            try:
                page = self.session.call("logs", "filter_log_events", **params)
            except Throttled:
                self.budget.slow_down(2.0)
                raise
            self.calls += 1
            for raw in page.get("events", []):
                event_id = raw.get("eventId") or f"{raw.get('logStreamName')}:{raw['timestamp']}:{hash(raw.get('message'))}"
                if event_id in seen:
                    continue
                seen[event_id] = raw["timestamp"]
                fresh.append(_event(group, event_id, raw))
            token = page.get("nextToken")
            if not token:
                break
            params["nextToken"] = token
        if fresh:
            newest = max(seen.values())
            self._newest[group] = max(self._newest[group] or newest, newest)
        horizon = self.window_start(group)
        for event_id in [event_id for event_id, stamp in seen.items() if stamp < horizon]:
            del seen[event_id]
        return fresh


def _event(group: str, event_id: str, raw: dict[str, Any]) -> LogEvent:
    ingested = raw.get("ingestionTime")
    return LogEvent(
        event_id=event_id,
        group=group,
        stream=raw.get("logStreamName", ""),
        timestamp=datetime.fromtimestamp(raw["timestamp"] / 1000, UTC),
        message=raw.get("message", "").rstrip("\n"),
        ingestion_time=datetime.fromtimestamp(ingested / 1000, UTC) if ingested else None,
    )
