"""Each runbook scenario on the cockpit's screen: tiles, alarms and logs fill; engine panes show data or why not."""
from __future__ import annotations

import pytest

from tests.demo_scenarios import NAMES, profile_of, seed_scenario, tick
from tests.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from widgets.alarm_table import AlarmTable
from widgets.log_tail import LogTail
from widgets.metric_tile import MetricTile
from widgets.pane_title import PaneTitle

NO_VALUE = ("…", "—", "error")


@pytest.fixture(params=NAMES)
def scenario(request, boto):
    seeded = seed_scenario(request.param, boto)
    tick(seeded, 2)
    yield seeded
    seeded.close()


async def test_every_pane_shows_the_scenario(scenario, aws_target, boto) -> None:
    profile = profile_of(scenario)
    alarm_count = len(boto("cloudwatch").describe_alarms()["MetricAlarms"])
    app = CockpitApp(profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        screen = app.screen
        tiles = {spec.id: screen.query_one(f"#tile-{spec.id}", MetricTile) for spec in profile.tiles}
        await until(pilot, lambda: all(tile.reading.value_text not in NO_VALUE for tile in tiles.values()),
                    what="a value in every tile")
        sparklines = [tiles[spec.id] for spec in profile.tiles if (spec.period or 60) < 3600]  # hourly: 1 point in 1 h
        assert sparklines and all(len(tile.reading.history) > 1 for tile in sparklines)
        table = screen.query_one(AlarmTable)
        await until(pilot, lambda: len(table.rows_shown) == alarm_count, what="every alarm")
        assert {row.state for row in table.rows_shown} == {"OK"}
        tail = screen.query_one(LogTail)
        groups = {spec.group for spec in profile.logs}
        await until(pilot, lambda: groups <= {line.group for line in tail.lines}, what="lines from every log group")
        if profile.health:
            from tui.health_pane import HealthPane

            health = screen.query_one(HealthPane)
            await until(pilot, lambda: bool(health.results), what="a health check")
            assert all(result.ok for result in health.results.values())
        if profile.docker is not None:
            title = screen.query_one("#containers-title", PaneTitle)
            # a Docker API answers (a listing) or the pane says why not; never left "connecting…"
            await until(pilot, lambda: not title.status.startswith("connecting"), timeout=40, what="containers pane")
            assert title.status and (title.level in ("warning", "error") or "running" in title.status)
