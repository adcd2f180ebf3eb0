"""Health URLs: status, latency, whether the body matches, failures and since when.

Plain rows in (``HealthRow``), nothing out: checks are driven by the pane.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from widgets.keyed_table import KeyedTable


@dataclass(frozen=True, slots=True)
class HealthRow:
    name: str
    ok: bool | None  # None: not checked yet
    status: str
    latency: str
    body: str
    failures: str
    url: str


class HealthTable(KeyedTable):
    DEFAULT_CSS = """
    HealthTable {
        height: auto;
        max-height: 8;
        overflow-x: hidden;
        scrollbar-size-vertical: 0;
    }
    """

    COLUMNS = (("name", "check", 14), ("ok", "", 4), ("status", "status", 8), ("latency", "latency", 8),
               ("body", "body", 26), ("failures", "failing", 20), ("url", "url", None))

    def show(self, rows: list[HealthRow]) -> int:
        return self.show_rows([(row.name, (
            Text(row.name, "bold"),
            Text("…" if row.ok is None else ("OK" if row.ok else "FAIL"),
                 "dim" if row.ok is None else ("bold green" if row.ok else "bold white on red")),
            row.status, row.latency, Text(row.body, "" if row.ok is not False else "red"),
            Text(row.failures, "bold red" if row.failures else ""), Text(row.url, "dim"))) for row in rows])
