"""PostgreSQL backends: pid, user, application, state, wait, query and transaction age, query.

Plain rows in (``BackendRow``); idle-in-transaction rows stand out, blocked ones too.
Messages out: ``enter`` asks for the full query, keys ask for cancel / terminate, ``b``
for the database screen (blocking tree and overview).
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from widgets.keyed_table import Cell, KeyedTable


@dataclass(frozen=True, slots=True)
class BackendRow:
    """One backend as shown; ``query`` is already one short line, ``full_query`` the whole text."""

    pid: int
    user: str
    application: str
    state: str
    wait: str
    query_age: str
    xact_age: str
    query: str
    full_query: str = ""
    idle_in_transaction: bool = False
    blocked_by: tuple[int, ...] = ()


class BackendTable(KeyedTable):
    DEFAULT_CSS = """
    BackendTable {
        height: auto;
        max-height: 12;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = [
        Binding("enter", "open_query", "Full query", show=True),
        Binding("C", "verb('cancel')", "Cancel query", show=True),
        Binding("K", "verb('terminate')", "Terminate", show=True),
        Binding("b", "database", "Blocking tree", show=True),
    ]

    COLUMNS = (("pid", "pid", 7), ("user", "user", 8), ("app", "application", 12), ("state", "state", 11),
               ("wait", "wait", 12), ("query_age", "query", 5), ("xact_age", "xact", 5), ("query", "query text", None))

    class QueryOpened(Message):
        def __init__(self, table: BackendTable, row: BackendRow) -> None:
            super().__init__()
            self.table = table
            self.row = row

    class VerbRequested(Message):
        """``verb`` (cancel, terminate) on backend ``pid``."""

        def __init__(self, table: BackendTable, verb: str, pid: int) -> None:
            super().__init__()
            self.table = table
            self.verb = verb
            self.pid = pid

    class DatabaseRequested(Message):
        def __init__(self, table: BackendTable) -> None:
            super().__init__()
            self.table = table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row_data: dict[str, BackendRow] = {}

    def show(self, rows: list[BackendRow]) -> int:
        old, self.row_data = self.row_data, {str(row.pid): row for row in rows}
        shaped = []
        for key, row in self.row_data.items():
            cells = self.cells_of(key) if old.get(key) == row else None  # unchanged: no new Text objects
            shaped.append((key, cells if cells is not None else self._row_cells(row)))
        return self.show_rows(shaped)

    @staticmethod
    def _row_cells(row: BackendRow) -> tuple[Cell, ...]:
        style = "bold yellow" if row.idle_in_transaction else ("red" if row.blocked_by else "")
        state = Text(row.state.replace("idle in transaction", "idle in tx"),
                     style or ("green" if row.state == "active" else "dim"))
        wait = Text(f"⛔ {','.join(map(str, row.blocked_by))}" if row.blocked_by else row.wait,
                    "bold red" if row.blocked_by else "dim")
        return (Text(str(row.pid), style), row.user, row.application, state, wait, row.query_age,
                Text(row.xact_age, style), Text(row.query, "dim" if row.state == "idle" else ""))

    @property
    def cursor_row_data(self) -> BackendRow | None:
        key = self.cursor_key
        return self.row_data.get(key) if key is not None else None

    def action_open_query(self) -> None:
        row = self.cursor_row_data
        if row is not None:
            self.post_message(self.QueryOpened(self, row))

    def action_verb(self, verb: str) -> None:
        row = self.cursor_row_data
        if row is not None:
            self.post_message(self.VerbRequested(self, verb, row.pid))

    def action_database(self) -> None:
        self.post_message(self.DatabaseRequested(self))
