"""CloudWatch Logs Live Tail (``StartLiveTail``): events pushed as they are ingested.

A session covers at most 10 log groups and ends after 3 hours; each session is read in
its own daemon thread into a queue that ``poll()`` drains, so the caller's loop is the
same as for polling. Before a session reaches ``renew_after`` a new one is started; the
old one is closed once the new one has started and overlapped it by ``overlap`` seconds,
so there is no gap. The overlap delivers some events twice: ``MergedDedupe`` lets an
event through once however many sources (sessions, a polling pass) deliver it.

Live Tail events have no ``eventId``: the id given here is derived from the event's
content, and events with identical content are counted, not collapsed. Live Tail samples
above 500 events/s; ``sampled`` says so, and the complete mode is polling.
"""
from __future__ import annotations

import contextlib
import itertools
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from services.aws.session import AwsSession, translate, translated_errors
from services.errors import BadInput, SourceError
from services.models import LogEvent

MAX_GROUPS_PER_SESSION = 10
SESSION_LIMIT = 3 * 3600.0

EventKey = tuple[str, str, int, str]


def event_key(event: LogEvent) -> EventKey:
    return (event.group, event.stream, int(event.timestamp.timestamp() * 1000), event.message)


class MergedDedupe:
    """Admits an event as many times as the source that delivered it most often did.

    Several sources (overlapping sessions, a polling pass) may deliver the same event; two
    events with identical content from one source are two events. Keys are forgotten by
    timestamp (``prune``), like the polling tail's ids.
    """

    def __init__(self) -> None:
        self._counts: dict[EventKey, Counter[str]] = defaultdict(Counter)

    def admit(self, source: str, event: LogEvent) -> bool:
        counts = self._counts[event_key(event)]
        counts[source] += 1
        others = max((count for name, count in counts.items() if name != source), default=0)
        return counts[source] > others

    def prune(self, older_than_ms: int) -> None:
        for key in [key for key in self._counts if key[2] < older_than_ms]:
            del self._counts[key]

    def __len__(self) -> int:
        return len(self._counts)


@dataclass
class _Update:
    session: str
    events: list[LogEvent]
    sampled: bool = False
    started: bool = False
    ended: SourceError | None = None
    timed_out: bool = False


class LiveTailSession:
    """One ``StartLiveTail`` call over ≤ 10 groups, read in a daemon thread."""

    _ids = itertools.count(1)

    def __init__(self, session: AwsSession, arns: dict[str, str], filter_pattern: str | None,
                 out: queue.Queue[_Update], clock: Callable[[], float] = time.monotonic) -> None:
        self.name = f"live-{next(self._ids)}"
        self.session = session
        self.arns = arns  # ARN -> group name
        self.filter_pattern = filter_pattern
        self.out = out
        self.clock = clock
        self.opened = clock()
        self.started = False
        self.ended = False
        self._stream: Any = None

    def open(self) -> None:
        """Start the session (blocking until the service answers); raises SourceError."""
        params: dict[str, Any] = {"logGroupIdentifiers": list(self.arns)}
        if self.filter_pattern:
            params["logEventFilterPattern"] = self.filter_pattern
        with translated_errors("logs.start_live_tail"):
            response = self.session.streaming_client("logs").start_live_tail(**params)
        self._stream = response["responseStream"]
        self.opened = self.clock()
        threading.Thread(target=self._read, daemon=True, name=self.name).start()

    def close(self) -> None:
        self.ended = True
        stream, self._stream = self._stream, None
        if stream is not None and hasattr(stream, "close"):
            with contextlib.suppress(Exception):  # closing a dead connection: nothing left to release
                stream.close()

    def _read(self) -> None:
        stream = self._stream
        try:
            # A stubbed response (botocore's Stubber) carries one event as a dict, not a stream.
            for item in [stream] if isinstance(stream, dict) else stream or ():
                if self.ended:
                    return
                self.out.put(self._parse(item))
            if not self.ended:
                self.out.put(_Update(self.name, [], ended=SourceError("live tail session closed by the endpoint")))
        except Exception as error:  # botocore raises modeled stream exceptions as EventStreamError
            if self.ended:
                return
            code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
            self.out.put(_Update(self.name, [], ended=translate(error, "logs.start_live_tail"),
                                 timed_out=code == "SessionTimeoutException"))
        finally:
            self.ended = True

    def _parse(self, item: dict[str, Any]) -> _Update:
        if "sessionStart" in item:
            self.started = True
            return _Update(self.name, [], started=True)
        update = item.get("sessionUpdate") or {}
        events = []
        for raw in update.get("sessionResults") or []:
            arn = raw.get("logGroupIdentifier", "")
            group = self.arns.get(arn) or self.arns.get(arn.removesuffix(":*")) or group_name(arn)
            ingested = raw.get("ingestionTime")
            events.append(LogEvent(
                event_id="",
                group=group,
                stream=raw.get("logStreamName", ""),
                timestamp=datetime.fromtimestamp(raw.get("timestamp", 0) / 1000, UTC),
                message=str(raw.get("message", "")).rstrip("\n"),
                ingestion_time=datetime.fromtimestamp(ingested / 1000, UTC) if ingested else None,
            ))
        sampled = bool((update.get("sessionMetadata") or {}).get("sampled"))
        return _Update(self.name, events, sampled=sampled)


