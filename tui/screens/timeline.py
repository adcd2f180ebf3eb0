"""The incident timeline: every step, note and alarm transition, newest at the bottom.

Reads the timeline file (JSON lines) in a thread and follows it while shown, so that
steps recorded by other cockpits writing the same file appear too. ``/`` filters.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
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
    ]

    def __init__(self, path: Path, reader: Callable[[], list[dict[str, Any]]] | None = None, *,
                 shared: bool = False) -> None:
        super().__init__()
        self.path = path
        self.reader = reader
        self.shared = shared
        self.events: list[dict[str, Any]] = []
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        where = "shared store (everyone's events)" if self.shared else str(self.path)
        yield Static(Text.assemble((" TIMELINE ", "bold reverse"), f"  {where}"), id="timeline-head")
        yield Input(placeholder="filter: text in any column", id="timeline-filter")
        table: DataTable = DataTable(cursor_type="row", id="timeline-table")
        table.add_columns("time", "operator", "step", "action", "target", "what")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.follow()

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

    def _show(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        needle = self.filter_text.lower()
        for event in self.events:
            cells = [
                local_clock(datetime.fromisoformat(event["time"])) if event.get("time") else "",
                str(event.get("operator", "")),
                str(event.get("step", "")),
                str(event.get("action", "") or ""),
                str(event.get("target", "") or ""),
                describe(event),
            ]
            if needle and not any(needle in cell.lower() for cell in cells):
                continue
            step = cells[2]
            table.add_row(*[Text(cell, STEP_STYLE.get(step, "") if index == 2 else "") for index, cell in enumerate(cells)])
        if table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

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
