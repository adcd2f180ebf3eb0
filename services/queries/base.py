"""What every query engine shares: the handle, the progress, the row values, a background run.

An engine is ``start(spec, params) -> QueryHandle``, ``poll(handle) -> QueryProgress``,
``stop(handle) -> bool``. Every method is a blocking call made from a worker, and each
returns quickly: an engine whose client blocks for the whole query (psycopg, an HTTP
request, a paginated scan) runs it in a :class:`BackgroundRun` thread, so ``poll`` only
looks and ``stop`` is heard while the query runs.

Handles and progress are plain data: no SDK type leaves ``services/``. Row values are
JSON's kinds (str, int, float, bool, None, lists and objects of them), so a row prints as
one JSON object as it is and a table cell is :func:`cell_text` of it.
"""
from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any, Literal, Protocol

from services.errors import SourceError
from services.profile.queries import QuerySpec

Status = Literal["running", "complete", "failed", "cancelled"]
FINAL: frozenset[str] = frozenset({"complete", "failed", "cancelled"})
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class QueryHandle:
    """One run: which engine, the engine's id for it, the text as sent (parameters filled in)."""

    engine: str
    query_id: str
    text: str
    started: float = field(default_factory=time.monotonic)
    """``time.monotonic()`` at start: elapsed time is measured from it."""


@dataclass(frozen=True, slots=True)
class QueryStats:
    """What the engine says the query cost; None where the engine does not tell."""

    bytes_scanned: float | None = None
    cost_usd: float | None = None
    """Athena: $5 per TB scanned (billed per MB, at least 10 MB)."""
    scanned: float | None = None
    """Records or items read (Logs Insights recordsScanned, DynamoDB ScannedCount)."""
    matched: float | None = None


@dataclass(frozen=True, slots=True)
class QueryProgress:
    """One poll's answer: status, columns in order, rows (column -> plain value), time since start."""

    query_id: str
    status: Status
    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    elapsed: float = 0.0
    stats: QueryStats = field(default_factory=QueryStats)
    error: SourceError | None = None
    """Why the query failed (status ``failed``): the engine's reason, typed."""
    truncated: bool = False
    """More rows exist than were read (the query's ``limit``)."""
    warning: str | None = None

    @property
    def done(self) -> bool:
        return self.status in FINAL


class QueryEngine(Protocol):
    name: str

    def start(self, spec: QuerySpec, params: Mapping[str, str]) -> QueryHandle: ...

    def poll(self, handle: QueryHandle) -> QueryProgress: ...

    def stop(self, handle: QueryHandle) -> bool: ...


def plain(value: Any) -> Any:
    """A driver's value as a JSON kind: dates as ISO text, decimals as numbers, bytes as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | clock_time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    return str(value)


def cell_text(value: Any) -> str:
    """One table cell: text as it is, null empty, lists and objects as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


@dataclass(slots=True)
class _Outcome:
    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    stats: QueryStats = field(default_factory=QueryStats)
    truncated: bool = False
    warning: str | None = None
    error: SourceError | None = None
    finished: float | None = None


class Cancelled(Exception):
    """Raised inside a background run that noticed its stop request between steps."""


class BackgroundRun:
    """A blocking query in a daemon thread: ``poll`` reads what it produced, ``stop`` asks it to end.

    ``work(run)`` returns ``(columns, rows, stats, truncated, warning)``; it may check
    ``run.stopping`` between pages (raise :class:`Cancelled`); ``on_stop`` interrupts what
    cannot check (a statement in the database). A typed error from ``work`` fails the run.
    """

    def __init__(self, work: Callable[[BackgroundRun], tuple[list[str], list[Row], QueryStats, bool, str | None]],
                 *, on_stop: Callable[[], None] | None = None, name: str = "query") -> None:
        self.id = uuid.uuid4().hex
        self.stopping = threading.Event()
        self._work = work
        self._on_stop = on_stop
        self._outcome: _Outcome | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"cockpit-{name}", daemon=True)

    def start(self) -> BackgroundRun:
        self._thread.start()
        return self

    def _run(self) -> None:
        outcome = _Outcome()
        try:
            columns, rows, stats, truncated, warning = self._work(self)
            outcome = _Outcome(columns, rows, stats, truncated, warning)
        except Cancelled:
            pass
        except SourceError as error:
            outcome.error = error
        except Exception as error:  # a bug or an untranslated driver error: shown, never lost in a thread
            outcome.error = SourceError(f"{type(error).__name__}: {error}")
        outcome.finished = time.monotonic()
        with self._lock:
            self._outcome = outcome

    def progress(self, handle: QueryHandle) -> QueryProgress:
        with self._lock:
            outcome = self._outcome
        if outcome is None:
            return QueryProgress(handle.query_id, "running", elapsed=time.monotonic() - handle.started)
        elapsed = (outcome.finished or time.monotonic()) - handle.started
        if self.stopping.is_set() and (outcome.error is not None or not outcome.columns):
            return QueryProgress(handle.query_id, "cancelled", elapsed=elapsed)
        if outcome.error is not None:
            return QueryProgress(handle.query_id, "failed", elapsed=elapsed, error=outcome.error)
        return QueryProgress(handle.query_id, "complete", outcome.columns, outcome.rows, elapsed, outcome.stats,
                             truncated=outcome.truncated, warning=outcome.warning)

    def stop(self) -> bool:
        """True if the run was still going (it ends soon after); False if it had finished."""
        with self._lock:
            if self._outcome is not None:
                return False
        self.stopping.set()
        if self._on_stop is not None:
            self._on_stop()
        return True

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class BackgroundEngine:
    """The part of an engine built on :class:`BackgroundRun`: its runs by id, poll and stop."""

    name = "background"

    def __init__(self) -> None:
        self._runs: dict[str, BackgroundRun] = {}

    def _launch(self, run: BackgroundRun, text: str) -> QueryHandle:
        handle = QueryHandle(self.name, run.id, text)
        self._runs[run.id] = run
        run.start()
        return handle

    def _run_of(self, handle: QueryHandle) -> BackgroundRun:
        run = self._runs.get(handle.query_id)
        if run is None:
            raise KeyError(f"{self.name}: no query {handle.query_id} was started here")
        return run

    def poll(self, handle: QueryHandle) -> QueryProgress:
        return self._run_of(handle).progress(handle)

    def stop(self, handle: QueryHandle) -> bool:
        return self._run_of(handle).stop()
