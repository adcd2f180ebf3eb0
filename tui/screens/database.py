"""The database screen (``b`` on the backends): overview, blocking tree, tables with the most dead rows.

It has its own connection and polls every two seconds while open. Keys (from anywhere on
the screen): ``K`` terminate the highlighted session in the tree, ``C`` cancel its query,
``v`` VACUUM (ANALYZE) the highlighted table, ``escape`` back. It opens with the tree focused.
"""
from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from services.formatting import human_bytes, local_clock, seconds_text
from services.profile.model import PostgresSpec
from tui.flows.cockpit import request_action
from tui.flows.polling import Poller
from tui.messages import DatabaseDetailUpdated, SourceFailed
from widgets.blocking_tree import BlockingTree, TreeItem
from widgets.keyed_table import KeyedTable
from widgets.pane_title import PaneTitle

DETAIL_INTERVAL = 2.0


def tree_items(nodes: Any) -> tuple[TreeItem, ...]:
    def item(node: Any) -> TreeItem:
        backend = node.backend
        age = seconds_text(backend.xact_seconds)
        label = f"{backend.pid} {backend.user} {backend.application or '-'} · {backend.state}" + (f" · xact {age}" if age else "")
        return TreeItem(backend.pid, label, node.waits_for, ", ".join(node.holds),
                        tuple(item(child) for child in node.blocks))

    return tuple(item(node) for node in nodes)


def overview_text(overview: Any) -> Text:

    text = Text()
    used = overview.connections / overview.max_connections if overview.max_connections else 0
    text.append(f" {overview.database} ", "bold reverse")
    text.append(f"  size {human_bytes(overview.size_bytes)}")
    text.append("  connections ")
    text.append(f"{overview.connections}/{overview.max_connections}", "bold red" if used > 0.8 else "bold")
    hit = overview.cache_hit_ratio
    text.append("  cache hit ")
    text.append("n/a" if hit is None else f"{hit * 100:.1f}%", "bold yellow" if hit is not None and hit < 0.9 else "bold")
    text.append("  longest transaction ")
    if overview.longest_xact_seconds is None:
        text.append("none", "dim")
    else:
        text.append(f"{seconds_text(overview.longest_xact_seconds)} (pid {overview.longest_xact_pid})", "bold")
    return text


class DeadTupleTable(KeyedTable):
    DEFAULT_CSS = """
    DeadTupleTable {
        height: auto;
        max-height: 7;
    }
    """

    BINDINGS = [Binding("v", "vacuum", "VACUUM (ANALYZE)", show=True)]
    COLUMNS = (("name", "table", 30), ("dead", "dead rows", 10), ("live", "live rows", 10),
               ("vacuum", "last vacuum", 14), ("auto", "last autovacuum", 16))

    def action_vacuum(self) -> None:
        key = self.cursor_key
        if key is not None:
            request_action(self, "postgres.vacuum", key)


class DatabaseScreen(Screen):
    # K / C / v are the screen's: its titles show them, so they work whatever has focus (the
    # tree's cursor is always on a session, the table's on a table).
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("r", "refresh_now", "Refresh"),
                Binding("K", "verb('terminate')", "Terminate"), Binding("C", "verb('cancel')", "Cancel query"),
                Binding("v", "vacuum", "VACUUM")]

    DEFAULT_CSS = """
    DatabaseScreen #db-overview {
        height: 1;
    }
    """

    def __init__(self, spec: PostgresSpec) -> None:
        super().__init__()
        self.spec = spec
        self.source: Any = None
        self.poller: Poller | None = None
        self.detail: Any = None

    def compose(self) -> ComposeResult:
        yield PaneTitle("DATABASE", id="db-title")
        yield Static("", id="db-overview")
        with Vertical():
            yield PaneTitle("BLOCKING", id="blocking-title")
            yield BlockingTree(id="blocking")
            yield PaneTitle("DEAD ROWS", id="dead-title")
            yield DeadTupleTable(id="dead-tuples")
        yield Footer()

    def on_mount(self) -> None:
        from services.engines.postgres import PostgresSource

        self.query_one("#db-title", PaneTitle).show("reading…", "busy")
        self.source = PostgresSource(self.spec.dsn_env)
        self.poller = Poller("database", self, self.source.detail, DatabaseDetailUpdated, DETAIL_INTERVAL)
        self.run_worker(self.poller.run(), name="database", group="database", exclusive=True, exit_on_error=False)
        self.query_one(BlockingTree).focus()

    async def on_unmount(self) -> None:
        if self.source is not None:
            await self.source.close()

    def action_refresh_now(self) -> None:
        if self.poller is not None:
            self.poller.wake()

    def action_verb(self, verb: str) -> None:
        self.query_one(BlockingTree).action_verb(verb)

    def action_vacuum(self) -> None:
        self.query_one(DeadTupleTable).action_vacuum()

    @on(DatabaseDetailUpdated)
    def show_detail(self, message: DatabaseDetailUpdated) -> None:
        detail = self.detail = message.detail
        self.query_one("#db-overview", Static).update(overview_text(detail.overview))
        tree = self.query_one(BlockingTree)
        tree.show(tree_items(detail.tree))
        blocked = detail.activity.blocked
        self.query_one("#blocking-title", PaneTitle).show(
            f"{blocked} session(s) waiting on a lock · K terminate · C cancel" if blocked else "no session waits on a lock",
            "warning" if blocked else "ok")
        rows = [(t.name, (t.name, f"{t.dead_tuples:,}", f"{t.live_tuples:,}",
                          local_clock(t.last_vacuum) if t.last_vacuum else "never",
                          local_clock(t.last_autovacuum) if t.last_autovacuum else "never"))
                for t in detail.overview.tables]
        self.query_one(DeadTupleTable).show_rows(rows)
        self.query_one("#dead-title", PaneTitle).show("v: VACUUM (ANALYZE) the highlighted table" if rows else "no user tables")
        self.query_one("#db-title", PaneTitle).show(f"{detail.activity.server} · ${self.spec.dsn_env} · "
                                                    f"updated {local_clock(detail.activity.at)}")

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        self.query_one("#db-title", PaneTitle).show(message.status, message.level)

    @on(BlockingTree.VerbRequested)
    def verb_requested(self, message: BlockingTree.VerbRequested) -> None:
        request_action(self, {"cancel": "postgres.cancel", "terminate": "postgres.terminate"}[message.verb], str(message.pid))
