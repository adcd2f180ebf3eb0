"""Containers grouped by compose project and service: state, health, uptime, restarts, CPU, memory.

Plain rows in (``ContainerRow``), messages out: the highlighted container, and the
verbs asked for with keys (``restart``, ``stop``, ``start``). The table knows nothing
of Docker; the pane maps verbs to actions.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive

from widgets.keyed_table import Cell, KeyedTable

STATE_STYLE = {"running": "green", "restarting": "bold yellow", "paused": "yellow", "exited": "red",
               "dead": "bold red", "created": "dim"}
HEALTH_STYLE = {"healthy": "green", "unhealthy": "bold white on red", "starting": "yellow"}


@dataclass(frozen=True, slots=True)
class ContainerRow:
    """One container as shown; texts already formatted (``up`` "3h12m", ``cpu`` "12.5%", ``memory`` "48 MiB")."""

    key: str
    project: str
    service: str
    name: str
    state: str
    health: str
    up: str
    restarts: int
    cpu: str = ""
    memory: str = ""


class ContainerTable(KeyedTable):
    """Rows sorted by project, service, name; a project's name is shown on its first row only."""

    DEFAULT_CSS = """
    ContainerTable {
        height: auto;
        max-height: 12;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = [
        Binding("R", "verb('restart')", "Restart", show=True),
        Binding("X", "verb('stop')", "Stop", show=True),
        Binding("S", "verb('start')", "Start", show=False),
    ]

    COLUMNS = (("project", "project", 10), ("service", "service", 8), ("name", "container", None),
               ("state", "state", 8), ("health", "health", 7), ("up", "up", 6), ("restarts", "rst", 3),
               ("cpu", "cpu", 6), ("memory", "mem", 8))

    selected: reactive[str | None] = reactive(None)
    """Key of the highlighted container (None before the first rows)."""

    class Highlighted(Message):
        """The cursor moved to container ``key``."""

        def __init__(self, table: ContainerTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

    class VerbRequested(Message):
        """A key asked for ``verb`` (restart, stop, start) on container ``key``."""

        def __init__(self, table: ContainerTable, verb: str, key: str) -> None:
            super().__init__()
            self.table = table
            self.verb = verb
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row_data: dict[str, ContainerRow] = {}

    def show(self, rows: list[ContainerRow]) -> int:
        self.row_data = {row.key: row for row in rows}
        shaped = []
        previous_project = None
        for row in rows:
            shaped.append((row.key, self._row_cells(row, show_project=row.project != previous_project)))
            previous_project = row.project
        return self.show_rows(shaped)

    def update_usage(self, key: str, cpu: str, memory: str) -> int:
        """A new stats sample for one container: only its two cells change."""
        row = self.row_data.get(key)
        if row is None or (row.cpu, row.memory) == (cpu, memory):
            return 0
        from dataclasses import replace

        row = self.row_data[key] = replace(row, cpu=cpu, memory=memory)
        old = self.cells_of(key)
        if old is None:
            return 0
        return self.update_row(key, (*old[:-2], cpu, memory))

    @staticmethod
    def _row_cells(row: ContainerRow, *, show_project: bool) -> tuple[Cell, ...]:
        return (Text(row.project if show_project else "", "bold"), row.service, row.name,
                Text(row.state, STATE_STYLE.get(row.state, "")), Text(row.health, HEALTH_STYLE.get(row.health, "dim")),
                row.up, Text(str(row.restarts), "bold yellow" if row.restarts else "dim"), row.cpu, row.memory)

    def cursor_moved(self, key: str) -> None:
        self.selected = key
        self.post_message(self.Highlighted(self, key))

    def action_verb(self, verb: str) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.VerbRequested(self, verb, key))
