"""The profile's saved queries on every engine: choose, give the parameters, run, read, export, again.

Why beside the Logs Insights screen rather than instead of it: Insights is a free-form
editor (groups, time range, ``@ptr`` records), the other engines run only what the profile
saved. Here every saved query runs the same way, through ``services/queries`` (Insights
ones too, by the profile's groups and ``since``); ``i`` opens the Insights editor.

``enter`` on a saved query asks for its parameters (pre-filled from ``params``) and runs it;
``ctrl+r`` runs the highlighted one again; ``ctrl+k`` stops it on its engine (Athena
StopQueryExecution, PostgreSQL ``pg_cancel_backend``, the others are abandoned); the status
line has the progress and elapsed time, then rows, time, data scanned and its cost.
``enter`` on a row shows the whole record; ``/`` filters the rows; ``ctrl+o``/``ctrl+t``
export CSV/JSON under the state directory. ``enter`` on a history entry shows its rows again.
"""
from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from services.errors import Unsupported
from services.profile import Profile
from services.queries.base import QueryProgress, cell_text
from services.visible_text import visible
from tui.flows.cockpit import cockpit
from tui.flows.query_history import QueryHistory, SavedQueryRun
from tui.messages import QueryStarted, QueryUpdated, SourceFailed
from widgets.pane_title import PaneTitle

if TYPE_CHECKING:
    from services.profile.queries import QuerySpec
    from services.queries import Engines

CELL_CHARS = 120
STOP_GRACE = 10.0
"""Seconds a stopped query is polled for its engine to confirm; after that it is abandoned."""


