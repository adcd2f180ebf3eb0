"""Logs Insights against moto's server (which understands fields/sort/limit only), service and screen."""
from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from services.aws.insights import InsightsClient, check_syntax, to_csv, to_json
from services.errors import BadInput, Unsupported
from tests.support.apps import current_screen
from tests.support.insights import open_insights
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.insights import InsightsScreen, QueryRun, parse_range
from tui.screens.log_record import LogRecordScreen
from widgets.pane_title import PaneTitle
from widgets.query_editor import QueryEditor

GROUP = "/aws/lambda/customer-sentra-scanner"


def test_syntax_check_finds_the_broken_part() -> None:
    assert check_syntax("fields @timestamp, @message\n| filter @message like /ERROR/\n| sort @timestamp desc") is None
    assert check_syntax("stats avg(@duration) by bin(5m) | sort @duration / 1000 desc") is None
    assert "unknown command 'frobnicate'" in (check_syntax("fields @message | frobnicate x") or "")
    assert check_syntax("fields @message\n| filter @message like /ERROR") == "line 2: / is never closed"
    assert check_syntax("stats count(*) by bin(5m") == "line 1: '(' is never closed"
    assert check_syntax('filter msg = "abc') == 'line 1: " is never closed'
    assert check_syntax("fields @message | | limit 3") == "an empty command between pipes"


def test_exports_keep_columns_and_escape_values() -> None:
    fields = ["@timestamp", "@message"]
    rows = [{"@timestamp": "1", "@message": 'say "hi", then\nleave'}, {"@timestamp": "2"}]
    parsed = list(csv.reader(io.StringIO(to_csv(fields, rows))))
    assert parsed == [fields, ["1", 'say "hi", then\nleave'], ["2", ""]]
    assert json.loads(to_json(fields, rows)) == [{"@timestamp": "1", "@message": 'say "hi", then\nleave'},
                                                 {"@timestamp": "2", "@message": ""}]


def test_time_ranges() -> None:
    now = datetime(2026, 1, 2, 15, 0, tzinfo=UTC)
    assert parse_range("1h", now) == (now - timedelta(hours=1), now)
    start, end = parse_range("14:00..14:30", now)
    assert (start.hour, start.minute, end.minute) == (14, 0, 30)
    with pytest.raises(ValueError):
        parse_range("soon", now)


def test_the_service_runs_polls_and_reports_what_the_endpoint_lacks(aws_session, sentra) -> None:
    client = InsightsClient(aws_session)
    now = datetime.now(UTC)
    query_id = client.start([GROUP], "fields @timestamp, @message | sort @timestamp desc | limit 5",
                            now - timedelta(hours=1), now + timedelta(minutes=1))
    progress = client.results(query_id)
    assert progress.done and progress.status == "Complete"
    assert progress.fields == ["@timestamp", "@message"] and len(progress.rows) == 5
    assert all(row["@ptr"] for row in progress.rows)  # kept for GetLogRecord, not shown as a column
    assert progress.stats is None  # moto reports none
    with pytest.raises(Unsupported):
        client.stop(query_id)
    with pytest.raises(Unsupported):
        client.record(progress.rows[0]["@ptr"])
    with pytest.raises(BadInput, match="ResourceNotFound"):
        client.start(["/no/such/group"], "fields @message", now - timedelta(hours=1), now)
    with pytest.raises(BadInput, match="MalformedQuery: unknown command 'frobnicate'"):
        client.start([GROUP], "fields @message | frobnicate", now - timedelta(hours=1), now)


async def _insights(app: CockpitApp, pilot: Pilot[Any]) -> InsightsScreen:
    return await open_insights(app, pilot)


async def test_run_poll_results_table_export_history(demo_profile, aws_target, sentra, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _insights(app, pilot)
        title = screen.query_one("#insights-title", PaneTitle)
        screen.query_one(QueryEditor).load_text("fields @timestamp, @message, @logStream\n| sort @timestamp desc\n| limit 20")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.current is not None and screen.current.status == "Complete", what="results")
        assert screen.fields == ["@timestamp", "@message", "@logStream"] and len(screen.rows) == 20
        table = screen.query_one("#results", DataTable)
        assert table.row_count == 20 and [str(c.label) for c in table.columns.values()] == screen.fields
        await until(pilot, lambda: "20 rows" in title.status, what="the status line")
        assert "no statistics from this endpoint" in title.status
        stamps = [row["@timestamp"] for row in screen.rows]
        assert stamps == sorted(stamps, reverse=True)
        screen._sort_by("@timestamp")  # ascending now
        assert [row["@timestamp"] for row in screen.rows] == sorted(stamps)
        await pilot.press("ctrl+o")
        exported = list(tmp_path.glob("insights-*.csv"))
        assert len(exported) == 1
        with exported[0].open() as handle:
            assert len(list(csv.reader(handle))) == 21
        await pilot.press("ctrl+t")
        await until(pilot, lambda: list(tmp_path.glob("insights-*.json")), what="json export")
        assert len(json.loads(next(tmp_path.glob("insights-*.json")).read_text())) == 20
        # A saved query, then the history re-runs the first query.
        screen.load_saved(0)
        assert "like /ERROR/" in screen.query_one(QueryEditor).text
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(screen.runs) == 2 and screen.runs[1].status == "Complete", what="second run")
        screen.history_chosen(type("Event", (), {"option_index": 0})())
        await until(pilot, lambda: len(screen.runs) == 3 and screen.runs[2].status == "Complete", what="re-run")
        assert screen.runs[2].query == screen.runs[0].query and screen.runs[2].rows == 20
        # enter on a row: GetLogRecord is not in moto, so the row itself is shown, saying why.
        table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LogRecordScreen), what="the record")
        assert "not implemented" in str(current_screen(app, LogRecordScreen).fields.get("note", ""))


async def test_bad_syntax_and_server_errors_are_shown(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _insights(app, pilot)
        title = screen.query_one("#insights-title", PaneTitle)
        screen.query_one(QueryEditor).load_text("fields @message\n| filter @message like /ERROR")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: title.level == "error", what="the syntax error")
        assert "could not start" in title.status and "line 2: / is never closed" in title.status
        screen.query_one("#groups", Input).value = "/no/such/group"
        screen.query_one(QueryEditor).load_text("fields @message")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "ResourceNotFound" in title.status, what="the server's error")
        assert screen.runs[-1].status == "error"


async def test_stop_where_stopquery_is_unsupported(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _insights(app, pilot)
        title = screen.query_one("#insights-title", PaneTitle)
        # moto completes queries at once: a run whose stop was asked before its first poll.
        stop = threading.Event()
        stop.set()
        run = QueryRun(1, "fields @message | limit 5", [GROUP], "1h", time.time())
        screen.runs.append(run)
        screen.current = run
        now = datetime.now(UTC)
        screen.poll_query(run, now - timedelta(hours=1), now, stop)
        await until(pilot, lambda: run.status == "stopped", what="the stop")
        assert "StopQuery is not supported by this endpoint: polling stopped" in title.status
        assert title.level == "warning" and run.query_id
