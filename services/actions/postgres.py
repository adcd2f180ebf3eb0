"""PostgreSQL: cancel a backend's query, terminate a backend, ``VACUUM (ANALYZE)`` a table.

Targets: a backend's pid, or a table name (``schema.table``; a bare name follows the
search path). The plan's command is the SQL that does the same in ``psql``. None of
these can be undone: cancelling fails the client's statement, terminating rolls back
its transaction and closes its connection.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from services.actions.base import Action, ActionParams, FieldChange, Plan, Risk, Verification
from services.actions.engines import postgres_source
from services.engines import postgres_sql as sql
from services.engines.postgres import Backend, PostgresSource, shorten_query
from services.errors import BadInput

VERIFY_SECONDS = 10.0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") if value else None


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "none"
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f}m"


class _BackendAction(Action["_BackendAction.Params"]):
    target_kind = "backend pid"
    volatile: frozenset[str] = frozenset({"state"})

    class Params(ActionParams):
        pass

    @property
    def source(self) -> PostgresSource:
        return postgres_source(self.session)

    @property
    def pid(self) -> int:
        try:
            return int(str(self.target).strip())
        except ValueError:
            raise BadInput(f"{self.id}: the target is a backend's pid (a number), not {self.target!r}") from None

    def backend(self) -> Backend:
        backend = self.source.backend_sync(self.pid)
        if backend is None:
            raise BadInput(f"no backend with pid {self.pid} (it may have ended)")
        return backend

    @staticmethod
    def who(backend: Backend) -> str:
        return f"pid {backend.pid} · {backend.user or '?'} · {backend.application or '(no application)'}"

    def _wait(self, done, what: str) -> Verification:
        deadline = time.monotonic() + VERIFY_SECONDS
        while True:
            current = self.source.backend_sync(self.pid)
            if done(current):
                detail = f"backend {self.pid} is gone" if current is None else f"backend {self.pid} is {current.state}"
                return Verification(True, detail, {"state": current.state if current else "gone"})
            if time.monotonic() > deadline:
                return Verification(False, f"backend {self.pid} is still {current.state if current else 'gone'}; expected {what}",
                                    {"state": current.state if current else "gone"})
            time.sleep(0.1)  # poll pg_stat_activity until the signal has been handled


class Cancel(_BackendAction):
    id = "postgres.cancel"
    title = "Cancel a backend's running query"
    risk = Risk.LOW

    def plan(self) -> Plan:
        backend = self.backend()
        if backend.state != "active":
            note = f"It is {backend.state}: there is no running query to cancel; this does nothing."
        else:
            note = "The client gets 'canceling statement due to user request'; its transaction, if any, is aborted."
        return Plan(self.id, self.target, {},
                    (FieldChange("backend", self.who(backend), self.who(backend)),
                     FieldChange("query", shorten_query(backend.query, 80), "cancelled"),
                     FieldChange("query_start", _iso(backend.query_start), "(ended)"),
                     FieldChange("state", backend.state, "idle" if backend.state == "active" else backend.state)),
                    self.risk, f"SELECT pg_cancel_backend({self.pid});",
                    f"Cancel the query of backend {self.pid} ({backend.user}, running {_age(backend.query_seconds)})",
                    reversible=False, notes=(note,))

    def run(self, plan: Plan) -> dict[str, Any]:
        rows = self.source.query_sync("pg_cancel_backend", "SELECT pg_cancel_backend(%s) AS sent", (self.pid,))
        if not rows or not rows[0]["sent"]:
            raise BadInput(f"pg_cancel_backend({self.pid}) returned false: no such backend, or not allowed")
        return {"signal": "cancel sent"}

    def verify(self, plan: Plan) -> Verification:
        started = plan.changes[2].before
        return self._wait(lambda b: b is None or b.state != "active" or _iso(b.query_start) != started,
                          "its query to have ended")


class Terminate(_BackendAction):
    id = "postgres.terminate"
    title = "Terminate a backend (rolls back its transaction, closes its connection)"
    risk = Risk.DESTRUCTIVE
    volatile = frozenset({"state", "query"})

    def plan(self) -> Plan:
        backend = self.backend()
        notes = ["Its open transaction is rolled back: uncommitted work is lost. Cannot be undone."]
        if backend.blocked_by:
            notes.append(f"It is itself waiting on {', '.join(map(str, backend.blocked_by))}.")
        return Plan(self.id, self.target, {},
                    (FieldChange("backend", self.who(backend), "terminated"),
                     FieldChange("transaction_start", _iso(backend.xact_start), "(rolled back)" if backend.xact_start else None),
                     FieldChange("state", backend.state, "gone"),
                     FieldChange("query", shorten_query(backend.query, 80), None)),
                    self.risk, f"SELECT pg_terminate_backend({self.pid});",
                    f"Terminate backend {self.pid} ({backend.user}, {backend.state}, transaction {_age(backend.xact_seconds)})",
                    reversible=False, notes=tuple(notes))

    def run(self, plan: Plan) -> dict[str, Any]:
        rows = self.source.query_sync("pg_terminate_backend", "SELECT pg_terminate_backend(%s) AS sent", (self.pid,))
        if not rows or not rows[0]["sent"]:
            raise BadInput(f"pg_terminate_backend({self.pid}) returned false: no such backend, or not allowed")
        return {"signal": "terminate sent"}

    def verify(self, plan: Plan) -> Verification:
        return self._wait(lambda b: b is None, "it to be gone")


class Vacuum(Action["Vacuum.Params"]):
    id = "postgres.vacuum"
    title = "VACUUM (ANALYZE) a table"
    risk = Risk.LOW
    target_kind = "table (schema.table)"
    volatile: frozenset[str] = frozenset({"dead_tuples", "live_tuples"})

    class Params(ActionParams):
        pass

    @property
    def source(self) -> PostgresSource:
        return postgres_source(self.session)

    def stats(self) -> dict[str, Any]:
        rows = self.source.query_sync("pg_stat_user_tables", sql.TABLE_STATS, (self.target,))
        if not rows:
            raise BadInput(f"no table {self.target!r} in this database")
        return rows[0]

    def plan(self) -> Plan:
        table = self.stats()
        return Plan(self.id, self.target, {},
                    (FieldChange("dead_tuples", int(table["dead"]), 0),
                     FieldChange("live_tuples", int(table["live"]), int(table["live"])),
                     FieldChange("vacuum_count", int(table["vacuum_count"]), int(table["vacuum_count"]) + 1),
                     FieldChange("last_vacuum", _iso(table["last_vacuum"]), "(now)")),
                    self.risk, f"VACUUM (ANALYZE) {table['name']};",
                    f"VACUUM (ANALYZE) {table['name']}: reclaim {int(table['dead'])} dead rows, refresh statistics",
                    reversible=False,
                    notes=("Takes a SHARE UPDATE EXCLUSIVE lock: reads and writes go on; DDL on the table waits.",
                           "Dead rows still visible to an open transaction are kept."))

    def run(self, plan: Plan) -> dict[str, Any]:
        name = self.stats()["name"]  # format('%I.%I') from the server: quoted identifiers, safe to splice
        self.vacuum(f"VACUUM (ANALYZE) {name}")
        return {"vacuumed": name}

    def vacuum(self, statement: str) -> None:
        """VACUUM cannot run in a transaction block, and may outlast any statement timeout."""
        conn = self.source.connect_sync()
        try:
            conn.execute("SET statement_timeout = 0")
            conn.execute(statement)  # built from server-quoted identifiers only
        except Exception as error:
            raise self.source.translate(error, "VACUUM") from None
        finally:
            conn.close()

    def verify(self, plan: Plan) -> Verification:
        wanted = int(plan.changes[2].before) + 1
        deadline = time.monotonic() + VERIFY_SECONDS
        while True:
            table = self.stats()
            observed = {"dead_tuples": int(table["dead"]), "vacuum_count": int(table["vacuum_count"]),
                        "last_vacuum": _iso(table["last_vacuum"])}
            if int(table["vacuum_count"]) >= wanted:
                return Verification(True, f"vacuumed at {observed['last_vacuum']}; {observed['dead_tuples']} dead rows left",
                                    observed)
            if time.monotonic() > deadline:
                return Verification(False, "the statistics do not show the vacuum yet", observed)
            time.sleep(0.2)  # table statistics are flushed shortly after the statement


class VacuumDatabase(Vacuum):
    """Runbook 003's ``VACUUM ANALYZE;``: every table of the profile's database, in one statement."""

    id = "postgres.vacuum-database"
    title = "VACUUM (ANALYZE) the whole database (every table)"
    target_kind = "database (the DSN's, e.g. sentrascan)"

    def stats(self) -> dict[str, Any]:
        row = self.source.query_sync("pg_stat_user_tables", sql.DATABASE_TABLE_STATS)[0]
        if str(row["database"]) != self.target.strip():
            raise BadInput(f"{self.id}: the profile's database is {row['database']!r}, not {self.target.strip()!r}")
        return row

    def plan(self) -> Plan:
        stats = self.stats()
        count, tables = int(stats["vacuum_count"]), int(stats["tables"])
        return Plan(self.id, self.target, {},
                    (FieldChange("dead_tuples", int(stats["dead"]), 0),
                     FieldChange("live_tuples", int(stats["live"]), int(stats["live"])),
                     FieldChange("vacuum_count", count, f"≥ {count + tables}")),
                    self.risk, "VACUUM (ANALYZE);",
                    f"VACUUM (ANALYZE) database {self.target}: {int(stats['tables'])} tables, "
                    f"reclaim {int(stats['dead'])} dead rows, refresh statistics", reversible=False,
                    notes=("Each table in turn takes a SHARE UPDATE EXCLUSIVE lock: reads and writes go on.",
                           "On a large database this runs long; statement_timeout is lifted for it."))

    def run(self, plan: Plan) -> dict[str, Any]:
        self.vacuum("VACUUM (ANALYZE)")
        return {"vacuumed": self.target}

    def verify(self, plan: Plan) -> Verification:
        before = int(plan.changes[2].before)
        deadline = time.monotonic() + VERIFY_SECONDS
        while True:
            stats = self.stats()
            observed = {"dead_tuples": int(stats["dead"]), "vacuum_count": int(stats["vacuum_count"]),
                        "tables": int(stats["tables"])}
            if int(stats["vacuum_count"]) >= before + int(stats["tables"]):
                return Verification(True, f"{stats['tables']} tables vacuumed; {stats['dead']} dead rows left", observed)
            if time.monotonic() > deadline:
                return Verification(False, "the statistics do not show every table vacuumed yet", observed)
            time.sleep(0.2)  # table statistics are flushed shortly after the statement


ACTIONS: tuple[type[Action], ...] = (Cancel, Terminate, Vacuum, VacuumDatabase)
