"""The engine panes under Textual's pilot, against podman, PostgreSQL and a health server, with no AWS."""
from __future__ import annotations

import pytest

from services.aws.session import AwsTarget
from services.demo.health_server import HealthServer
from services.profile import load_profile
from tests.support.apps import current_screen
from tests.support.engine_profiles import write_profile
from tests.support.engines import PG_PASSWORD, run_container
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.panes.container_logs import ContainerLogsPane
from tui.panes.containers import ContainersPane
from tui.panes.health import HealthPane
from tui.panes.postgres import PostgresPane
from tui.screens.dashboard import DashboardScreen
from widgets.container_table import ContainerTable
from widgets.pane_title import PaneTitle

TICKER = ["sh", "-c", "i=0; while true; do echo request $i ok; i=$((i+1)); sleep 0.2; done"]


@pytest.fixture
def health_server():
    server = HealthServer().start()
    yield server
    server.stop()


async def test_a_docker_and_postgres_profile_shows_both_panes_and_no_aws(tmp_path, podman_service, docker_client,
                                                                       pg_dsn, health_server) -> None:
    run_container(docker_client, "sentrascan-api-1", TICKER, project="sentrascan", service="api",
                  environment={"SENTRASCAN_SECRET": "s3cr3t-value"})
    run_container(docker_client, "sentrascan-db-1", ["sleep", "600"], project="sentrascan", service="db")
    run_container(docker_client, "unrelated-1", ["sleep", "600"], project="other", service="web")
    profile = load_profile(write_profile(tmp_path, docker_url=podman_service.url, postgres=True,
                                         health_url=health_server.url))
    assert not profile.has_aws
    app = CockpitApp(profile, AwsTarget())
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        screen = app.screen
        assert not screen.query("#metrics-pane") and not screen.query("#logs-pane")
        containers = screen.query_one(ContainersPane)
        table = containers.table
        await until(pilot, lambda: len(table.row_data) == 2, what="the project's two containers")
        assert [row.service for row in table.row_data.values()] == ["api", "db"]
        assert all(row.state == "running" for row in table.row_data.values())
        assert "2/2 running" in containers.title.status and "podman" in containers.title.status
        await until(pilot, lambda: all(row.cpu and row.memory for row in table.row_data.values()), timeout=40,
                    what="CPU and memory from the stats streams")
        assert containers.stats_samples >= 2
        # Highlighting the api container tails its logs and shows its details (env names, never values).
        table.focus()
        table.move_cursor(row=0)
        logs = screen.query_one(ContainerLogsPane)
        await until(pilot, lambda: logs.tail.line_count >= 3, what="the api container's log lines")
        assert all("request" in line.message for line in logs.tail.lines)
        details = screen.query_one("#container-details")
        await until(pilot, lambda: "SENTRASCAN_SECRET" in str(details.render()), what="details")
        assert "s3cr3t-value" not in str(details.render())
        # PostgreSQL: backends listed, the DSN never on screen.
        pg = screen.query_one(PostgresPane)
        await until(pilot, lambda: pg.snapshot is not None, what="pg_stat_activity")
        assert pg.title.status.startswith("PostgreSQL ")
        # Health: the demo server answers ok, then goes down: counted and dated.
        health = screen.query_one(HealthPane)
        await until(pilot, lambda: "API" in health.results and health.results["API"].ok, what="a healthy check")
        health_server.state = "down"
        await until(pilot, lambda: health.results["API"].failures >= 2, what="two failed checks")
        assert health.results["API"].status == 503 and health.results["API"].failing_since is not None
        assert "1 failing" in screen.query_one("#health-title", PaneTitle).status
        everything = screen_text(app)
        assert PG_PASSWORD not in everything and "postgresql://" not in everything
        assert "s3cr3t-value" not in everything


async def test_the_filter_key_of_the_container_log(tmp_path, podman_service, docker_client) -> None:
    run_container(docker_client, "sentrascan-api-1", ["sh", "-c", "echo alpha; echo beta ERROR; echo gamma; sleep 600"],
                  project="sentrascan", service="api")
    app = CockpitApp(load_profile(write_profile(tmp_path, docker_url=podman_service.url)), AwsTarget())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        logs = app.screen.query_one(ContainerLogsPane)
        await until(pilot, lambda: logs.tail.line_count == 3, what="three log lines")
        logs.tail.focus()
        await pilot.press("slash", "E", "R", "R")
        await until(pilot, lambda: logs.tail.shown_count == 1, what="the filter")
        assert "filter 'ERR': 1 of 3" in logs.query_one(PaneTitle).status


