"""PostgreSQL as plain data: backends, the blocking tree, a database overview.

The DSN is read from the environment variable the profile names, at connection time;
it is never stored on an object that is shown or logged, and error texts are scrubbed
of it. The UI uses the async connection (psycopg 3's ``AsyncConnection`` runs on
Textual's event loop); actions use short-lived sync connections from threads. psycopg
is imported on first use; no psycopg type leaves this module.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.engines import postgres_sql as sql
from services.errors import AccessDenied, BadInput, SourceError, Unreachable

log = logging.getLogger("cockpit.postgres")

APPLICATION_NAME = "incident-cockpit"
_PASSWORD_LITERAL = re.compile(r"(PASSWORD\s+)'(?:[^']|'')*'", re.IGNORECASE)


class Reconnecting(Unreachable):
    """The connection broke (server restart, network); the next poll opens a new one."""

    kind = "reconnecting"


@dataclass(frozen=True, slots=True)
class Backend:
    """One client backend of ``pg_stat_activity``; durations in seconds (None when not applicable)."""

    pid: int
    user: str
    application: str
    client: str
    database: str
    state: str
    wait_event_type: str | None
    wait_event: str | None
    query_seconds: float | None
    xact_seconds: float | None
    query: str
    blocked_by: tuple[int, ...] = ()
    query_start: datetime | None = None
    xact_start: datetime | None = None

    @property
    def idle_in_transaction(self) -> bool:
        return self.state.startswith("idle in transaction")

    @property
    def duration(self) -> float:
        """What the list sorts by: the transaction's age, else the running query's."""
        if self.xact_seconds is not None:
            return self.xact_seconds
        return self.query_seconds or 0.0 if self.state == "active" else 0.0

    @property
    def waiting(self) -> str:
        return f"{self.wait_event_type}:{self.wait_event}" if self.wait_event_type else ""


@dataclass(frozen=True, slots=True)
class ActivitySnapshot:
    backends: list[Backend]
    server: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def blocked(self) -> int:
        return sum(1 for backend in self.backends if backend.blocked_by)


@dataclass(frozen=True, slots=True)
class BlockingNode:
    """A backend in the blocking tree: what it waits for, what it holds, whom it blocks."""

    backend: Backend
    waits_for: str
    holds: tuple[str, ...]
    blocks: tuple[BlockingNode, ...] = ()


@dataclass(frozen=True, slots=True)
class TableHealth:
    name: str
    dead_tuples: int
    live_tuples: int
    last_vacuum: datetime | None
    last_autovacuum: datetime | None


@dataclass(frozen=True, slots=True)
class DatabaseOverview:
    database: str
    size_bytes: int
    connections: int
    max_connections: int
    cache_hit_ratio: float | None
    longest_xact_seconds: float | None
    longest_xact_pid: int | None
    tables: tuple[TableHealth, ...]


@dataclass(frozen=True, slots=True)
class DatabaseDetail:
    overview: DatabaseOverview
    tree: tuple[BlockingNode, ...]
    activity: ActivitySnapshot


def shorten_query(text: str, limit: int = 120) -> str:
    """One line of at most ``limit`` characters, password literals masked."""
    flat = " ".join(redact_query(text).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def redact_query(text: str) -> str:
    """``ALTER ROLE x PASSWORD 'secret'`` is shown as ``PASSWORD '***'``."""
    return _PASSWORD_LITERAL.sub(r"\1'***'", text or "")


class PostgresSource:
    """One database, named by the environment variable that holds its DSN."""

    def __init__(self, dsn_env: str, *, statement_timeout_ms: int = 5000, connect_timeout: int = 5) -> None:
        self.dsn_env = dsn_env
        self.statement_timeout_ms = statement_timeout_ms
        self.connect_timeout = connect_timeout
        self._conn: Any = None
        self.server = ""

    def describe(self) -> str:
        return f"${self.dsn_env}"

    def _dsn(self) -> str:
        dsn = os.environ.get(self.dsn_env)
        if not dsn:
            raise BadInput(f"environment variable {self.dsn_env} is not set (it holds the database's DSN)")
        return dsn

    def scrub(self, text: str) -> str:
        """Remove the DSN and its password from a message before anyone sees it."""
        dsn = os.environ.get(self.dsn_env) or ""
        if dsn:
            text = text.replace(dsn, f"${self.dsn_env}")
            match = re.search(r"://[^:/@]*:([^@]+)@", dsn) or re.search(r"password\s*=\s*(\S+)", dsn)
            if match and len(match.group(1)) >= 3:
                text = text.replace(match.group(1), "***")
        return " ".join(text.split())[:240]

    def translate(self, error: BaseException, what: str) -> SourceError:
        import psycopg

        if isinstance(error, SourceError):
            return error
        message = self.scrub(str(error) or type(error).__name__)
        if isinstance(error, psycopg.errors.InsufficientPrivilege):
            return AccessDenied(f"{what}: {message}", operation=what)
        if isinstance(error, psycopg.errors.InvalidPassword | psycopg.errors.InvalidAuthorizationSpecification):
            return AccessDenied(f"{what}: {message}", operation=what)
        if isinstance(error, psycopg.errors.QueryCanceled):
            return SourceError(f"{what}: took longer than {self.statement_timeout_ms} ms", operation=what)
        if isinstance(error, psycopg.errors.UndefinedTable | psycopg.errors.InvalidSchemaName | psycopg.errors.SyntaxError):
            return BadInput(f"{what}: {message}", operation=what)
        if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError | OSError):
            if "password authentication failed" in message:
                return AccessDenied(f"{what}: {message}", operation=what)
            return Reconnecting(message, operation=what)
        return SourceError(f"{what}: {type(error).__name__}: {message}", operation=what)

    # -------------------------------------------------------------------- async (the UI)
    async def _connection(self) -> Any:
        import psycopg

        if self._conn is not None and not self._conn.closed:
            return self._conn
        conn = await psycopg.AsyncConnection.connect(
            self._dsn(), autocommit=True, connect_timeout=self.connect_timeout, application_name=APPLICATION_NAME,
            options=f"-c statement_timeout={self.statement_timeout_ms}")
        cursor = await conn.execute("SELECT current_setting('server_version')")
        row = await cursor.fetchone()
        self.server = f"PostgreSQL {row[0].split()[0]}" if row else "PostgreSQL"
        self._conn = conn
        return conn

    async def _rows(self, what: str, query: str, params: Any = None) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        try:
            conn = await self._connection()
            async with conn.cursor(row_factory=dict_row) as cursor:
                await cursor.execute(query, params)
                return await cursor.fetchall()
        except Exception as error:
            translated = self.translate(error, what)
            if isinstance(translated, Unreachable):
                await self.close()
            raise translated from None

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:
                log.debug("closing the PostgreSQL connection failed", exc_info=True)

    async def activity(self) -> ActivitySnapshot:
        rows = await self._rows("pg_stat_activity", sql.ACTIVITY)
        backends = [backend_from_row(row) for row in rows]
        backends.sort(key=lambda b: (b.state == "idle", -b.duration, b.pid))
        return ActivitySnapshot(backends, self.server)

    async def detail(self) -> DatabaseDetail:
        """Activity, blocking tree and overview, for the database screen."""
        activity = await self.activity()
        involved = sorted({b.pid for b in activity.backends if b.blocked_by}
                          | {pid for b in activity.backends for pid in b.blocked_by})
        locks = await self._rows("pg_locks", sql.LOCKS, (involved,)) if involved else []
        overview_row = (await self._rows("database overview", sql.OVERVIEW))[0]
        tables = await self._rows("pg_stat_user_tables", sql.DEAD_TUPLES)
        overview = DatabaseOverview(
            database=overview_row["database"], size_bytes=int(overview_row["size_bytes"]),
            connections=int(overview_row["connections"]), max_connections=int(overview_row["max_connections"]),
            cache_hit_ratio=overview_row["cache_hit_ratio"], longest_xact_seconds=overview_row["longest_xact_seconds"],
            longest_xact_pid=overview_row["longest_xact_pid"],
            tables=tuple(TableHealth(r["name"], int(r["dead"]), int(r["live"]), r["last_vacuum"], r["last_autovacuum"])
                         for r in tables))
        return DatabaseDetail(overview, blocking_tree(activity.backends, locks), activity)

    # -------------------------------------------------------------------- sync (actions, check)
    def connect_sync(self) -> Any:
        """A short-lived autocommit connection for an action (VACUUM cannot run in a transaction)."""
        import psycopg

        try:
            return psycopg.connect(self._dsn(), autocommit=True, connect_timeout=self.connect_timeout,
                                   application_name=f"{APPLICATION_NAME} action",
                                   options=f"-c statement_timeout={self.statement_timeout_ms}")
        except Exception as error:
            raise self.translate(error, "connect") from None

    def query_sync(self, what: str, query: str, params: Any = None) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        conn = self.connect_sync()
        try:
            with conn.cursor(row_factory=dict_row) as cursor:
                cursor.execute(query, params)
                return cursor.fetchall() if cursor.description else []
        except Exception as error:
            raise self.translate(error, what) from None
        finally:
            conn.close()

    def backend_sync(self, pid: int) -> Backend | None:
        rows = self.query_sync("pg_stat_activity", sql.ACTIVITY_OF_PID, (pid,))
        return backend_from_row(rows[0]) if rows else None

    def overview_sync(self) -> dict[str, Any]:
        rows = self.query_sync("database overview", sql.OVERVIEW)
        return {**rows[0], "server": self.query_sync("version", "SELECT current_setting('server_version') AS v")[0]["v"]}


def backend_from_row(row: dict[str, Any]) -> Backend:
    return Backend(
        pid=int(row["pid"]), user=row["usename"] or "", application=row["application_name"] or "",
        client=str(row["client_addr"] or "local"), database=row["datname"] or "", state=row["state"] or "",
        wait_event_type=row["wait_event_type"], wait_event=row["wait_event"],
        query_seconds=_float(row["query_seconds"]), xact_seconds=_float(row["xact_seconds"]),
        query=redact_query(row["query"] or ""), blocked_by=tuple(row["blocked_by"] or ()),
        query_start=row.get("query_start"), xact_start=row.get("xact_start"))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _lock_text(lock: dict[str, Any], row_of: dict[int, str]) -> str:
    kind = lock["locktype"]
    if kind == "relation":
        return f"{lock['mode']} on {lock['relation']}"
    if kind == "transactionid":
        where = row_of.get(lock["pid"])
        return f"{lock['mode']} on transaction {lock['xid']}" + (f" ({where})" if where else "")
    if kind == "tuple":
        return f"{lock['mode']} on row ({lock['page']},{lock['tuple']}) of {lock['relation']}"
    target = lock["relation"] or lock.get("xid") or ""
    return f"{lock['mode']} on {kind} {target}".strip()


def blocking_tree(backends: list[Backend], locks: list[dict[str, Any]]) -> tuple[BlockingNode, ...]:
    """Roots are backends that block others without waiting themselves; children wait on their parent.

    A waiter with several blockers appears under each of them; cycles (a deadlock about
    to be detected) are cut where they close.
    """
    by_pid = {backend.pid: backend for backend in backends}
    row_of = {lock["pid"]: f"row ({lock['page']},{lock['tuple']}) of {lock['relation']}"
              for lock in locks if lock["locktype"] == "tuple"}
    waits: dict[int, str] = {}
    holds: dict[int, list[str]] = {}
    for lock in locks:
        if not lock["granted"]:
            waits.setdefault(lock["pid"], _lock_text(lock, row_of))
        elif lock["locktype"] == "relation" and not str(lock["relation"] or "").startswith("pg_"):
            holds.setdefault(lock["pid"], []).append(_lock_text(lock, row_of))
    children: dict[int, list[int]] = {}
    for backend in backends:
        for blocker in backend.blocked_by:
            children.setdefault(blocker, []).append(backend.pid)

    def node(pid: int, path: frozenset[int]) -> BlockingNode | None:
        backend = by_pid.get(pid)
        if backend is None:
            backend = Backend(pid, "?", "", "", "", "(not a client backend)", None, None, None, None, "")
        kids = tuple(n for n in (node(child, path | {pid}) for child in sorted(children.get(pid, ()))
                                 if child not in path) if n is not None)
        return BlockingNode(backend, waits.get(pid, ""), tuple(holds.get(pid, ())), kids)

    roots = [pid for pid in children if not (by_pid.get(pid) and by_pid[pid].blocked_by)]
    if not roots and children:  # everyone waits on someone: a cycle; start anywhere
        roots = [min(children)]
    built = (node(pid, frozenset()) for pid in sorted(roots, key=lambda p: -len(children.get(p, ()))))
    return tuple(n for n in built if n is not None)
