"""Insights keys at 80×24: Tab leaves the editor, one esc leaves the screen, the history survives (Keys 11)."""
from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from tests.support.insights import open_insights
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.insights import InsightsScreen
from tui.screens.query import QueryScreen
from widgets.query_editor import QueryEditor

FOCUS_ORDER = ["query", "groups", "range", "results", "saved", "history"]


async def _open(app: CockpitApp, pilot: Pilot[Any]) -> InsightsScreen:
    return await open_insights(app, pilot)


def _focused(app: CockpitApp) -> str | None:
    return app.focused.id if app.focused is not None else None


async def test_tab_and_shift_tab_walk_out_of_the_editor_in_order(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        editor = screen.query_one(QueryEditor)
        text = editor.text
        assert _focused(app) == "query"
        seen = []
        for _ in FOCUS_ORDER:
            seen.append(_focused(app))
            await pilot.press("tab")
        assert seen == FOCUS_ORDER and _focused(app) == "query"  # round the screen and back
        assert editor.text == text  # Tab moved focus; it inserted nothing
        back = []
        for _ in FOCUS_ORDER:
            await pilot.press("shift+tab")
            back.append(_focused(app))
        assert back == list(reversed(FOCUS_ORDER))
        # Every one of them is on screen at 80×24.
        for name in FOCUS_ORDER:
            region = screen.query_one(f"#{name}").region
            assert region.height > 0 and region.right <= 80 and region.bottom <= 23, (name, region)


async def test_keys_typed_as_text_are_text(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        screen.query_one(QueryEditor).load_text("")
        await pilot.press(*"fields o i q")  # o sorts, i and q are the dashboard's and the app's keys
        assert screen.query_one(QueryEditor).text == "fields o i q"
        assert app.screen is screen and screen.runs == []


@pytest.mark.parametrize("where", FOCUS_ORDER)
async def test_one_escape_leaves_from_anywhere(demo_profile, aws_target, sentra, where) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        screen.query_one(f"#{where}").focus()
        await pilot.pause()
        assert _focused(app) == where
        await pilot.press("escape")
        # back where it was opened from (Queries), in one key whatever had focus
        await until(pilot, lambda: isinstance(app.screen, QueryScreen), timeout=5,
                    what=lambda: f"one esc from #{where} to leave (still on {type(app.screen).__name__})")


async def test_footer_keys_work_from_every_part_of_the_screen(demo_profile, aws_target, sentra, tmp_path,
                                                               monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        shown = {binding.key for (_, binding, enabled, _) in screen.active_bindings.values()
                 if binding.show and enabled}
        assert {"ctrl+r", "ctrl+o", "ctrl+t", "escape"} <= shown
        for count, where in enumerate(FOCUS_ORDER, start=1):
            screen.query_one(f"#{where}").focus()
            await pilot.press("ctrl+r")

            def ran(count: int = count) -> bool:
                return len(screen.runs) == count and screen.runs[-1].status == "Complete"

            await until(pilot, ran, what=f"ctrl+r from #{where}")
            await pilot.press("ctrl+o")
            await until(pilot, lambda: len(list(tmp_path.glob("insights-*.csv"))) >= 1, what=f"ctrl+o from #{where}")
        # enter in the range field runs too (the form's submit)
        screen.query_one("#range").focus()
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.runs) == len(FOCUS_ORDER) + 1, what="enter in the range field")


async def test_history_and_draft_survive_closing_the_screen(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        screen.query_one(QueryEditor).load_text("fields @timestamp, @message | limit 7")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.current is not None and screen.current.status == "Complete", what="a run")
        screen.query_one(QueryEditor).load_text("fields @message | limit 3")  # a draft, not run
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueryScreen), what="the queries screen")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        reopened = await _open(app, pilot)
        assert reopened is not screen
        history = reopened.query_one("#history", OptionList)
        assert history.option_count == 1 and "7 rows" in str(history.get_option_at_index(0).prompt)
        assert [run.query for run in reopened.runs] == ["fields @timestamp, @message | limit 7"]
        assert reopened.runs[0].status == "Complete" and reopened.runs[0].rows == 7
        assert reopened.query_one(QueryEditor).text == "fields @message | limit 3"
        assert reopened.query_one("#results", DataTable).row_count == 7  # the last result is still there
        history.focus()
        await pilot.press("enter")  # re-run the first query from the history
        await until(pilot, lambda: len(reopened.runs) == 2 and reopened.runs[1].status == "Complete", what="re-run")
        assert reopened.runs[1].query == reopened.runs[0].query