async def test_an_engine_that_goes_away_is_one_line_and_comes_back(tmp_path, podman_service, docker_client) -> None:
    run_container(docker_client, "sentrascan-api-1", ["sleep", "600"], project="sentrascan", service="api")
    app = CockpitApp(load_profile(write_profile(tmp_path, docker_url=podman_service.url)), AwsTarget())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        pane = app.screen.query_one(ContainersPane)
        await until(pilot, lambda: len(pane.table.row_data) == 1, what="the container")
        podman_service.stop()
        try:
            pane.refresh_now()
            await until(pilot, lambda: pane.title.status.startswith("unreachable"), timeout=30, what="unreachable")
            assert "retrying in" in pane.title.status and pane.title.level == "warning"
            assert app.is_running
        finally:
            podman_service.start()
        pane.refresh_now()
        await until(pilot, lambda: "1/1 running" in pane.title.status, timeout=60, what="the engine back")


async def test_restart_through_the_confirmed_action(tmp_path, podman_service, docker_client) -> None:
    container = run_container(docker_client, "sentrascan-api-1", ["sleep", "600"], project="sentrascan", service="api")
    container.reload()
    started = container.attrs["State"]["StartedAt"]
    app = CockpitApp(load_profile(write_profile(tmp_path, docker_url=podman_service.url)), AwsTarget())
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        table = app.screen.query_one(ContainerTable)
        await until(pilot, lambda: len(table.row_data) == 1, what="the container")
        table.focus()
        await pilot.press("R")
        from tui.screens.confirm_action import ConfirmActionScreen

        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="the confirmation")
        await pilot.pause()
        assert current_screen(app, ConfirmActionScreen).plan.command == (
            f"docker -H {podman_service.url} restart --time 10 sentrascan-api-1")
        assert "restart --time 10" in screen_text(app)
        container.reload()
        assert container.attrs["State"]["StartedAt"] == started  # nothing ran before the confirmation
        await pilot.click("#run")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back on the dashboard")

        def restarted() -> bool:
            container.reload()
            return container.attrs["State"]["StartedAt"] != started and container.status == "running"

        await until(pilot, restarted, timeout=30, what="the restart")


async def test_the_blocking_tree_and_terminating_the_blocker_from_it(tmp_path, pg_dsn, lock_conflict) -> None:
    from tui.screens.confirm_action import ConfirmActionScreen
    from tui.screens.database import DatabaseScreen
    from widgets.blocking_tree import BlockingTree

    app = CockpitApp(load_profile(write_profile(tmp_path, postgres=True)), AwsTarget())
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        pane = app.screen.query_one(PostgresPane)
        await until(pilot, lambda: pane.snapshot is not None and pane.snapshot.blocked == 1, what="the blocked waiter")
        table = pane.table
        holder = table.row_data[str(lock_conflict.holder_pid)]
        assert holder.idle_in_transaction
        assert table.row_data[str(lock_conflict.waiter_pid)].blocked_by == (lock_conflict.holder_pid,)
        assert "1 blocked" in pane.title.status and pane.title.level == "warning"
        table.focus()
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, DatabaseScreen), what="the database screen")
        tree = app.screen.query_one(BlockingTree)
        await until(pilot, lambda: len(tree.items) == 1, what="the tree")
        (root,) = tree.items
        assert root.pid == lock_conflict.holder_pid and "RowExclusiveLock on accounts" in root.holds
        assert [child.pid for child in root.children] == [lock_conflict.waiter_pid]
        assert root.children[0].waits_for.startswith("ShareLock on transaction")
        text = screen_text(app)
        assert "waits ShareLock on transaction" in text and "connections" in text
        tree.focus()
        tree.cursor_line = 0
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="the confirmation")
        plan = current_screen(app, ConfirmActionScreen).plan
        assert plan.command == f"SELECT pg_terminate_backend({lock_conflict.holder_pid});"
        assert app.screen.query_one("#run").disabled  # destructive: nothing until the pid is typed
        await pilot.press(*str(lock_conflict.holder_pid), "enter")
        await until(pilot, lambda: lock_conflict.waiter_done.is_set(), what="the waiter to proceed")
        assert lock_conflict.waiter_error is None
        await until(pilot, lambda: isinstance(app.screen, DatabaseScreen) and not tree.items, what="an empty tree")


async def test_the_pane_says_reconnecting_through_a_database_restart(tmp_path, pg_server, pg_dsn) -> None:
    app = CockpitApp(load_profile(write_profile(tmp_path, postgres=True)), AwsTarget())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        pane = app.screen.query_one(PostgresPane)
        await until(pilot, lambda: pane.snapshot is not None, what="a first snapshot")
        pg_server.stop()
        try:
            pane.refresh_now()
            await until(pilot, lambda: pane.title.status.startswith("reconnecting"), timeout=30, what="reconnecting")
            assert "retrying in" in pane.title.status and PG_PASSWORD not in pane.title.status
        finally:
            pg_server.start()
        first = pane.snapshot
        pane.refresh_now()
        await until(pilot, lambda: pane.snapshot is not first, timeout=60, what="the pane back")
        assert pane.title.status.startswith("PostgreSQL ")
