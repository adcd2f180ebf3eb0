"""The cockpit under Textual's pilot, against a seeded moto server."""
from __future__ import annotations

from dataclasses import replace

from services.profile import LogSpec
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from widgets.alarm_table import AlarmTable
from widgets.log_tail import LogTail
from widgets.metric_tile import MetricTile
from widgets.pane_title import PaneTitle


def _screen(app: CockpitApp) -> DashboardScreen:
    assert isinstance(app.screen, DashboardScreen)
    return app.screen


async def test_tiles_alarms_and_logs_show_the_seeded_system(demo_profile, aws_target, sentra, boto) -> None:
    boto("cloudwatch").set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="ALARM",
                                       StateReason="Threshold Crossed: 1 datapoint [287412.0]")
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        screen = _screen(app)
        tiles = {spec.id: screen.query_one(f"#tile-{spec.id}", MetricTile) for spec in demo_profile.tiles}
        await until(pilot, lambda: all(tile.reading.value_text not in ("…",) for tile in tiles.values()), what="tiles")
        duration = tiles["duration"].reading
        assert duration.value_text.endswith(" s") and duration.band == "normal"
        assert len(duration.history) > 30  # the seeded hours of history
        assert tiles["invocations"].reading.value_text.isdigit()
        assert tiles["error_rate"].reading.value_text.endswith("%")
        table = screen.query_one(AlarmTable)
        await until(pilot, lambda: len(table.rows_shown) == 4, what="alarms")
        assert table.rows_shown[0].name == "sentra-lambda-duration"
        assert table.rows_shown[0].state == "ALARM"
        assert {row.state for row in table.rows_shown[1:]} <= {"OK", "INSUFFICIENT_DATA"}
        tail = screen.query_one(LogTail)
        await until(pilot, lambda: tail.line_count > 20, what="log lines")
        messages = [line.message for line in tail.lines]
        assert any(message.startswith("REPORT RequestId") for message in messages)
        assert any("Successfully processed" in message for message in messages)
        assert "1 call" in screen.query_one("#metrics-title", PaneTitle).status


async def test_new_log_lines_arrive_while_running(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        tail = _screen(app).query_one(LogTail)
        await until(pilot, lambda: tail.line_count > 0, what="first lines")
        before = tail.line_count
        sentra.tick_count = 45  # the timeout episode of the runbook
        sentra.tick(__import__("datetime").datetime.now(__import__("datetime").UTC))
        await until(pilot, lambda: tail.line_count > before, what="the simulator's new lines")
        assert len({line.event_id for line in tail.lines}) == tail.line_count


async def test_a_failing_source_shows_in_its_pane_and_the_others_go_on(demo_profile, aws_target, sentra) -> None:
    profile = demo_profile.model_copy(update={"logs": [LogSpec(group="/aws/lambda/does-not-exist", label="ghost")]})
    app = CockpitApp(profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        screen = _screen(app)
        logs_title = screen.query_one("#logs-title", PaneTitle)
        await until(pilot, lambda: "ResourceNotFound" in logs_title.status, what="the logs pane's error")
        assert logs_title.level == "error" and "retrying in" in logs_title.status
        table = screen.query_one(AlarmTable)
        await until(pilot, lambda: len(table.rows_shown) == 4, what="alarms despite the failing logs")
        assert app.is_running


async def test_an_unreachable_endpoint_is_one_line_per_pane(demo_profile, aws_target) -> None:
    target = replace(aws_target, endpoint_url="http://127.0.0.1:9")  # discard port: nothing listens
    app = CockpitApp(demo_profile, target)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        title = _screen(app).query_one("#alarms-title", PaneTitle)
        await until(pilot, lambda: title.status.startswith("unreachable"), timeout=40, what="unreachable")
        assert "retrying in" in title.status and title.level == "warning"
