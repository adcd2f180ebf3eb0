"""The metrics and alarms panes under Textual's pilot, against the seeded Sentra scenario on moto."""
from __future__ import annotations

import json
import os
from pathlib import Path

from services.profile import MetricSpec, Profile
from tests.support.apps import current_screen
from tests.support.screen import screen_text
from tests.support.waiting import until, wait_for
from tui.app import CockpitApp
from tui.messages import AlarmStateChanged
from tui.panes.alarms import AlarmsPane
from tui.panes.metrics import MetricsPane
from tui.screens.alarm_detail import AlarmDetailScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.metric_detail import MetricDetailScreen
from widgets.alarm_table import AlarmTable
from widgets.metric_chart import MetricChart
from widgets.metric_grid import MetricGrid
from widgets.metric_tile import MetricTile
from widgets.pane_title import PaneTitle


async def _dashboard(app: CockpitApp, pilot) -> DashboardScreen:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
    return current_screen(app, DashboardScreen)


async def _alarms_shown(pilot, screen: DashboardScreen, count: int = 4) -> AlarmTable:
    table = screen.query_one(AlarmTable)
    await until(pilot, lambda: len(table.rows_shown) == count, what="alarms")
    return table


async def test_range_keys_change_the_period_and_the_status(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _dashboard(app, pilot)
        title = screen.query_one("#metrics-title", PaneTitle)
        await until(pilot, lambda: title.status.startswith("1h · period 1m+"), what="the profile's 1h range")
        duration = screen.query_one("#tile-duration", MetricTile)
        seen = len(duration.reading.history)
        await pilot.press("1")
        await until(pilot, lambda: title.status.startswith("15m · period 1m+"), what="the 15m range")
        assert len(duration.reading.history) < seen <= 61
        assert duration.reading.end - duration.reading.start == 900
        await pilot.press("3")
        await until(pilot, lambda: title.status.startswith("3h "), what="the 3h range")
        assert len(duration.reading.history) > seen
        assert screen.pollers["metrics"].interval == 5  # the demo profile's metrics_refresh is kept


async def test_enter_on_a_tile_opens_its_chart_figures_and_alarms(demo_profile, aws_target, sentra, boto) -> None:
    boto("cloudwatch").set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="ALARM",
                                       StateReason="Threshold Crossed: 1 datapoint [287412.0]")
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _dashboard(app, pilot)
        await _alarms_shown(pilot, screen)
        tile = screen.query_one("#tile-duration", MetricTile)
        await until(pilot, lambda: tile.reading.value_text.endswith(" s"), what="the duration tile")
        tile.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MetricDetailScreen), what="the detail screen")
        detail = current_screen(app, MetricDetailScreen)
        await until(pilot, lambda: "p99" in screen_text(app), what="the figures")
        text = screen_text(app)
        for label in ("min", "avg", "max", "p50", "p90", "Processing duration", "AWS/Lambda/Duration Maximum"):
            assert label in text
        assert "sentra-lambda-duration" in text and "ALARM" in text
        chart = detail.query_one(MetricChart)
        assert len(chart.data.values) > 30 and chart.data.critical == 240000
        assert "4 min" in text  # the critical threshold labels its line on the chart's axis
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back")


