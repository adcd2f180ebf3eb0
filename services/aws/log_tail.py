"""Exactly-once tailing of CloudWatch Logs groups by polling ``FilterLogEvents``.

``FilterLogEvents`` selects by event timestamp, not ingestion time, so a tail that
moves its start to the newest timestamp seen misses events ingested late with older
timestamps, and one that re-reads without memory repeats events. This tail re-reads a
sliding window, ``newest_seen - lookback`` up to now, follows every ``nextToken`` (an
empty page with a token is not the end), and yields only events whose ``eventId`` it
has not yielded before. Ids older than the window's start are forgotten, so memory is
bounded by the window. The only event it can miss is one ingested more than
``lookback`` seconds after its own timestamp: a setting, not an accident.

A group's ids are committed only once its whole pass (every page) succeeded: a pass cut
short by an error is re-read from the same window start next time, and the events other
groups already returned are kept for the next ``poll()`` rather than dropped.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from services.aws.session import AwsSession
from services.errors import Throttled
from services.models import LogEvent
from services.rate import RateBudget

FILTER_LOG_EVENTS_RATE = 5.0  # requests/s per account and region (AWS quota)
# botocore (adaptive mode) already retries a throttled call and lowers its rate; one more try here
# keeps a long pagination from restarting, then the pane says "throttled" and the poller backs off.
THROTTLE_RETRIES = 1

_budgets: dict[tuple[str | None, str | None, str | None], RateBudget] = {}
_budgets_lock = threading.Lock()


def shared_budget(session: AwsSession) -> RateBudget:
    """The one FilterLogEvents budget of this process for the session's account and region."""
    target = session.target
    key = (target.endpoint_url, target.region, target.profile or target.role_arn)
    with _budgets_lock:
        if key not in _budgets:
            _budgets[key] = RateBudget(FILTER_LOG_EVENTS_RATE, burst=1)  # never above 5 in any second
        return _budgets[key]


class FilterLogEventsTail:
    """Polls one or more log groups; each ``poll()`` returns the events not returned before.

    Thread-safe for one poller: ``add_group``/``remove_group`` may be called from another
    thread while a poll runs (they take effect at the next group boundary).
    """

    def __init__(
        self,
        session: AwsSession,
        groups: Iterable[str],
        *,
        since_seconds: float = 600,
        lookback_seconds: float = 120,
        filter_pattern: str | None = None,
        budget: RateBudget | None = None,
        page_size: int | None = None,
        cancelled: threading.Event | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.lookback_ms = int(lookback_seconds * 1000)
        self.since_seconds = since_seconds
        self.filter_pattern = filter_pattern or None
        self.budget = budget or shared_budget(session)
        self.page_size = page_size
        self.cancelled = cancelled or threading.Event()
        self.clock = clock
        self.calls = 0
        self.throttled = 0
        self._lock = threading.Lock()
        self.groups: list[str] = []
        self._start: dict[str, int] = {}
        self._newest: dict[str, int | None] = {}
        self._seen: dict[str, dict[str, int]] = {}
        self._pending: list[LogEvent] = []
        for group in groups:
            self.add_group(group)

    def add_group(self, group: str, since_seconds: float | None = None) -> None:
        with self._lock:
            if group in self._start:
                return
            since = self.since_seconds if since_seconds is None else since_seconds
            self._start[group] = int((self.clock() - since) * 1000)
            self._newest[group] = None
            self._seen[group] = {}
            self.groups = [*self.groups, group]

    def remove_group(self, group: str) -> None:
        with self._lock:
            self.groups = [name for name in self.groups if name != group]

    def advance(self, start_ms: int) -> None:
        """Never re-read before ``start_ms`` (another source delivered up to there)."""
        with self._lock:
            for group in self.groups:
                self._start[group] = max(self._start[group], start_ms)

    def window_start(self, group: str) -> int:
        newest = self._newest[group]
        if newest is None:
            return self._start[group]
        return max(self._start[group], newest - self.lookback_ms)

    def remembered(self) -> int:
        """How many event ids are held for de-duplication (bounded by the window)."""
        return sum(len(seen) for seen in self._seen.values())

    def poll(self) -> list[LogEvent]:
        fresh, self._pending = self._pending, []
        for group in list(self.groups):
            try:
                fresh.extend(self._poll_group(group))
            except BaseException:
                self._pending = fresh  # already committed as seen: deliver them next time
                raise
        fresh.sort(key=lambda event: (event.timestamp, event.ingestion_time or event.timestamp))
        return fresh

    def _call(self, params: dict[str, Any]) -> dict[str, Any]:
        """One page, within the shared budget; throttling slows every tail down, then retries."""
        for attempt in range(THROTTLE_RETRIES + 1):
            self.budget.acquire(self.cancelled)
            if self.cancelled.is_set():
                return {}
            try:
                page = self.session.call("logs", "filter_log_events", **params)
            except Throttled:
                self.throttled += 1
                self.budget.slow_down(min(30.0, 1.0 * 2 ** attempt))
                if attempt == THROTTLE_RETRIES:
                    raise
                continue
            self.calls += 1
            return page
        raise AssertionError("unreachable")

    def _poll_group(self, group: str) -> list[LogEvent]:
        seen = self._seen[group]
        params: dict[str, Any] = {"logGroupName": group, "startTime": self.window_start(group)}
        if self.filter_pattern:
            params["filterPattern"] = self.filter_pattern
        if self.page_size:
            params["limit"] = self.page_size
        new_ids: dict[str, int] = {}
        fresh: list[LogEvent] = []
        while not self.cancelled.is_set():
            page = self._call(params)
            for raw in page.get("events", []):
                event_id = raw.get("eventId") or f"{raw.get('logStreamName')}:{raw['timestamp']}:{hash(raw.get('message'))}"
                if event_id in seen or event_id in new_ids:
                    continue
                new_ids[event_id] = raw["timestamp"]
                fresh.append(_event(group, event_id, raw))
            token = page.get("nextToken")
            if not token:
                break
            params["nextToken"] = token
        if self.cancelled.is_set():
            return []  # an unfinished pass commits nothing
        seen.update(new_ids)
        if new_ids:
            newest = max(new_ids.values())
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
        message=str(raw.get("message", "")).rstrip("\n"),
        ingestion_time=datetime.fromtimestamp(ingested / 1000, UTC) if ingested else None,
    )


def list_log_groups(session: AwsSession, contains: str = "", limit: int = 1000) -> list[str]:
    """The account's log group names (a substring filter applied locally; at most ``limit``)."""
    names: list[str] = []
    for page in session.paginate("logs", "describe_log_groups"):
        for group in page.get("logGroups", []):
            name = group.get("logGroupName", "")
            if contains.lower() in name.lower():
                names.append(name)
        if len(names) >= limit:
            break
    return names[:limit]
