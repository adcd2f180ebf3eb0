"""The dashboard's keys at 80×24 against the seeded Sentra scenario on moto (issue "Keys" 3, 7, 13).

A key shown on screen works from where it is shown: ``a`` lands on the most urgent alarm,
``p`` is the playbook whatever has focus, and the one highlighted tile is the one ``enter`` opens.
"""
from __future__ import annotations

from tests.support.apps import current_screen
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.panes.logs import LogsPane
from tui.screens.alarm_detail import AlarmDetailScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.metric_detail import MetricDetailScreen
from tui.screens.playbook_list import PlaybookListScreen
from widgets.alarm_table import AlarmTable
from widgets.log_tail import LogTail
from widgets.metric_tile import MetricTile

SIZE = (80, 24)


async def _dashboard(app: CockpitApp, pilot) -> DashboardScreen:
    # composed, not only pushed: under load the first tests' query would otherwise race the mount
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and bool(app.screen.query(MetricTile)),
                what="dashboard")
    return current_screen(app, DashboardScreen)


def highlighted_tiles(app: CockpitApp) -> list[str]:
    """The tiles whose label is drawn reversed on screen (what a person sees as highlighted)."""
    shown: list[str] = []
    for tile in app.screen.query(MetricTile):
        label_row = tile.render_line(0)  # the Line API's public entry: the row as the terminal gets it
        if any(segment.text.strip() and segment.style is not None and segment.style.reverse for segment in label_row):
            shown.append(tile.metric_id)
    return shown


async def test_a_then_enter_opens_the_alarm_on_top_now(demo_profile, aws_target, sentra, boto) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dashboard(app, pilot)
        table = screen.query_one(AlarmTable)
        await until(pilot, lambda: len(table.rows_shown) == 4, what="the alarms")
        first, last = table.rows_shown[0].name, table.rows_shown[-1].name
        boto("cloudwatch").set_alarm_state(AlarmName=last, StateValue="ALARM", StateReason="Threshold Crossed: test")
        await pilot.press("r")
        await until(pilot, lambda: table.rows_shown[0].name == last, what=f"{last} on top")
        await pilot.press("a")
        assert table.has_focus and table.selected_name == last != first
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AlarmDetailScreen), what="the alarm's detail")
        assert current_screen(app, AlarmDetailScreen).alarm.name == last
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen and table.has_focus, what="back on the table")
        # With the table focused the cursor follows its alarm as another one goes to the top.
        other = table.rows_shown[-1].name
        boto("cloudwatch").set_alarm_state(AlarmName=other, StateValue="ALARM", StateReason="Threshold Crossed: 2")
        await pilot.press("r")
        await until(pilot, lambda: table.rows_shown[0].name == other, what=f"{other} on top")
        assert table.selected_name == last
        await pilot.press("a")  # and `a` again: the most urgent one
        assert table.selected_name == other


async def test_p_is_the_playbook_with_the_logs_focused_and_P_the_complete_mode(
        demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dashboard(app, pilot)
        pane = screen.query_one(LogsPane)
        await until(pilot, lambda: pane.source is not None and pane.tail.line_count > 0, what="log lines")
        await pilot.press("f")
        assert isinstance(app.focused, LogTail)
        mode = pane.source.mode
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PlaybookListScreen), what="the playbooks")
        assert pane.source.mode == mode
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen and isinstance(app.focused, LogTail), what="back on the logs")
        await pilot.press("P")
        assert pane.source.mode == "poll" != mode


async def test_exactly_one_tile_is_highlighted_and_enter_opens_it(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dashboard(app, pilot)
        tile = screen.query_one("#tile-duration", MetricTile)
        await until(pilot, lambda: tile.reading.value_text.endswith(" s"), what="the first readings")
        await pilot.press("m")
        for key in ("right", "right", "down", "left", "down", "up", "left", "right"):
            await pilot.press(key)
            await pilot.pause()
            focused = app.focused
            assert isinstance(focused, MetricTile)
            assert highlighted_tiles(app) == [focused.metric_id], f"after {key}"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MetricDetailScreen), what="the detail")
        assert isinstance(focused, MetricTile)
        assert current_screen(app, MetricDetailScreen).spec.id == focused.metric_id == "invocations"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="back")
        await pilot.pause()
        assert highlighted_tiles(app) == ["invocations"]
        await pilot.press("a")  # focus leaves the tiles: none is highlighted
        await pilot.pause()
        assert highlighted_tiles(app) == []
