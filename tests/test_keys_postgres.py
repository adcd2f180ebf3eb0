"""Keys of the PostgreSQL pane work from where they are shown (issue "Keys", item 14), at 80×24.

Real PostgreSQL (``pg_dsn``) and a real lock conflict (``lock_conflict``): the pane's title
says ``b: tree``; ``b`` opens the database screen from the dashboard whatever has focus, with
the blocking tree focused and its cursor on the first blocker, so ``K``/``C`` act at once.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from services.aws.session import AwsTarget
from services.demo.health_server import HealthServer
from services.profile import load_profile
from tests.support.apps import current_screen
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.panes.postgres import PostgresPane
from tui.screens.confirm_action import ConfirmActionScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.database import DatabaseScreen
from widgets.blocking_tree import BlockingTree


def _profile(tmp_path: Path, health_url: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text('[system]\nname = "SentraScan Platform"\n\n[postgres]\ndsn_env = "SENTRASCAN_PG_DSN"\n\n'
                    f'[[health]]\nname = "API"\nurl = "{health_url}"\nexpect = {{ status = "ok" }}\ninterval = 1\n')
    return path


@pytest.fixture
def health_server():
    server = HealthServer().start()
    yield server
    server.stop()


async def _blocked_dashboard(app: CockpitApp, pilot) -> PostgresPane:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
    pane = app.screen.query_one(PostgresPane)
    await until(pilot, lambda: pane.snapshot is not None and pane.snapshot.blocked == 1, what="the blocked waiter")
    return pane


@pytest.mark.parametrize("focus", ["health table", "nothing"])
@pytest.mark.parametrize("verb", ["K", "C"])
async def test_b_from_the_dashboard_opens_the_tree_on_the_first_blocker(tmp_path, pg_dsn, lock_conflict, health_server,
                                                                       focus, verb) -> None:
    app = CockpitApp(load_profile(_profile(tmp_path, health_server.url)), AwsTarget())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _blocked_dashboard(app, pilot)
        assert "b: tree" in screen_text(app)  # the key is on screen at 80 columns, not cut off the title
        if focus == "nothing":
            app.screen.set_focus(None)
        else:
            app.screen.query_one("#health").focus()
        await pilot.pause()
        assert not pane.table.has_focus
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, DatabaseScreen), what="the database screen")
        tree = app.screen.query_one(BlockingTree)
        await until(pilot, lambda: len(tree.items) == 1, what="the tree")
        assert app.screen.focused is tree
        assert tree.cursor_node is not None and tree.cursor_node.data == lock_conflict.holder_pid
        await pilot.press(verb)
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="the confirmation")
        function = "pg_terminate_backend" if verb == "K" else "pg_cancel_backend"
        assert current_screen(app, ConfirmActionScreen).plan.command == f"SELECT {function}({lock_conflict.holder_pid});"


async def test_the_database_screens_keys_work_from_where_they_are_shown(tmp_path, pg_dsn, lock_conflict,
                                                                        health_server) -> None:
    """The screen's titles say ``K terminate · C cancel`` and ``v: VACUUM``: each works whatever has focus."""
    app = CockpitApp(load_profile(_profile(tmp_path, health_server.url)), AwsTarget())
    async with app.run_test(size=(80, 24)) as pilot:
        await _blocked_dashboard(app, pilot)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, DatabaseScreen), what="the database screen")
        database = app.screen
        tree = database.query_one(BlockingTree)
        await until(pilot, lambda: len(tree.items) == 1 and "v: VACUUM" in screen_text(app), what="tree and tables")
        text = screen_text(app)
        assert "K terminate" in text and "C cancel" in text
        database.query_one("#dead-tuples").focus()  # K is shown in the tree's title, not only on the tree
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="the confirmation")
        terminate = current_screen(app, ConfirmActionScreen).plan
        assert terminate.command == f"SELECT pg_terminate_backend({lock_conflict.holder_pid});"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is database, what="back on the database screen")
        tree.focus()
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="the vacuum plan")
        vacuum = current_screen(app, ConfirmActionScreen).plan
        assert vacuum.action_id == "postgres.vacuum" and "VACUUM" in vacuum.command
