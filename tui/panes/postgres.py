"""The POSTGRESQL pane (``[postgres]``): backends from ``pg_stat_activity``, longest first.

It polls on the event loop with psycopg's async connection. When the connection breaks
(a database restart) the title says "reconnecting" and the next poll opens a new one.
Keys on the table: ``enter`` full query, ``C`` cancel, ``K`` terminate (type the pid);
``b`` the database screen (blocking tree and overview), also from anywhere on the dashboard.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical

from services.formatting import local_clock, seconds_text
from services.profile.model import PostgresSpec
from tui.flows.cockpit import request_action
from tui.flows.polling import Poller
from tui.messages import PostgresActivityUpdated, SourceFailed
from widgets.backend_table import BackendRow, BackendTable
from widgets.pane_title import PaneTitle

if TYPE_CHECKING:
    from services.engines.postgres import PostgresSource

ACTIVITY_INTERVAL = 2.0
VERBS = {"cancel": "postgres.cancel", "terminate": "postgres.terminate"}



def backend_row(backend: Any) -> BackendRow:
    from services.engines.postgres import shorten_query

    active = backend.state == "active"
    return BackendRow(pid=backend.pid, user=backend.user, application=backend.application, state=backend.state,
                      wait=backend.waiting, query_age=seconds_text(backend.query_seconds) if active else "",
                      xact_age=seconds_text(backend.xact_seconds), query=shorten_query(backend.query, 160),
                      full_query=backend.query, idle_in_transaction=backend.idle_in_transaction,
                      blocked_by=backend.blocked_by)


class PostgresPane(Vertical):
    DEFAULT_CSS = """
    PostgresPane {
        height: auto;
    }
    """

    def __init__(self, spec: PostgresSpec, *, id: str = "postgres-pane") -> None:
        super().__init__(id=id, classes="pane")
        self.spec = spec
        self.source: Any = None
        self.poller: Poller | None = None
        self.snapshot: Any = None
        self.cells_written = 0

    def compose(self) -> ComposeResult:
        yield PaneTitle("POSTGRESQL", id="postgres-title")
        yield BackendTable(id="backends")

    @property
    def table(self) -> BackendTable:
        return self.query_one(BackendTable)

    @property
    def title(self) -> PaneTitle:
        return self.query_one("#postgres-title", PaneTitle)

    def on_mount(self) -> None:
        self.title.show(f"connecting with ${self.spec.dsn_env}…", "busy")

    def start(self, source: PostgresSource) -> None:
        """Poll ``source`` (the cockpit's ``PostgresSource``, the one its actions run on)."""
        self.source = source
        self.poller = Poller("postgres", self, self.source.activity, PostgresActivityUpdated, ACTIVITY_INTERVAL)
        self.run_worker(self.poller.run(), name="postgres", group="postgres", exclusive=True, exit_on_error=False)

    def refresh_now(self) -> None:
        if self.poller is not None:
            self.poller.wake()

    async def on_unmount(self) -> None:
        if self.source is not None:
            await self.source.close()

    @on(PostgresActivityUpdated)
    def show_activity(self, message: PostgresActivityUpdated) -> None:
        snapshot = self.snapshot = message.snapshot
        self.cells_written += self.table.show([backend_row(b) for b in snapshot.backends])
        backends = snapshot.backends
        active = sum(1 for b in backends if b.state == "active")
        idle_tx = sum(1 for b in backends if b.idle_in_transaction)
        parts = [snapshot.server]
        if snapshot.blocked:  # first: at 80 columns the end of the title is cut, and this is what matters
            parts.append(f"{snapshot.blocked} blocked (b: tree)")
        parts += [f"{len(backends)} backends", f"{active} active"]
        if idle_tx:
            parts.append(f"{idle_tx} idle in transaction")
        parts.append(f"updated {local_clock(snapshot.at)}")
        self.title.show(" · ".join(parts), "warning" if snapshot.blocked or idle_tx else "ok")

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        self.title.show(message.status, message.level)

    @on(BackendTable.QueryOpened)
    def open_query(self, message: BackendTable.QueryOpened) -> None:
        from tui.screens.log_record import LogRecordScreen

        row = message.row
        self.app.push_screen(LogRecordScreen(row.full_query or "(no query)", {
            "pid": str(row.pid), "user": row.user, "application": row.application, "state": row.state,
            "wait": ("blocked by " + ", ".join(map(str, row.blocked_by))) if row.blocked_by else row.wait,
            "query age": row.query_age, "xact age": row.xact_age,
            "seen": datetime.now(UTC).astimezone().strftime("%H:%M:%S %Z")}))

    @on(BackendTable.VerbRequested)
    def verb_requested(self, message: BackendTable.VerbRequested) -> None:
        request_action(self, VERBS[message.verb], str(message.pid))

    @on(BackendTable.DatabaseRequested)
    def open_database(self) -> None:
        """The database screen, its blocking tree focused (``b`` on the table, or the dashboard's ``b``)."""
        from tui.screens.database import DatabaseScreen

        self.app.push_screen(DatabaseScreen(self.spec))
