"""The query screen on real PostgreSQL: a parameter asked and used, a write refused in one line, stop,
export, history, and ``query:ID`` from a playbook (issue 15, item 1)."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import psycopg
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList

from services.aws.session import AwsTarget
from services.profile import load_profile
from tests.support.apps import current_screen, notified, recording
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.log_record import LogRecordScreen
from tui.screens.playbook import PlaybookScreen
from tui.screens.playbook_list import PlaybookListScreen
from tui.screens.query import QueryScreen
from tui.screens.query_params import QueryParamsScreen
from widgets.pane_title import PaneTitle

PROFILE = '''[system]
name = "SentraScan Platform"

[postgres]
dsn_env = "SENTRASCAN_PG_DSN"

[[queries]]
id = "scans_by_status"
label = "Scans by status"
engine = "postgres"
query = "SELECT id, status, owner FROM scans WHERE status = '{status}' ORDER BY id"
params = { status = "running" }

[[queries]]
id = "purge"
label = "A query that writes"
engine = "postgres"
query = "DELETE FROM scans RETURNING id"

[[queries]]
id = "slow"
label = "Sleeps"
engine = "postgres"
query = "SELECT pg_sleep(60) AS slept"
timeout = "2m"

[[playbooks]]
id = "stuck"
title = "Scans stuck"
diagnosis = ["query:scans_by_status"]
'''
App = recording(CockpitApp)


@pytest.fixture
def scans(pg_dsn: str) -> str:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS scans")
        conn.execute("CREATE TABLE scans (id int PRIMARY KEY, status text NOT NULL, owner text)")
        conn.execute("INSERT INTO scans VALUES (1, 'running', 'ana'), (2, 'failed', 'O''Brien'), (3, 'failed', 'bo')")
    return pg_dsn


@pytest.fixture
def app(tmp_path: Path, scans: str) -> CockpitApp:
    path = tmp_path / "profile.toml"
    path.write_text(PROFILE)
    return App(load_profile(path), AwsTarget())


def _count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM scans").fetchone()
        assert row is not None
        return int(row[0])


def _status(screen: QueryScreen) -> str:
    return screen.query_one("#query-title", PaneTitle).status


def _table(screen: QueryScreen) -> list[list[str]]:
    table = screen.query_one("#results", DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


async def _open(app: CockpitApp, pilot: Pilot[Any]) -> QueryScreen:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, QueryScreen), what="the query screen")
    return current_screen(app, QueryScreen)


async def _choose(pilot: Pilot[Any], screen: QueryScreen, query_id: str) -> None:
    saved = screen.query_one("#saved", OptionList)
    saved.focus()
    saved.highlighted = [query.id for query in screen.saved].index(query_id)
    await pilot.press("enter")


async def _done(pilot: Pilot[Any], screen: QueryScreen, runs: int = 1) -> None:
    await until(pilot, lambda: len(screen.history.runs) >= runs and not screen.history.runs[-1].running,
                what=lambda: f"run {runs} to end: {_status(screen)}")


async def test_a_parameter_is_asked_pre_filled_and_the_rows_come_back(app: CockpitApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        saved = screen.query_one("#saved", OptionList)
        assert "postgres" in str(saved.get_option_at_index(0).prompt)  # the engine is shown
        await _choose(pilot, screen, "scans_by_status")
        await until(pilot, lambda: isinstance(app.screen, QueryParamsScreen), what="the parameter form")
        field = app.screen.query_one("#param-status", Input)
        assert field.value == "running" and field.has_focus  # pre-filled from params
        field.value = ""
        await pilot.press(*"failed", "q", "t", "backspace", "backspace")  # letters stay text: q, t do not fire
        assert isinstance(app.screen, QueryParamsScreen) and field.value == "failed"
        await pilot.press("enter")
        await _done(pilot, screen)
        assert _table(screen) == [["2", "failed", "O'Brien"], ["3", "failed", "bo"]]
        assert _status(screen).startswith("scans_by_status · 2 rows")
        assert screen.history.runs[-1].params == {"status": "failed"}
        assert "status = 'failed'" in str(screen.query_one("#query-text").render())  # the text as sent
        screen.query_one("#results", DataTable).focus()
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, LogRecordScreen), what="the row's record")
        assert json.loads(current_screen(app, LogRecordScreen).message) == {"id": 3, "status": "failed", "owner": "bo"}


async def test_a_query_that_writes_fails_in_one_line_and_changes_nothing(app: CockpitApp, scans: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await _choose(pilot, screen, "purge")  # no parameters: runs at once
        await _done(pilot, screen)
        run = screen.history.runs[-1]
        assert run.status == "failed"
        status = _status(screen)
        assert "\n" not in status and "read-only" in status and "DELETE" in status, status
        assert screen.query_one("#query-title", PaneTitle).level == "error"
        assert _count(scans) == 3


async def test_stop_cancels_a_long_query_in_the_database(app: CockpitApp, scans: str) -> None:
    def sleeping() -> int:
        with psycopg.connect(scans, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' "
                               "AND state = 'active'").fetchone()
            return int(row[0]) if row else 0

    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await _choose(pilot, screen, "slow")
        await until(pilot, lambda: sleeping() == 1, what="pg_sleep running in the database")
        await until(pilot, lambda: "running" in _status(screen), what="the elapsed time")
        assert re.search(r"running · 0:\d\d elapsed", _status(screen)), _status(screen)
        await pilot.press("ctrl+k")
        await _done(pilot, screen)
        assert screen.history.runs[-1].status == "cancelled"
        assert screen.history.runs[-1].elapsed < 60
        assert sleeping() == 0


async def test_export_writes_csv_and_json_that_match_the_table(app: CockpitApp, tmp_path: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await _choose(pilot, screen, "scans_by_status")
        await until(pilot, lambda: isinstance(app.screen, QueryParamsScreen), what="the parameter form")
        app.screen.query_one("#param-status", Input).value = "failed"
        await pilot.press("enter")
        await _done(pilot, screen)
        shown = _table(screen)
        await pilot.press("ctrl+o")
        await pilot.press("ctrl+t")
        await until(pilot, lambda: len([text for text in notified(app) if text.startswith("exported")]) == 2,
                    what="two exports")
        paths = [Path(text.split(" to ", 1)[1]) for text in notified(app) if text.startswith("exported")]
        assert all(path.is_relative_to(tmp_path / "state") for path in paths)  # under the state directory
        csv_path, json_path = paths
        assert list(csv.reader(io.StringIO(csv_path.read_text()))) == [["id", "status", "owner"], *shown]
        records = json.loads(json_path.read_text())
        assert [[str(value) for value in record.values()] for record in records] == shown
        assert records[0] == {"id": 2, "status": "failed", "owner": "O'Brien"}  # JSON keeps the number a number


async def test_the_history_lists_the_runs_and_shows_one_again(app: CockpitApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await _choose(pilot, screen, "scans_by_status")
        await until(pilot, lambda: isinstance(app.screen, QueryParamsScreen), what="the parameter form")
        await pilot.press("enter")  # the default: running
        await _done(pilot, screen)
        await _choose(pilot, screen, "purge")
        await _done(pilot, screen, runs=2)
        history = screen.query_one("#history", OptionList)
        labels = [str(history.get_option_at_index(index).prompt) for index in range(history.option_count)]
        assert len(labels) == 2
        assert "purge · failed" in labels[0] and "scans_by_status · 1 rows" in labels[1]  # newest first
        history.focus()
        history.highlighted = 1
        await pilot.press("enter")
        await until(pilot, lambda: _table(screen) == [["1", "running", "ana"]], what="the first run's rows again")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, QueryScreen), what="the query screen again")
        assert len(current_screen(app, QueryScreen).history.runs) == 2  # the session's history outlives the screen


async def test_query_id_from_a_playbook_opens_the_screen_on_that_query(app: CockpitApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        await pilot.press("p")  # no alarm fires: the list of playbooks, this one first
        await until(pilot, lambda: isinstance(app.screen, PlaybookListScreen), what="the playbooks")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PlaybookScreen), what="the playbook")
        items = app.screen.query_one("#playbook-items", OptionList)
        assert items.highlighted is not None
        assert "query:scans_by_status" in str(items.get_option_at_index(items.highlighted).prompt)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, QueryParamsScreen), what="the parameter form")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, QueryScreen), what="the query screen")
        screen = current_screen(app, QueryScreen)
        await _done(pilot, screen)
        assert screen.history.runs[-1].query_id == "scans_by_status"
        assert _table(screen) == [["1", "running", "ana"]]