class QueryScreen(Screen):
    WORKER_SOURCES = frozenset({"query"})
    """Worker groups whose failures the app's one handler posts here as ``SourceFailed``."""
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    DEFAULT_CSS = """
    QueryScreen #query-side { width: 34; }
    QueryScreen.-narrow #query-side { width: 28; }
    QueryScreen #saved, QueryScreen #history { height: 1fr; }
    QueryScreen #query-text { height: auto; max-height: 3; color: $text-muted; padding: 0 1; }
    QueryScreen #query-filter { border: none; height: 1; padding: 0 1; display: none; }
    QueryScreen #query-filter.-shown { display: block; }
    QueryScreen #results { height: 1fr; }
    """

    BINDINGS = [
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("ctrl+k", "stop", "Stop", priority=True),
        Binding("slash", "filter", "Filter rows"),
        Binding("ctrl+o", "export('csv')", "Export CSV", priority=True),
        Binding("ctrl+t", "export('json')", "Export JSON", priority=True),
        Binding("i", "insights", "Insights editor", show=False, tooltip="Logs Insights: write a query"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, profile: Profile, *, query_id: str | None = None, history: QueryHistory | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.initial = query_id
        self.history = history if history is not None else QueryHistory()
        self.shown: SavedQueryRun | None = None
        self.columns: list[str] = []
        self.rows: list[dict[str, Any]] = []
        """The shown run's rows that pass the filter, in the table's order."""
        self._stops: dict[int, threading.Event] = {}

    @property
    def saved(self) -> list[QuerySpec]:
        return list(self.profile.queries)

    def compose(self) -> ComposeResult:
        width = max((len(query.engine) for query in self.saved), default=0)
        with Horizontal():
            with Vertical(id="query-main"):
                yield PaneTitle("QUERY", id="query-title")
                yield Static(id="query-text")
                yield Input(placeholder="filter rows (any cell contains)", id="query-filter")
                yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
            with Vertical(id="query-side"):
                yield PaneTitle("SAVED", id="saved-title")
                yield OptionList(*[Option(Text.assemble((query.engine.ljust(width), "dim"), " ", query.title), id=query.id)
                                   for query in self.saved], id="saved")
                yield PaneTitle("HISTORY", id="history-title")
                yield OptionList(id="history")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(0.5, self._tick)
        saved = self.query_one("#saved", OptionList)
        if not self.saved:
            self.status("this profile has no [[queries]]", "warning")
        chosen = self.initial or self.history.chosen
        ids = [query.id for query in self.saved]
        if self.saved:
            saved.highlighted = ids.index(chosen) if chosen in ids else 0
        self._refresh_history()
        previous = self.history.get(self.history.shown)
        if previous is not None:
            self.show_run(previous)
        elif self.saved:
            self._show_text(self.saved[saved.highlighted or 0].query or self._describe(self.saved[saved.highlighted or 0]))
            self.status("enter: parameters, then run · tab: results, history")
        saved.focus()
        if self.initial in ids:
            self.ask(self.saved[ids.index(self.initial)])

    def on_unmount(self) -> None:
        """Leaving stops what still runs (an Athena scan left running is billed); the history keeps the rest."""
        for stop in self._stops.values():
            stop.set()

    # ------------------------------------------------------------------ choose, ask, run
    def _spec(self, query_id: str) -> QuerySpec | None:
        return next((query for query in self.saved if query.id == query_id), None)

    def highlighted_spec(self) -> QuerySpec | None:
        index = self.query_one("#saved", OptionList).highlighted
        return self.saved[index] if index is not None and 0 <= index < len(self.saved) else None

    @on(OptionList.OptionHighlighted, "#saved")
    def preview(self, event: OptionList.OptionHighlighted) -> None:
        spec = self._spec(str(event.option.id))
        if spec is not None and (self.shown is None or not self.shown.running):
            self._show_text(spec.query or self._describe(spec))

    @on(OptionList.OptionSelected, "#saved")
    def saved_chosen(self, event: OptionList.OptionSelected) -> None:
        spec = self._spec(str(event.option.id))
        if spec is not None:
            self.ask(spec)

    def action_run(self) -> None:
        spec = self.highlighted_spec()
        if spec is None:
            self.notify("no saved query to run", severity="warning")
            return
        last = next((run for run in reversed(self.history.runs) if run.query_id == spec.id), None)
        self.ask(spec, last.params if last else None)

    def ask(self, spec: QuerySpec, values: dict[str, str] | None = None) -> None:
        """The parameter form first (pre-filled), then the run; a query without parameters runs at once."""
        from tui.screens.query_params import QueryParamsScreen

        self.history.chosen = spec.id
        if not spec.parameters:
            self.run_saved(spec, {})
            return

        def given(params: dict[str, str] | None) -> None:
            if params is not None:
                self.run_saved(spec, params)

        self.app.push_screen(QueryParamsScreen(spec, values), callback=given)

    def run_saved(self, spec: QuerySpec, params: dict[str, str]) -> None:
        from services.queries.params import BadParameter, resolve

        owner = cockpit(self)
        if spec.uses_aws and owner.sources.aws is None:
            self.status(f"{spec.id}: not connected to AWS yet", "warning")
            return
        engines = owner.query_engines()
        missing = engines.missing_setup(spec)
        given = {name: value for name, value in params.items() if value != "" or name not in spec.params}
        try:
            if missing:
                raise BadParameter(missing)
            resolve(spec, {name: value for name, value in given.items() if value != ""})
        except BadParameter as error:
            self.status(_one_line(error), "error")
            return
        if self.shown is not None and self.shown.running:
            self._stops[self.shown.run_id].set()  # one query at a time: the previous one is stopped
        run = self.history.start(spec.id, spec.engine, {name: value for name, value in given.items() if value != ""})
        self._stops[run.run_id] = threading.Event()
        self.show_run(run)
        self._refresh_history()
        self.execute(engines, spec, run.run_id, run.params, self._stops[run.run_id])

    @work(thread=True, group="query", exit_on_error=False)
    def execute(self, engines: Engines, spec: QuerySpec, run_id: int, params: dict[str, str], stop: threading.Event) -> None:
        """Start, poll until final; on stop, stop it on its engine. Typed errors go to the app's handler."""
        engine = engines.engine_for(spec)
        handle = engine.start(spec, params)
        self.post_message(QueryStarted(run_id, handle))
        interval = 0.2
        while True:
            progress = engine.poll(handle)
            self.post_message(QueryUpdated(run_id, progress))
            if progress.done:
                return
            if stop.wait(interval):
                break
            interval = min(interval * 1.5, 2.0)
        try:
            engine.stop(handle)
        except Unsupported as error:
            self.post_message(QueryUpdated(run_id, QueryProgress(handle.query_id, "cancelled",
                                                                 elapsed=time.monotonic() - handle.started),
                                           note=f"abandoned: {error}"))
            return
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline:
            progress = engine.poll(handle)
            if progress.done:
                self.post_message(QueryUpdated(run_id, progress))
                return
            threading.Event().wait(0.1)  # the engine's pace: it confirms the stop on a later poll
        self.post_message(QueryUpdated(run_id, QueryProgress(handle.query_id, "cancelled",
                                                             elapsed=time.monotonic() - handle.started),
                                       note="abandoned: the engine did not confirm the stop"))

    def action_stop(self) -> None:
        run = self.shown
        if run is None or not run.running:
            self.notify("no query running")
            return
        run.status = "stopping"
        self._stops[run.run_id].set()
        self.status(f"{run.query_id}: stopping…", "busy")

    @on(QueryStarted)
    def started(self, message: QueryStarted) -> None:
        run = self.history.get(message.run_id)
        if run is not None:
            run.text = message.handle.text
            if run is self.shown:
                self._show_text(run.text)

    @on(QueryUpdated)
    def updated(self, message: QueryUpdated) -> None:
        from services.queries.results import summary

        run = self.history.get(message.run_id)
        if run is None:
            return
        progress = message.progress
        run.elapsed = progress.elapsed
        if not progress.done:
            run.status = "stopping" if run.status == "stopping" else "running"
            if run is self.shown:
                self._tick()
            return
        run.status = progress.status
        run.columns, run.rows = list(progress.columns), list(progress.rows)
        run.summary = summary(progress).replace("\n", " · ")
        run.error = _one_line(progress.error) if progress.error else message.note
        self._stops.pop(run.run_id, None)
        if run is self.shown:
            self.show_run(run)
        self._refresh_history()

    @on(SourceFailed)
    def failed(self, message: SourceFailed) -> None:
        """A run's worker raised (could not start, a poll failed): the app's one handler posted it here."""
        run = self.shown if self.shown is not None and self.shown.running else None
        if run is None:
            run = next((item for item in reversed(self.history.runs) if item.running), None)
        if run is not None:
            run.status, run.error = "failed", _one_line(message.error)
            self._stops.pop(run.run_id, None)
            self._refresh_history()
        self.status(f"failed: {_one_line(message.error)}", message.level)

    # ------------------------------------------------------------------ show
    def _tick(self) -> None:
        run = self.shown
        if run is not None and run.running:
            elapsed = int(time.monotonic() - run.started)
            self.status(f"{run.query_id} ({run.engine}) {run.status} · {elapsed // 60}:{elapsed % 60:02d} elapsed"
                        " · ctrl+k stop", "busy")

    def show_run(self, run: SavedQueryRun) -> None:
        self.shown = run
        self.history.shown = run.run_id
        spec = self._spec(run.query_id)
        self._show_text(run.text or (spec.query if spec else "") or (self._describe(spec) if spec else ""))
        self.show_rows(run.columns, run.rows)
        if run.running:
            self._tick()
        elif run.status == "complete":
            self.status(f"{run.query_id} · {run.summary}")
        else:
            self.status(f"{run.query_id} {run.status}" + (f": {run.error}" if run.error else ""),
                        "error" if run.status == "failed" else "warning")

    def show_rows(self, columns: list[str], rows: list[dict[str, Any]]) -> None:
        needle = self.query_one("#query-filter", Input).value.strip().lower()
        self.columns = list(columns)
        self.rows = [row for row in rows if not needle or any(needle in cell_text(value).lower() for value in row.values())]
        table = self.query_one("#results", DataTable)
        table.clear(columns=True)
        for name in self.columns:
            table.add_column(visible(name), key=name)
        for index, row in enumerate(self.rows):
            table.add_row(*[Text(visible(cell_text(row.get(name))[:CELL_CHARS])) for name in self.columns], key=str(index))

    def _show_text(self, text: str) -> None:
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        self.query_one("#query-text", Static).update(Text(visible(" ".join(lines))))

    @staticmethod
    def _describe(spec: QuerySpec) -> str:
        """A DynamoDB query has no text: say what it reads."""
        if spec.index:
            return f"query {spec.table} index {spec.index} key {json.dumps(spec.key)}"
        if spec.key:
            return f"get-item {spec.table} key {json.dumps(spec.key)}"
        return f"scan {spec.table} (at most {spec.row_limit} items)"

    def status(self, text: str, level: str = "ok") -> None:
        self.query_one("#query-title", PaneTitle).show(text, level)

    def _refresh_history(self) -> None:
        history = self.query_one("#history", OptionList)
        history.clear_options()
        history.add_options([Option(Text(run.label()), id=str(run.run_id)) for run in reversed(self.history.runs)])
        if self.history.runs:
            history.highlighted = 0  # the newest first

    @on(OptionList.OptionSelected, "#history")
    def history_chosen(self, event: OptionList.OptionSelected) -> None:
        run = self.history.get(int(str(event.option.id)))
        if run is not None:
            self.show_run(run)

    # ------------------------------------------------------------------ rows: filter, record, export
    def action_filter(self) -> None:
        field = self.query_one("#query-filter", Input)
        field.add_class("-shown")
        field.focus()

    @on(Input.Changed, "#query-filter")
    def filter_changed(self) -> None:
        if self.shown is not None:
            self.show_rows(self.shown.columns, self.shown.rows)

    @on(Input.Submitted, "#query-filter")
    def filter_done(self) -> None:
        field = self.query_one("#query-filter", Input)
        if not field.value:
            field.remove_class("-shown")
        self.query_one("#results", DataTable).focus()

    @on(DataTable.RowSelected, "#results")
    def open_record(self, event: DataTable.RowSelected) -> None:
        from tui.screens.log_record import LogRecordScreen

        row = self.rows[int(str(event.row_key.value))]
        record = json.dumps({name: row.get(name) for name in self.columns}, indent=2, ensure_ascii=False)
        title = {"query": self.shown.query_id, "engine": self.shown.engine} if self.shown else {}
        self.app.push_screen(LogRecordScreen(record, title))

    def action_export(self, kind: str) -> None:
        from services.queries.results import export

        if self.shown is None or not self.columns:
            self.notify("no results to export", severity="warning")
            return
        try:
            path = export(self.shown.query_id, self.columns, self.rows, kind)
        except OSError as error:
            self.notify(f"could not export: {error}", severity="error")
            return
        self.notify(f"exported {len(self.rows)} rows to {path}")

    def action_insights(self) -> None:
        from tui.screens.insights import InsightsScreen

        owner = cockpit(self)
        if owner.sources.aws is None:
            self.notify("Logs Insights needs AWS: not connected (or no [aws] in this profile)", severity="warning")
            return
        self.app.push_screen(InsightsScreen(self.profile, owner.sources.aws, history=owner.insights_history))


def _one_line(error: object) -> str:
    """The first line of an error (PostgreSQL adds ``LINE 1: …`` and a caret under it)."""
    text = str(error).strip()
    return visible(text.splitlines()[0] if text else type(error).__name__)
