"""One owner per concern: the app's cockpit builds the timeline (with the shared store), the sources and the
action flow once, and an action from an engine pane of a profile without AWS lands in the shared store."""
from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from textual.widgets import Button, OptionList

from services.actions.executor import ActionExecutor
from services.aws.session import AwsTarget
from services.errors import BadInput
from services.incident.timeline import Timeline, open_timeline, read_timeline, store_unset
from services.profile import load_profile
from services.sources import Sources
from tests.support.apps import current_screen
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.panes.postgres import PostgresPane
from tui.screens.confirm_action import ConfirmActionScreen
from tui.screens.dashboard import DashboardScreen

TABLE = "owner_test_timeline"
STEPS = ["planned", "confirmed", "started", "succeeded", "verified"]


def write_profile(tmp_path: Path) -> Path:
    """PostgreSQL only (no [aws]), the timeline shared through the same server."""
    path = tmp_path / "profile.toml"
    path.write_text('[system]\nname = "SentraScan Platform"\n'
                    '\n[postgres]\ndsn_env = "SENTRASCAN_PG_DSN"\n'
                    f'\n[incident]\nstore = "postgres"\ndsn_env = "SENTRASCAN_PG_DSN"\ntable = "{TABLE}"\n')
    return path


def file_steps(path: Path) -> list[str]:
    return [event["step"] for event in read_timeline(path)] if path.exists() else []


def stored_steps(dsn: str, action: str) -> list[tuple[str, str, str]]:
    """``(step, target, profile)`` of ``action``'s events in the shared table, read with psycopg, not the store."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(f"SELECT event->>'step', event->>'target', event->>'profile' FROM {TABLE} "
                            "WHERE event->>'action' = %s ORDER BY id", (action,)).fetchall()
    return [tuple(row) for row in rows]


async def test_a_cancel_from_the_postgres_pane_of_an_engine_only_profile_lands_in_the_shared_store(
        tmp_path, pg_dsn, lock_conflict) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    profile = load_profile(write_profile(tmp_path))
    assert not profile.has_aws
    timeline = tmp_path / "timeline.jsonl"
    app = CockpitApp(profile, AwsTarget(), timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        pane = app.screen.query_one(PostgresPane)
        waiter = str(lock_conflict.waiter_pid)
        await until(pilot, lambda: pane.snapshot is not None and waiter in pane.table.keys, what="the waiting backend")
        assert app.cockpit is not None
        assert pane.source is app.cockpit.sources.postgres  # the pane polls the engine the actions run on
        table = pane.table
        table.focus()
        table.move_cursor(row=table.keys.index(waiter))
        await pilot.press("C")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen) and bool(app.screen.query("#run")),
                    what="the confirmation")
        assert current_screen(app, ConfirmActionScreen).plan.command == f"SELECT pg_cancel_backend({waiter});"
        app.screen.query_one("#run", Button).press()
        await until(pilot, lambda: "verified" in file_steps(timeline), what="the verified step in the file")
        assert lock_conflict.waiter_done.wait(10)
        assert isinstance(lock_conflict.waiter_error, psycopg.errors.QueryCanceled)
        assert app.cockpit.actions.executor.timeline is app.cockpit.timeline  # one timeline for panes and actions
    assert file_steps(timeline) == STEPS
    assert stored_steps(pg_dsn, "postgres.cancel") == [(step, waiter, "SentraScan Platform") for step in STEPS]


def test_engine_actions_without_their_engine_and_aws_actions_without_a_session_are_bad_input(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    executor = ActionExecutor(Sources(), Timeline(path, profile="x"), read_only=False, profile_name="x")
    with pytest.raises(BadInput, match=r"no Docker engine: the profile has no \[docker\] section"):
        executor.prepare("docker.restart", "api-1", {})
    with pytest.raises(BadInput, match=r"no database: the profile has no \[postgres\] section"):
        executor.prepare("postgres.terminate", "123", {})
    with pytest.raises(BadInput, match=r"lambda.set-timeout: no AWS session"):
        executor.prepare("lambda.set-timeout", "fn", {"timeout": 5})
    assert not path.exists()  # nothing was planned, so nothing recorded


def test_open_timeline_attaches_the_store_only_when_its_dsn_is_set(tmp_path, monkeypatch) -> None:
    profile = load_profile(write_profile(tmp_path))
    monkeypatch.delenv("SENTRASCAN_PG_DSN", raising=False)
    alone = open_timeline(profile, tmp_path / "a.jsonl")
    assert alone.mirror is None and store_unset(profile) == "SENTRASCAN_PG_DSN"
    monkeypatch.setenv("SENTRASCAN_PG_DSN", "postgresql://nobody@127.0.0.1:1/none")  # not connected until a write
    shared = open_timeline(profile, tmp_path / "b.jsonl")
    assert shared.mirror is not None and shared.mirror.table == TABLE and store_unset(profile) is None
    assert shared.profile == "SentraScan Platform" and shared.path == tmp_path / "b.jsonl"


async def test_the_palette_reaches_the_cockpit(tmp_path) -> None:
    from tui.screens.timeline import TimelineScreen

    path = tmp_path / "bare.toml"
    path.write_text('[system]\nname = "Bare"\n')
    app = CockpitApp(load_profile(path), AwsTarget(), timeline_path=tmp_path / "t.jsonl")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        await pilot.press("ctrl+p")
        await pilot.press(*"Timeline")
        await until(pilot, lambda: bool(app.screen.query("CommandList")) and
                    app.screen.query_one("CommandList", OptionList).option_count >= 1, what="the palette's hits")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen), what="the timeline screen")
        assert current_screen(app, TimelineScreen).path == tmp_path / "t.jsonl"  # the cockpit's timeline, not the default one
