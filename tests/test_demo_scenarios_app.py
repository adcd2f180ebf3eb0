"""Each runbook scenario on the cockpit's screen: tiles, alarms and logs fill; engine panes show data or why not."""
from __future__ import annotations

import pytest

from tests.support.demo_scenarios import (
    NAMES,
    engine_marked,
    profile_of,
    seed_scenario,
    tick,
)
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from widgets.alarm_table import AlarmTable
from widgets.log_tail import LogTail
from widgets.metric_tile import MetricTile

NO_VALUE = ("…", "—", "error")


@pytest.fixture(params=engine_marked(NAMES))
def scenario(request, boto, monkeypatch):
    options = {}
    if request.param == "cloud-remediator-sage":  # its container on the tests' podman, found through DOCKER_HOST
        podman = request.getfixturevalue("podman_service")
        options["docker_host"] = podman.url
        monkeypatch.setenv("DOCKER_HOST", podman.url)
    seeded = seed_scenario(request.param, boto, **options)
    tick(seeded, 2)
    yield seeded
    seeded.close()


async def test_every_pane_shows_the_scenario(scenario, aws_target, boto) -> None:
    profile = profile_of(scenario)
    alarm_count = len(boto("cloudwatch").describe_alarms()["MetricAlarms"])
    app = CockpitApp(profile, aws_target, prepare_engines=lambda: getattr(scenario, "unavailable", {}))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        screen = app.screen
        await until(pilot, lambda: len(screen.query(MetricTile)) == len(profile.tiles), what="the tiles composed")
        tiles = {spec.id: screen.query_one(f"#tile-{spec.id}", MetricTile) for spec in profile.tiles}
        await until(pilot, lambda: all(tile.reading.value_text not in NO_VALUE for tile in tiles.values()),
                    what=lambda: f"a value in every tile: {[(k, t.reading.value_text) for k, t in tiles.items()]}")
        # Hourly: 1 point in 1 h; Prometheus's: a server started with the test has seconds of history.
        sparklines = [tiles[spec.id] for spec in profile.tiles if (spec.period or 60) < 3600 and spec.source == "cloudwatch"]
        assert sparklines and all(len(tile.reading.history) > 1 for tile in sparklines)
        table = screen.query_one(AlarmTable)
        await until(pilot, lambda: len(table.rows_shown) == alarm_count, what="every alarm")
        assert {row.state for row in table.rows_shown} == {"OK"}
        tail = screen.query_one(LogTail)
        groups = {spec.group for spec in profile.logs}
        await until(pilot, lambda: groups <= {line.group for line in tail.lines}, what="lines from every log group")
        if profile.health:
            from tui.panes.health import HealthPane

            health = screen.query_one(HealthPane)
            await until(pilot, lambda: bool(health.results), what="a health check")
            assert all(result.ok for result in health.results.values())
        if profile.docker is not None:
            from tui.panes.containers import ContainersPane

            containers = screen.query_one(ContainersPane)
            await until(pilot, lambda: "cloud-remediator-sage" in {c.name for c in containers.containers.values()},
                        timeout=30, what="the API's container")
            assert "1/1 running" in containers.title.status


async def test_an_engine_that_cannot_start_is_stated_in_its_pane(boto, aws_target, monkeypatch, tmp_path) -> None:
    """004 without podman: the containers pane says why; tiles, alarms, logs and health run."""
    from tui.panes.containers import ContainersPane
    from tui.panes.health import HealthPane

    monkeypatch.setenv("COCKPIT_PODMAN", str(tmp_path / "no-podman"))
    scenario = seed_scenario("cloud-remediator-sage", boto, containers=True)
    try:
        profile = profile_of(scenario)
        app = CockpitApp(profile, aws_target, prepare_engines=lambda: scenario.unavailable)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
            screen = app.screen
            containers = screen.query_one(ContainersPane)
            await until(pilot, lambda: containers.title.status.startswith("unavailable:"), what="the reason")
            assert "podman is not installed" in containers.title.status
            health = screen.query_one(HealthPane)
            table = screen.query_one(AlarmTable)
            await until(pilot, lambda: bool(health.results) and len(table.rows_shown) == 3, what="the rest")
            assert all(result.ok for result in health.results.values())
    finally:
        scenario.close()