async def test_a_transition_is_highlighted_rung_recorded_and_acknowledged_locally(
        demo_profile, aws_target, sentra, boto, tmp_path: Path) -> None:
    changes: list[AlarmStateChanged] = []

    def hook(message) -> None:  # called at each pump the message reaches: it bubbles to the app
        if isinstance(message, AlarmStateChanged) and not any(message is seen for seen in changes):
            changes.append(message)

    cw = boto("cloudwatch")
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        screen = await _dashboard(app, pilot)
        table = await _alarms_shown(pilot, screen)
        pane = screen.query_one(AlarmsPane)
        assert not any(row.changed for row in table.rows_shown) and pane.bells == 0
        cw.set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="ALARM",
                           StateReason="Threshold Crossed: 1 datapoint [287412.0] was greater than the threshold")
        await pilot.press("r")
        await until(pilot, lambda: table.rows_shown[0].changed, what="the highlighted row")
        row = table.rows_shown[0]
        assert (row.name, row.state) == ("sentra-lambda-duration", "ALARM")
        assert pane.bells == 1
        await until(pilot, lambda: len(changes) == 1, what="the message")
        change = changes[0].transition
        assert (change.name, change.old_state, change.new_state) == ("sentra-lambda-duration", "OK", "ALARM")
        timeline = Path(os.environ["XDG_STATE_HOME"]) / "incident-cockpit" / "timeline-sentra-scanner.jsonl"
        wait_for(lambda: timeline.exists() and "sentra-lambda-duration" in timeline.read_text(), what="timeline")
        event = json.loads(timeline.read_text().splitlines()[-1])
        assert event["step"] == "alarm" and event["after"] == "ALARM" and event["before"] == "OK"
        # Acknowledge it here: it sinks, marked, and no AWS call is made.
        await pilot.press("a")
        # `a` lands on the most urgent alarm: the new ALARM on top.
        assert table.has_focus and table.selected_name == table.rows_shown[0].name == "sentra-lambda-duration"
        await pilot.press("s")
        assert table.rows_shown[-1].name == "sentra-lambda-duration" and table.rows_shown[-1].acked
        assert not table.rows_shown[-1].changed
        assert "(1 acked)" in screen.query_one("#alarms-title", PaneTitle).status
        assert "✓" in screen_text(app)
        # A new state change is a new episode: not acknowledged any more.
        cw.set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="OK", StateReason="recovered")
        await pilot.press("r")
        await until(pilot, lambda: pane.bells == 2, what="the second transition")
        assert "sentra-lambda-duration" not in pane.acked
        assert [c.transition.new_state for c in changes] == ["ALARM", "OK"]


async def test_from_an_alarm_to_its_tile_its_playbook_and_its_history(demo_profile, aws_target, sentra, boto) -> None:
    from tui.screens.playbook import PlaybookScreen

    boto("cloudwatch").set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="ALARM",
                                       StateReason="Threshold Crossed: 1 datapoint [287412.0]")
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _dashboard(app, pilot)
        table = await _alarms_shown(pilot, screen)
        await pilot.press("a", "m")
        assert app.focused is screen.query_one("#tile-duration", MetricTile)
        await pilot.press("a", "p")
        await until(pilot, lambda: isinstance(app.screen, PlaybookScreen), what="the playbook")
        assert current_screen(app, PlaybookScreen).playbook.id == "lambda_timeouts"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back")
        table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AlarmDetailScreen), what="the alarm's detail")
        detail = current_screen(app, AlarmDetailScreen)
        await until(pilot, lambda: "not supported" in detail.history_note, timeout=40, what="history's verdict")
        text = screen_text(app)
        assert "history: not supported by this endpoint" in text
        assert "287412.0" in text and "AWS/Lambda/Duration" in text
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back to the tile")
        assert app.focused is screen.query_one("#tile-duration", MetricTile)


async def test_forty_metrics_at_80x24_scroll_and_stay_readable(aws_target, boto) -> None:
    metrics = [MetricSpec(id=f"m{i:02d}", label=f"Shard {i:02d} requests", namespace="Load", metric="Requests",
                          dimensions={"Shard": str(i)}, stat="Sum", period=60, alert=100, critical=200)
               for i in range(40)]
    profile = Profile.model_validate({"system": {"name": "Forty"}, "metrics": [m.model_dump() for m in metrics]})
    app = CockpitApp(profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _dashboard(app, pilot)
        grid = screen.query_one(MetricGrid)
        title = screen.query_one("#metrics-title", PaneTitle)
        await until(pilot, lambda: "40 tiles" in title.status, what="the first refresh")
        assert grid.columns == 3 and grid.size.height <= 6
        text = screen_text(app)
        assert "Shard 00 requests" in text and "Shard 39 requests" not in text
        assert "no data since" in text  # nothing was put: said so, not shown as zero
        screen.query_one(MetricsPane).focus_tile("m39")
        await until(pilot, lambda: "Shard 39 requests" in screen_text(app), what="scrolled to the last tile")
        assert "Shard 00 requests" not in screen_text(app)
