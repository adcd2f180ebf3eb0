"""A shared incident timeline in PostgreSQL, so several responders see each other's events.

The local file stays the durable record (written first, fsync'd); each event is then
copied to the table. If the database is away, events wait in memory and are sent with
the next write or read: nothing is dropped while the cockpit runs.
"""
from __future__ import annotations

import json
import logging
import threading
from typing import Any

from services.errors import BadInput, SourceError, Unreachable

log = logging.getLogger("cockpit.timeline")


class PostgresTimelineStore:
    """``write_event`` appends; ``read(after_id)`` returns ``(id, event)`` pairs, oldest first."""

    def __init__(self, dsn: str, table: str = "cockpit_timeline") -> None:
        if not table.replace("_", "").isalnum():
            raise BadInput(f"timeline table {table!r}: letters, digits and _ only")
        self._dsn = dsn  # never logged, never shown
        self.table = table
        self._connection: Any = None
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        import psycopg

        if self._connection is None or self._connection.closed:
            try:
                self._connection = psycopg.connect(self._dsn, autocommit=True, connect_timeout=5)
            except psycopg.OperationalError as error:
                raise Unreachable(f"timeline database: {str(error).splitlines()[0] if str(error) else 'unreachable'}") from None
            self._connection.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (id bigserial PRIMARY KEY, "
                "recorded timestamptz NOT NULL DEFAULT now(), event jsonb NOT NULL)")
        return self._connection

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        try:
            cursor = self._connect().execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        except psycopg.Error as error:
            self._connection = None  # reconnect next time
            raise Unreachable(f"timeline database: {type(error).__name__}") from None

    def write_event(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(event)
            self._flush()

    def _flush(self) -> None:
        while self._pending:
            self._run(f"INSERT INTO {self.table} (event) VALUES (%s::jsonb)", (json.dumps(self._pending[0], default=str),))
            self._pending.pop(0)

    def read(self, after_id: int = 0) -> list[tuple[int, dict[str, Any]]]:
        with self._lock:
            try:
                self._flush()
            except SourceError as error:
                log.warning("timeline events waiting for the database: %s", error)
            rows = self._run(f"SELECT id, event FROM {self.table} WHERE id > %s ORDER BY id", (after_id,))
        return [(int(row[0]), row[1] if isinstance(row[1], dict) else json.loads(row[1])) for row in rows]

    @property
    def pending(self) -> int:
        return len(self._pending)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
