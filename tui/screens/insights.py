"""Logs Insights: saved queries, an editor, groups and time range, results, history.

``ctrl+r`` runs (StartQuery, then GetQueryResults about once a second with the status,
elapsed time and records matched/scanned where the endpoint reports them); ``ctrl+k``
stops (StopQuery; where the endpoint lacks it, polling stops and the screen says so);
``enter`` on a row opens the record behind ``@ptr`` (GetLogRecord, or the row itself
where unsupported); ``ctrl+o``/``ctrl+t`` export CSV/JSON; ``o`` sorts by the cursor's column.

Keys: Tab walks editor → groups → range → results → saved → history (the editor does not
indent with Tab, so the keyboard can always leave it); ``enter`` in groups or range runs;
one ``esc`` leaves from anywhere (nothing here needs ``esc`` to cancel). The runs, the
draft and the last result live in an ``InsightsHistory`` the dashboard keeps.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, OptionList, Static, TextArea

from services.aws.insights import parse_range
from services.errors import SourceError, Unsupported
from services.profile import Profile
from services.visible_text import visible
from tui.flows.insights_history import InsightsDraft, InsightsHistory, InsightsResult, QueryRun
from tui.messages import InsightsFailed, InsightsProgress, InsightsRecordLoaded
from widgets.pane_title import PaneTitle
from widgets.query_editor import QueryEditor

if TYPE_CHECKING:
    from services.profile.queries import QuerySpec
__all__ = ["InsightsScreen", "QueryRun", "parse_range"]  # QueryRun and parse_range: where callers found them

CELL_CHARS = 200
DEFAULT_QUERY = "fields @timestamp, @message\n| sort @timestamp desc\n| limit 100"
FINAL_STATUSES = ("Complete", "Failed", "Cancelled", "Timeout", "error", "stopped")


class InsightsScreen(Screen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    DEFAULT_CSS = """
    InsightsScreen #insights-side { width: 34; }
    InsightsScreen.-narrow #insights-side { width: 28; }
    InsightsScreen.-short #query { height: 6; }
    InsightsScreen #saved, InsightsScreen #history { height: 1fr; }
    InsightsScreen #insights-inputs { height: 1; }
    InsightsScreen #insights-inputs Input { border: none; height: 1; padding: 0 1; }
    InsightsScreen #groups { width: 2fr; }
    InsightsScreen #range { width: 1fr; }
    InsightsScreen #results { height: 1fr; }
    InsightsScreen #insights-warning { height: auto; max-height: 5; color: $warning; padding: 0 1; display: none; }
    """

    BINDINGS = [
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("ctrl+k", "stop", "Stop", priority=True),
        Binding("ctrl+o", "export('csv')", "Export CSV", priority=True),
        Binding("ctrl+t", "export('json')", "Export JSON", priority=True),
        Binding("o", "sort", "Sort column", show=False),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, profile: Profile, session: Any, *, query_id: str | None = None,
                 history: InsightsHistory | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.session = session
        self.initial = query_id
        self.history = history if history is not None else InsightsHistory()
        self.runs: list[QueryRun] = self.history.runs  # the same list: runs outlive this screen
        self.current: QueryRun | None = None
        self.fields: list[str] = []
        self.rows: list[dict[str, str]] = []
        self.stats_text = ""
        self.warning: str | None = None
        """Why the shown rows are not the query's result (the endpoint did not run it), if they are not."""
        self._stop = threading.Event()
        self._sort: tuple[str, bool] | None = None

    @property
    def saved_queries(self) -> list[QuerySpec]:
        """The profile's Logs Insights queries (queries on other engines are not run here)."""
        return [query for query in self.profile.queries if query.engine == "insights"]

    def compose(self) -> ComposeResult:
        groups = ", ".join(log.group for log in self.profile.logs)
        # DOM order is the Tab order: editor, groups, range, results, then the lists on the right.
        with Horizontal():
            with Vertical(id="insights-main"):
                yield PaneTitle("INSIGHTS", id="insights-title")
                yield QueryEditor(DEFAULT_QUERY, id="query")
                with Horizontal(id="insights-inputs"):
                    yield Input(groups, placeholder="log groups, comma separated", id="groups")
                    yield Input("1h", placeholder="1h · 14:00..15:00 · ISO..ISO", id="range")
                yield Static(id="insights-warning")
                yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
            with Vertical(id="insights-side"):
                yield PaneTitle("SAVED", id="saved-title")
                yield OptionList(*[query.label or query.id for query in self.saved_queries], id="saved")
                yield PaneTitle("HISTORY", id="history-title")
                yield OptionList(id="history")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#insights-title", PaneTitle).show("ctrl+r run · tab: groups, range, results")
        self.set_interval(1.0, self._tick)
        if self.saved_queries:
            self.query_one("#saved", OptionList).highlighted = 0  # enter loads one without a first ↓
        self._restore()
        if self.initial:
            ids = [query.id for query in self.saved_queries]
            if self.initial in ids:
                self.load_saved(ids.index(self.initial))
                self.action_run()
        self.query_one(QueryEditor).focus()

    def _restore(self) -> None:
        """What the history kept from the last time this screen was open: draft, runs, last result."""
        draft, result = self.history.draft, self.history.result
        if draft is not None:
            self.query_one(QueryEditor).load_text(draft.query)
            self.query_one("#groups", Input).value = draft.groups
            self.query_one("#range", Input).value = draft.range_text
        self._refresh_history()
        if result is not None:
            self.current = self._run(result.run_id)
            self.stats_text = result.stats_text
            self.show_rows(result.fields, result.rows)
            self._show_warning(result.warning)
            self._tick()

    def on_unmount(self) -> None:
        """Leaving stops polling (and the query, where the endpoint can); the history keeps what was shown."""
        self._stop.set()
        if self.current is not None:
            if self.current.status not in FINAL_STATUSES:
                self.current.status = "stopped"
            self.history.result = InsightsResult(self.current.run_id, self.fields, self.rows, self.warning,
                                                 self.stats_text)

    @on(TextArea.Changed, "#query")
    @on(Input.Changed, "#groups, #range")
    def keep_draft(self) -> None:
        self.history.draft = InsightsDraft(self.query_one(QueryEditor).text, self.query_one("#groups", Input).value,
                                           self.query_one("#range", Input).value)

    @on(Input.Submitted, "#groups, #range")
    def run_from_field(self) -> None:
        self.action_run()

    # ------------------------------------------------------------------ inputs
    def load_saved(self, index: int) -> None:
        saved = self.saved_queries[index]
        self.query_one(QueryEditor).load_text(saved.query.strip())
        self.query_one("#groups", Input).value = ", ".join(saved.groups)
        self.query_one("#range", Input).value = saved.since

    @on(OptionList.OptionSelected, "#saved")
    def saved_chosen(self, event: OptionList.OptionSelected) -> None:
        self.load_saved(event.option_index)
        self.query_one(QueryEditor).focus()

    @on(OptionList.OptionSelected, "#history")
    def history_chosen(self, event: OptionList.OptionSelected) -> None:
        run = self.runs[event.option_index]
        self.query_one(QueryEditor).load_text(run.query)
        self.query_one("#groups", Input).value = ", ".join(run.groups)
        self.query_one("#range", Input).value = run.range_text
        self.action_run()

    # ------------------------------------------------------------------ run, poll, stop
    def action_run(self) -> None:
        if self.session is None:
            self.status("not connected yet", "warning")
            return
        groups = [group.strip() for group in self.query_one("#groups", Input).value.split(",") if group.strip()]
        range_text = self.query_one("#range", Input).value
        try:
            start, end = parse_range(range_text)
        except ValueError as error:
            self.status(f"time range: {error}", "error")
            return
        self._stop.set()  # a previous run stops polling
        self._stop = threading.Event()
        run = QueryRun(self.history.next_run_id(), self.query_one(QueryEditor).text, groups, range_text, time.time())
        self.runs.append(run)
        self.current = run
        self.stats_text = ""
        self._show_warning(None)
        self._refresh_history()
        self.status("starting…", "busy")
        self.poll_query(run, start, end, self._stop)

    @work(thread=True, group="insights", exit_on_error=False)
    def poll_query(self, run: QueryRun, start: datetime, end: datetime, stop: threading.Event) -> None:
        """Start, then poll until final or stopped; the only place a query's calls happen."""
        from services.aws.insights import QUERY_TIMEOUT, InsightsClient, QueryProgress

        client = InsightsClient(self.session)
        try:
            run.query_id = client.start(run.groups, run.query, start, end)
        except SourceError as error:
            self.post_message(InsightsFailed(run.run_id, error, "start"))
            return
        self.post_message(InsightsProgress(run.run_id, QueryProgress(run.query_id, "Scheduled")))
        while not stop.is_set():
            try:
                progress = client.results(run.query_id, run.query)
            except SourceError as error:
                self.post_message(InsightsFailed(run.run_id, error, "poll"))
                return
            self.post_message(InsightsProgress(run.run_id, progress))
            if progress.done:
                return
            if time.time() - run.started > QUERY_TIMEOUT + 60:
                return
            stop.wait(1.0)
        try:
            client.stop(run.query_id)
            self.post_message(InsightsProgress(run.run_id, QueryProgress(run.query_id, "Cancelled")))
        except SourceError as error:
            self.post_message(InsightsFailed(run.run_id, error, "stop"))

    def action_stop(self) -> None:
        run = self.current
        if run is None or run.status in FINAL_STATUSES:
            self.notify("no query running")
            return
        self._stop.set()
        self.status("stopping…", "busy")

    @on(InsightsProgress)
    def show_progress(self, message: InsightsProgress) -> None:
        run = self._run(message.run_id)
        if run is None:
            return
        progress = message.progress
        run.status = progress.status
        if progress.stats is not None:
            s = progress.stats
            self.stats_text = f"{s.records_matched:,.0f} matched / {s.records_scanned:,.0f} scanned"
        elif progress.done and progress.status == "Complete" and not self.stats_text:
            self.stats_text = "no statistics from this endpoint"
        if run is self.current and (progress.rows or progress.done):
            run.rows = len(progress.rows)
            if progress.rows != self.rows or progress.fields != self.fields:
                self.show_rows(progress.fields, progress.rows)
            if progress.done:
                self._show_warning(progress.warning)
        self._refresh_history()
        self._tick()

    @on(InsightsFailed)
    def show_error(self, message: InsightsFailed) -> None:
        run = self._run(message.run_id)
        if run is None:
            return
        if message.stage == "stop" and isinstance(message.error, Unsupported):
            run.status = "stopped"
            self.status("StopQuery is not supported by this endpoint: polling stopped "
                        "(the query runs on until it ends)", "warning")
        else:
            run.status = "error"
            verb = {"start": "could not start", "poll": "results failed", "stop": "could not stop"}[message.stage]
            self.status(f"{verb}: {message.error}", "error")
        self._refresh_history()

    def _run(self, run_id: int) -> QueryRun | None:
        return next((run for run in self.runs if run.run_id == run_id), None)

    def _tick(self) -> None:
        run = self.current
        if run is None or run.status in ("error", "stopped"):
            return
        elapsed = int(time.time() - run.started)
        parts = [run.status, f"{elapsed // 60}:{elapsed % 60:02d} elapsed" if run.status in ("Running", "Scheduled", "starting")
                 else f"{len(self.rows)} rows", self.stats_text]
        level = "busy" if run.status in ("Running", "Scheduled", "starting") else "ok"
        if self.warning and run.status == "Complete":
            parts, level = ["⚠ not run by the endpoint", f"{len(self.rows)} raw rows"], "warning"
        self.status(" · ".join(part for part in parts if part), level if run.status != "Failed" else "error")

    def _show_warning(self, warning: str | None) -> None:
        """The full sentence above the results (it wraps there; the status line only points to it)."""
        self.warning = warning
        notice = self.query_one("#insights-warning", Static)
        notice.update(Text(f"⚠ {warning}") if warning else "")
        notice.display = bool(warning)

    def status(self, text: str, level: str = "ok") -> None:
        self.query_one("#insights-title", PaneTitle).show(text, level)

    def _refresh_history(self) -> None:
        history = self.query_one("#history", OptionList)
        highlighted = history.highlighted
        history.clear_options()
        history.add_options([run.label() for run in self.runs])
        if self.runs:  # enter on the list works at once: the newest run, or the one the cursor was on
            history.highlighted = highlighted if highlighted is not None else len(self.runs) - 1

    # ------------------------------------------------------------------ results
    def show_rows(self, fields: list[str], rows: list[dict[str, str]]) -> None:
        self.fields, self.rows = list(fields), list(rows)
        if self._sort is not None:
            name, reverse = self._sort
            self.rows.sort(key=lambda row: _sort_key(row.get(name, "")), reverse=reverse)
        table = self.query_one("#results", DataTable)
        table.clear(columns=True)
        for name in self.fields:
            table.add_column(name, key=name)
        for index, row in enumerate(self.rows):
            table.add_row(*[Text(_cell(name, row.get(name, ""))) for name in self.fields], key=str(index))

    @on(DataTable.HeaderSelected, "#results")
    def header_clicked(self, event: DataTable.HeaderSelected) -> None:
        self._sort_by(str(event.column_key.value))

    def action_sort(self) -> None:
        table = self.query_one("#results", DataTable)
        if self.fields and 0 <= table.cursor_column < len(self.fields):
            self._sort_by(self.fields[table.cursor_column])

    def _sort_by(self, name: str) -> None:
        reverse = self._sort == (name, False)
        self._sort = (name, reverse)
        self.show_rows(self.fields, self.rows)
        self.notify(f"sorted by {name} {'descending' if reverse else 'ascending'}", timeout=2)

    @on(DataTable.RowSelected, "#results")
    def open_record(self, event: DataTable.RowSelected) -> None:
        row = self.rows[int(str(event.row_key.value))]
        self.load_record(row)

    @work(thread=True, group="insights-record", exit_on_error=False)
    def load_record(self, row: dict[str, str]) -> None:
        from services.aws.insights import InsightsClient

        if not row.get("@ptr"):
            self.post_message(InsightsRecordLoaded(row, None, None))
            return
        try:
            self.post_message(InsightsRecordLoaded(row, InsightsClient(self.session).record(row["@ptr"])))
        except SourceError as error:
            self.post_message(InsightsRecordLoaded(row, None, error))

    @on(InsightsRecordLoaded)
    def show_record(self, message: InsightsRecordLoaded) -> None:
        from tui.screens.log_record import LogRecordScreen

        record = message.record or message.row
        fields = {name: value for name, value in record.items() if name not in ("@message", "@ptr")}
        if message.record is None:
            fields["note"] = (f"GetLogRecord: {message.error} · showing the result row" if message.error
                              else "no @ptr in this row · showing the result row")
        self.app.push_screen(LogRecordScreen(record.get("@message", ""), fields))

    def action_export(self, kind: str) -> None:
        from services.aws.insights import to_csv, to_json

        if not self.fields:
            self.notify("no results to export", severity="warning")
            return
        path = Path.cwd() / f"insights-{datetime.now():%Y%m%d-%H%M%S}.{kind}"
        text = to_csv(self.fields, self.rows) if kind == "csv" else to_json(self.fields, self.rows)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            self.notify(f"could not export: {error}", severity="error")
            return
        self.notify(f"exported {len(self.rows)} rows to {path}")


def _sort_key(value: str) -> tuple[int, float, str]:
    """Numbers sort as numbers, before text."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def _cell(name: str, value: str) -> str:
    """Epoch-millisecond ``@timestamp`` (some endpoints) as local time; everything as plain text."""
    if name == "@timestamp" and value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return visible(value[:CELL_CHARS])
