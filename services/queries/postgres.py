"""PostgreSQL: a saved SQL query, always in a READ ONLY transaction with a statement timeout.

Each run has its own connection (the DSN from the profile's ``[postgres] dsn_env``, read
at connect time, scrubbed from every message) and runs::

    BEGIN READ ONLY;  SET LOCAL statement_timeout = …;  <the query>;  ROLLBACK

so a saved query that writes fails in the database and changes nothing. The query is
prepared (the extended protocol), which takes exactly one statement: ``SELECT 1; COMMIT;
DELETE …`` is refused by the server instead of committing the read-only transaction and
running the rest. ``stop`` is ``pg_cancel_backend`` of the
run's backend, from a second connection. psycopg is imported on first use.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import Any

from services.engines.postgres import PostgresSource
from services.errors import BadInput
from services.profile.model import duration_seconds
from services.profile.queries import QuerySpec
from services.queries.base import BackgroundEngine, BackgroundRun, QueryHandle, QueryStats, Row, plain
from services.queries.params import fill, resolve

DEFAULT_TIMEOUT = 30.0
APPLICATION_NAME = "incident-cockpit query"


class PostgresEngine(BackgroundEngine):
    name = "postgres"

    def __init__(self, dsn_env: str | None, *, connect_timeout: int = 5) -> None:
        super().__init__()
        self.dsn_env = dsn_env
        self.connect_timeout = connect_timeout
        self._pids: dict[str, int] = {}

    def start(self, spec: QuerySpec, params: Mapping[str, str]) -> QueryHandle:
        text = fill(spec.query, resolve(spec, params), "sql")
        if not self.dsn_env:
            raise BadInput(f"query {spec.id!r} is a postgres query and the profile has no [postgres] dsn_env")
        timeout_ms = round(duration_seconds(spec.timeout) * 1000 if spec.timeout else DEFAULT_TIMEOUT * 1000)
        source = PostgresSource(self.dsn_env, statement_timeout_ms=timeout_ms, connect_timeout=self.connect_timeout)
        conn = self._connect(source)
        pid = int(conn.info.backend_pid)
        limit = spec.row_limit

        def work(run: BackgroundRun) -> tuple[list[str], list[Row], QueryStats, bool, str | None]:
            try:
                return _read_only(conn, text, timeout_ms, limit)
            except Exception as error:
                raise _translated(source, error) from None
            finally:
                conn.close()

        run = BackgroundRun(work, on_stop=lambda: self._cancel(source, pid), name="postgres-query")
        self._pids[run.id] = pid
        return self._launch(run, text)

    def _connect(self, source: PostgresSource) -> Any:
        import psycopg

        dsn = os.environ.get(source.dsn_env)
        if not dsn:
            raise BadInput(f"environment variable {source.dsn_env} is not set (it holds the database's DSN)")
        try:
            return psycopg.connect(dsn, autocommit=True, connect_timeout=self.connect_timeout,
                                   application_name=APPLICATION_NAME)
        except Exception as error:
            raise source.translate(error, "connect") from None

    @staticmethod
    def _cancel(source: PostgresSource, pid: int) -> None:
        source.query_sync("pg_cancel_backend", "SELECT pg_cancel_backend(%s)", (pid,))

    def backend_pid(self, handle: QueryHandle) -> int | None:
        """The backend running ``handle`` (what ``stop`` cancels)."""
        return self._pids.get(handle.query_id)


def _read_only(conn: Any, text: str, timeout_ms: int, limit: int) -> tuple[list[str], list[Row], QueryStats, bool, str | None]:
    conn.execute("BEGIN READ ONLY")
    try:
        conn.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
        with conn.cursor() as cursor:
            # Prepared: the extended protocol, which takes one statement only (psycopg would send a
            # query without parameters by the simple protocol, which runs "…; COMMIT; DELETE …").
            cursor.execute(text, prepare=True)
            if cursor.description is None:
                return [], [], QueryStats(), False, f"the statement returned no rows ({cursor.statusmessage})"
            columns = _unique([column.name for column in cursor.description])
            fetched = cursor.fetchmany(limit + 1)
        rows = [{name: plain(value) for name, value in zip(columns, record, strict=False)} for record in fetched[:limit]]
        return columns, rows, QueryStats(matched=len(rows)), len(fetched) > limit, None
    finally:
        with contextlib.suppress(Exception):  # a broken connection: closing it aborts the transaction all the same
            conn.execute("ROLLBACK")


def _unique(names: list[str]) -> list[str]:
    """``SELECT 1, 1`` names both ``?column?``: the second becomes ``?column?_2`` so no value is lost."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return unique


def _translated(source: PostgresSource, error: BaseException) -> Exception:
    import psycopg

    if isinstance(error, psycopg.errors.ReadOnlySqlTransaction):
        return BadInput(f"the query writes, and saved queries run read-only: {source.scrub(str(error))}",
                        operation="postgres.query")
    if isinstance(error, psycopg.errors.SyntaxError) and "multiple commands" in str(error):
        return BadInput("a saved query is one statement (no ; between statements)", operation="postgres.query")
    return source.translate(error, "query")