def group_name(identifier: str) -> str:
    """``arn:aws:logs:R:A:log-group:NAME[:*]`` -> ``NAME``; a plain name is returned as is."""
    if ":log-group:" in identifier:
        return identifier.split(":log-group:", 1)[1].removesuffix(":*")
    return identifier


def resolve_arns(session: AwsSession, groups: list[str]) -> dict[str, str]:
    """StartLiveTail wants ARNs: look each group up once (``DescribeLogGroups``)."""
    arns: dict[str, str] = {}
    for group in groups:
        if group.startswith("arn:"):
            arns[group.removesuffix(":*")] = group_name(group)
            continue
        page = session.call("logs", "describe_log_groups", logGroupNamePrefix=group)
        match = next((g for g in page.get("logGroups", []) if g.get("logGroupName") == group), None)
        if match is None:
            raise BadInput(f"ResourceNotFoundException: log group {group} does not exist", operation="logs.describe_log_groups")
        arn = match.get("logGroupArn") or str(match.get("arn", "")).removesuffix(":*")
        arns[arn] = group
    return arns


class LiveTail:
    """Live Tail over any number of groups (one session per 10), renewed before 3 h without a gap.

    ``poll()`` returns the events that arrived since the last call, de-duplicated across
    overlapping sessions; it raises the SourceError of a session that could not start or
    that failed (the caller decides whether to restart or fall back to polling).
    """

    def __init__(self, session: AwsSession, groups: list[str], *, filter_pattern: str | None = None,
                 renew_after: float = SESSION_LIMIT - 300, overlap: float = 10.0,
                 dedupe: MergedDedupe | None = None, clock: Callable[[], float] = time.monotonic,
                 opener: Callable[..., LiveTailSession] | None = None) -> None:
        self.session = session
        self.opener = opener or LiveTailSession  # the renewal logic is tested with open-ended sessions
        self.groups = list(groups)
        self.filter_pattern = filter_pattern
        self.renew_after = renew_after
        self.overlap = overlap
        self.dedupe = dedupe or MergedDedupe()
        self.clock = clock
        self.sampled = False
        self.sessions: list[LiveTailSession] = []
        self._retiring: list[tuple[LiveTailSession, list[LiveTailSession]]] = []
        self._queue: queue.Queue[_Update] = queue.Queue()
        self._arns: dict[str, str] | None = None
        self.newest_ms = 0
        self.timed_out = False
        self._serial = 0
        self._failure: SourceError | None = None

    def start(self) -> None:
        """Open the sessions; raises the first SourceError (nothing is left open then)."""
        if self._arns is None:
            self._arns = resolve_arns(self.session, self.groups)
        self.sessions = self._open_all()

    def _open_all(self) -> list[LiveTailSession]:
        assert self._arns is not None
        arns = list(self._arns.items())
        opened: list[LiveTailSession] = []
        try:
            for index in range(0, len(arns), MAX_GROUPS_PER_SESSION):
                chunk = dict(arns[index:index + MAX_GROUPS_PER_SESSION])
                live = self.opener(self.session, chunk, self.filter_pattern, self._queue, self.clock)
                live.open()
                opened.append(live)
        except BaseException:
            for live in opened:
                live.close()
            raise
        return opened

    def close(self) -> None:
        for live in [*self.sessions, *(old for old, _ in self._retiring)]:
            live.close()
        self.sessions = []
        self._retiring = []

    def poll(self) -> list[LogEvent]:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        self._renew_if_due()
        fresh: list[LogEvent] = []
        ended: _Update | None = None
        while True:
            try:
                update = self._queue.get_nowait()
            except queue.Empty:
                break
            if update.ended is not None:
                if any(live.name == update.session for live in self.sessions):
                    ended = ended or update
                continue
            self.sampled = self.sampled or update.sampled
            for event in update.events:
                if self.dedupe.admit(update.session, event):
                    self._serial += 1
                    stamp = int(event.timestamp.timestamp() * 1000)
                    self.newest_ms = max(self.newest_ms, stamp)
                    fresh.append(replace(event, event_id=f"live:{stamp}:{self._serial}"))
        self._retire_overlapped()
        fresh.sort(key=lambda event: event.timestamp)
        if ended is not None:
            self.close()
            self.timed_out = ended.timed_out
            assert ended.ended is not None
            if not fresh:
                raise ended.ended
            self._failure = ended.ended  # deliver what arrived first, report the end next time
        return fresh

    def _renew_if_due(self) -> None:
        now = self.clock()
        due = [live for live in self.sessions if now - live.opened >= self.renew_after]
        if not due or self._retiring:
            return
        replacements = self._open_all()
        self._retiring = [(old, replacements) for old in self.sessions]
        self.sessions = replacements

    def _retire_overlapped(self) -> None:
        now = self.clock()
        keep = []
        for old, new in self._retiring:
            if all(live.started for live in new) and now - min(live.opened for live in new) >= self.overlap:
                old.close()
            else:
                keep.append((old, new))
        self._retiring = keep
        if self.newest_ms:
            self.dedupe.prune(self.newest_ms - int(max(600.0, 2 * self.overlap) * 1000))
