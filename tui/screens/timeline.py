"""The incident timeline: every step, note and alarm transition, newest at the bottom.

Reads the timeline file (JSON lines) in a thread and follows it while shown, so that
steps recorded by other cockpits writing the same file appear too. ``/`` filters,
``enter`` shows the whole event, ``o`` shows other systems' events (hidden by default:
a shared store or file may hold several systems). "what" takes the rest of the row.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from services.formatting import local_clock

STEP_STYLE = {
    "failed": "bold red", "refused": "red", "cancelled": "yellow", "succeeded": "green", "verified": "green",
    "undone": "magenta", "planned": "dim", "confirmed": "cyan", "started": "cyan", "alarm": "bold yellow",
    "note": "bold", "incident": "bold magenta",
}


def describe(event: dict[str, Any]) -> str:
    """One line for an event: what changed, or the error, or the note."""
    if event.get("error"):
        return f"error: {event['error']}"
    if event.get("detail"):
        return str(event["detail"])
    before, after = event.get("before"), event.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        return ", ".join(f"{key}: {before.get(key)} → {after.get(key)}" for key in after)
    params = event.get("params")
    return " ".join(f"{key}={value}" for key, value in params.items()) if isinstance(params, dict) else ""


COLUMNS = ("time", "operator", "step", "action", "target", "what")
CAPS = {"time": 12, "operator": 12, "step": 10, "action": 24, "target": 28}
"""The widest the leading columns get; "what" takes the rest of the row."""
WHAT_MIN = 30
NARROW = 100
"""Below this width the operator column goes (enter shows it) and the time drops its zone."""


def column_widths(rows: list[list[str]], width: int) -> dict[str, int]:
    """Each leading column as wide as its longest cell (capped), shrunk until "what" gets WHAT_MIN."""
    names = [name for name in COLUMNS[:-1] if not (width < NARROW and name == "operator")]
    widths = {name: min(CAPS[name], max([len(name), *(len(row[COLUMNS.index(name)]) for row in rows)]))
              for name in names}
    available = width - 2 * (len(names) + 1) - 2  # cell padding, and the scrollbar
    while sum(widths.values()) + WHAT_MIN > available:
        widest = max(("action", "target", "operator"), key=lambda name: widths.get(name, 0))
        if widths.get(widest, 0) <= 8:
            break
        widths[widest] -= 1
    widths["what"] = max(10, available - sum(widths.values()))
    return widths


class TimelineScreen(Screen[None]):
    DEFAULT_CSS = """
    TimelineScreen #timeline-head { background: $panel; }
    TimelineScreen DataTable { height: 1fr; overflow-x: hidden; }
    TimelineScreen Input { display: none; }
    TimelineScreen Input.visible { display: block; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("slash", "filter", "Filter"),
        # priority: shown in the footer (the table's own enter is not); the filter field keeps its enter
        Binding("enter", "open", "Event", priority=True, tooltip="The whole event, pretty-printed"),
        Binding("o", "toggle_systems", "Other systems", tooltip="Show or hide the events of other systems"),
    ]

    def __init__(self, path: Path, reader: Callable[[], list[dict[str, Any]]] | None = None, *,
                 shared: bool = False, system: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.reader = reader
        self.shared = shared
        self.system = system
        """Only this system's events are shown (``o`` toggles); None: all."""
        self.all_systems = False
        self.events: list[dict[str, Any]] = []
        self.shown: list[dict[str, Any]] = []
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield Static(id="timeline-head")
        yield Input(placeholder="filter: text in any column", id="timeline-filter")
        yield DataTable(cursor_type="row", id="timeline-table")
        yield Footer()

    def on_mount(self) -> None:
        self._head(0)
        self.query_one(DataTable).focus()  # not the hidden filter field: a typed "o" must not become text
        self.follow()

    def _head(self, hidden: int) -> None:
        head = Text.assemble((" TIMELINE ", "bold reverse"), " ")
        if self.system and not self.all_systems:
            head.append(f" {self.system}")
        if hidden:
            head.append(f" · {hidden} of other systems hidden (o)", "dim")
        room = max(20, (self.size.width or 80) - 2)
        where = str(self.path) if len(str(self.path)) <= room else "…" + str(self.path)[-(room - 1):]  # keep the name
        head.append(" shared store (everyone's events)" if self.shared else f"\n {where}", "dim")
        self.query_one("#timeline-head", Static).update(head)

    @work(exclusive=True, group="timeline-follow", exit_on_error=False)
    async def follow(self) -> None:
        """Re-read about once a second; repaint only when the events changed."""
        while True:
            events = await asyncio.to_thread(self._read)
            if events != self.events:
                self.events = events
                self._show()
            await asyncio.sleep(1.0)  # the follow interval

    def _read(self) -> list[dict[str, Any]]:
        if self.reader is not None:
            return self.reader()
        from services.incident.timeline import read_timeline

        try:
            return read_timeline(self.path, strict=False)
        except OSError:
            return []

    def _ours(self, event: dict[str, Any]) -> bool:
        return self.all_systems or not self.system or event.get("profile") in (None, "", self.system)

    def _show(self) -> None:
        table = self.query_one(DataTable)
        following = table.row_count == 0 or table.cursor_row >= table.row_count - 1
        keep = table.cursor_row
        width = table.size.width or self.size.width or 80
        needle = self.filter_text.lower()
        ours = [event for event in self.events if self._ours(event)]
        self._head(len(self.events) - len(ours))
        rows: list[list[str]] = []
        self.shown = []
        for event in ours:
            moment = datetime.fromisoformat(event["time"]) if event.get("time") else None
            cells = [
                (local_clock(moment) if width >= NARROW else local_clock(moment).split()[0]) if moment else "",
                str(event.get("operator", "")),
                str(event.get("step", "")),
                str(event.get("action", "") or ""),
                str(event.get("target", "") or ""),
                describe(event),
            ]
            if needle and not any(needle in cell.lower() for cell in cells):
                continue
            rows.append(cells)
            self.shown.append(event)
        widths = column_widths(rows, width)
        table.clear(columns=True)
        for name in COLUMNS:
            if name in widths:
                table.add_column(name, width=widths[name], key=name)
        for cells in rows:
            step = cells[2]
            table.add_row(*[Text(cell, STEP_STYLE.get(step, "") if name == "step" else "", no_wrap=True,
                                 overflow="ellipsis")
                            for name, cell in zip(COLUMNS, cells, strict=True) if name in widths])
        if table.row_count:
            row = table.row_count - 1 if following else min(keep, table.row_count - 1)
            table.move_cursor(row=row, animate=False)

    def on_resize(self) -> None:
        self._show()

    @on(DataTable.RowSelected)
    def row_clicked(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """The whole event: every field, JSON pretty-printed (secrets were masked when it was written)."""
        if self.query_one(Input).has_focus:
            raise SkipAction  # enter ends the filter instead
        table = self.query_one(DataTable)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return
        from tui.screens.log_record import LogRecordScreen

        event = self.shown[table.cursor_row]
        fields = {name: str(event.get(name, "") or "") for name in ("time", "operator", "profile", "step")}
        self.app.push_screen(LogRecordScreen(json.dumps(event, ensure_ascii=False, default=str), fields))

    def action_toggle_systems(self) -> None:
        self.all_systems = not self.all_systems
        self._show()

    def action_filter(self) -> None:
        field = self.query_one(Input)
        field.add_class("visible")
        field.focus()

    @on(Input.Changed, "#timeline-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._show()

    @on(Input.Submitted, "#timeline-filter")
    def filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_back(self) -> None:
        field = self.query_one(Input)
        if field.has_focus:
            field.value = ""
            field.remove_class("visible")
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()
