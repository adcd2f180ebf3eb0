"""The log tail the cockpit reads: Live Tail where the endpoint has it, else exactly-once polling.

``LogTailSource.poll()`` first reads the history (``since``) with the polling tail, then
tries ``StartLiveTail`` once per endpoint. An endpoint that refuses it, or whose first
session closes within ``min_live_seconds`` without the 3-hour timeout (an emulator that
answers with a finite stream), is remembered as unsupported and the source keeps polling.
A live session that fails later is restarted after a polling pass that covers the gap.
Until an endpoint's first session has lived ``min_live_seconds`` its events are held
back: if it closes before that, they are dropped (polling delivers them) rather than
trusted, since an emulator's one-shot answer may repeat or misattribute events.
Mode ``"poll"`` (the complete mode: Live Tail samples above 500 events/s) never uses
Live Tail. Every event is delivered once across the switches: the polling tail
de-duplicates by ``eventId``, and ``MergedDedupe`` by content between polling and live.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from services.aws.live_tail import LiveTail, MergedDedupe
from services.aws.log_tail import FilterLogEventsTail
from services.aws.session import AwsSession
from services.errors import SourceError
from services.models import LogEvent

TailMode = Literal["auto", "live", "poll"]

_live_unsupported: dict[tuple[str | None, str | None], str] = {}
_live_proven: set[tuple[str | None, str | None]] = set()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class TailBatch:
    """What one ``poll()`` produced, and how the source reads now ("live tail · sampled")."""

    events: list[LogEvent]
    status: str
    calls: int = 0


class LogTailSource:
    """One tail over some groups; ``poll()`` is called by one worker, ``set_mode`` from anywhere."""

    def __init__(self, session: AwsSession, groups: list[str], *, mode: TailMode = "auto",
                 since_seconds: float = 600, lookback_seconds: float = 120, filter_pattern: str | None = None,
                 page_size: int | None = None, min_live_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.session = session
        self.filter_pattern = filter_pattern or None
        self.lookback_ms = int(lookback_seconds * 1000)
        self.mode: TailMode = mode
        self.min_live_seconds = min_live_seconds
        self.clock = clock
        self.cancelled = threading.Event()
        self.poller = FilterLogEventsTail(session, groups, since_seconds=since_seconds,
                                          lookback_seconds=lookback_seconds, filter_pattern=self.filter_pattern,
                                          page_size=page_size, cancelled=self.cancelled)
        self.dedupe = MergedDedupe()
        self.live: LiveTail | None = None
        self.note = ""
        self._live_opened = 0.0
        self._backfilled = False
        self.mode_changed = False
        self._held: list[LogEvent] = []  # live events of a session still on probation

    @property
    def groups(self) -> list[str]:
        return self.poller.groups

    @property
    def _endpoint(self) -> tuple[str | None, str | None]:
        return (self.session.target.endpoint_url, self.session.target.region)

    def add_group(self, group: str) -> None:
        """Tail one more group from now on (its recent history included); live sessions restart."""
        self.poller.add_group(group)
        self.mode_changed = True

    def set_mode(self, mode: TailMode) -> None:
        self.mode = mode
        self.mode_changed = True

    def close(self) -> None:
        self.cancelled.set()
        if self.live is not None:
            self.live.close()

    def status(self) -> str:
        if self.live is not None:
            return "live tail · sampled (P: complete mode)" if self.live.sampled else "live tail"
        text = "polling" if self.mode != "poll" else "polling (complete mode)"
        return f"{text} · {self.note}" if self.note else text

    def poll(self) -> TailBatch:
        if self.mode_changed:
            self.mode_changed = False
            self._stop_live()
            self._backfilled = False  # one polling pass first: new groups' history, the switch's gap
        if not self._backfilled:
            events = self._from_poller()
            self._backfilled = True
            self._maybe_start_live()
            return TailBatch(events, self.status(), self.poller.calls)
        if self.live is None:
            self._maybe_start_live()
        if self.live is None:
            return TailBatch(self._from_poller(), self.status(), self.poller.calls)
        try:
            events = self.live.poll()
        except SourceError as error:
            events = self._live_failed(error)
        else:
            if self._endpoint not in _live_proven:
                self._held.extend(events)
                if self.clock() - self._live_opened < self.min_live_seconds:
                    return TailBatch([], self.status(), self.poller.calls)
                with _lock:
                    _live_proven.add(self._endpoint)
                events, self._held = self._held, []
            if self.live.newest_ms:
                self.poller.advance(self.live.newest_ms - self.lookback_ms)
                self.dedupe.prune(self.live.newest_ms - 2 * self.lookback_ms)
        return TailBatch(events, self.status(), self.poller.calls)

    def _from_poller(self) -> list[LogEvent]:
        events = self.poller.poll()
        if self.mode != "poll" or len(self.dedupe):  # live may deliver these too: count them
            events = [event for event in events if self.dedupe.admit("poll", event)]
            starts = [self.poller.window_start(group) for group in self.poller.groups]
            if starts:
                self.dedupe.prune(min(starts) - self.lookback_ms)
        return events

    def _maybe_start_live(self) -> None:
        if self.mode == "poll" or self.cancelled.is_set():
            return
        with _lock:
            refused = _live_unsupported.get(self._endpoint)
        if refused is not None:
            if self.mode == "live":
                raise SourceError(f"live tail unavailable here ({refused})", operation="logs.start_live_tail")
            self.note = "no live tail here"
            return
        live = LiveTail(self.session, list(self.poller.groups), filter_pattern=self.filter_pattern,
                        dedupe=self.dedupe, clock=self.clock)
        try:
            live.start()
        except SourceError as error:
            self._refuse(str(error))
            if self.mode == "live":
                raise
            return
        self.live = live
        self._live_opened = self.clock()
        self.note = ""

    def _refuse(self, reason: str) -> None:
        with _lock:
            _live_unsupported[self._endpoint] = reason[:120]
        self.note = "no live tail here"

    def _stop_live(self) -> None:
        if self.live is not None:
            if self.live.newest_ms:
                self.poller.advance(self.live.newest_ms - self.lookback_ms)
            self.live.close()
            self.live = None

    def _live_failed(self, error: SourceError) -> list[LogEvent]:
        """A session ended: too soon means no real Live Tail here; otherwise cover the gap by polling."""
        assert self.live is not None
        lived = self.clock() - self._live_opened
        timed_out = self.live.timed_out
        self._stop_live()
        if not timed_out and lived < self.min_live_seconds and self._endpoint not in _live_proven:
            self._refuse(f"session closed after {lived:.0f}s ({error})")
            self._held = []  # not trusted: the polling pass below delivers them
            self.dedupe = MergedDedupe()
        else:
            self.note = f"live tail restarted ({error})"
        return self._from_poller()
