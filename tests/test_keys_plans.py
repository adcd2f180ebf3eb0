"""Plans show every value whole, at 80×24 (issue "Keys", item 15).

The end of a value is what a responder checks (a DLQ ARN's ``-dlq``), so the confirmation
screen wraps a value that does not fit instead of cutting it. The API-key plan names the key
by its id (``ak_…``, what runbook 003's table and the demo's logs call it) and shows its state
``active → revoked``; the key's secret is never read, so it cannot be shown.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App

from services.actions.base import FieldChange, Plan, Risk
from services.aws.session import AwsTarget
from services.profile import load_profile
from tests.support.action_cases import DLQ_ARN, QUEUE
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.panes.postgres import PostgresPane
from tui.screens.confirm_action import ConfirmActionScreen
from tui.screens.dashboard import DashboardScreen

KEY_ID = "ak_7d41e09c"
KEY_HASH = "sha256:5f4dcc3b5aa765d61d8327deb882cf99"


async def _confirmation(app: App, pilot) -> ConfirmActionScreen:
    await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen.focused is not None,
                what="the confirmation screen")
    screen: ConfirmActionScreen = app.screen  # type: ignore[assignment]
    # painted, not only mounted: a screenshot taken before the first paint of a loaded machine shows the screen below
    await until(pilot, lambda: screen.plan.action_id in screen_text(app), what="the plan on screen")
    return screen


async def test_the_whole_dlq_arn_is_on_the_confirmation_screen(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None
                    and app.cockpit.connected, what="connected")
        app.start_action("sqs.set-redrive", QUEUE, {"dead_letter_queue": "sentra-scanner-results-dlq",
                                                    "max_receive_count": 5}, ask=False)
        screen = await _confirmation(app, pilot)
        assert screen.plan.changes[0].after == DLQ_ARN
        lines = screen_text(app).splitlines()
        assert any(DLQ_ARN in line for line in lines), "\n".join(lines)  # on one line, -dlq included
        assert any("max receive count" in line and "5" in line for line in lines)


class _PlanApp(App[None]):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan

    def on_mount(self) -> None:
        self.push_screen(ConfirmActionScreen(self.plan, read_only=False))


async def test_a_value_longer_than_the_screen_wraps_whole_and_the_buttons_stay_reachable() -> None:
    value = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/" + "-".join(f"part{n:02}" for n in range(20)) + "-END"
    plan = Plan("logs.export-to-s3", "group", {}, (FieldChange("destination", None, value),
                                                   *(FieldChange(f"field {n}", n, n + 1) for n in range(12))),
                Risk.LOW, "aws logs create-export-task", "Export", reversible=False)
    app = _PlanApp(plan)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _confirmation(app, pilot)
        flat = "".join(screen_text(app).replace("█", "").split())
        assert value in flat  # every character, in order, across the wrapped lines
        assert "…" not in screen_text(app)
        run, box = screen.query_one("#run"), screen.query_one("ConfirmActionScreen > Vertical")
        assert box.content_region.contains_region(run.region)  # the plan scrolls; Run / Cancel stay whole on screen


@pytest.fixture
def api_keys(pg_dsn: str):
    import psycopg

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS api_keys")
        conn.execute("CREATE TABLE api_keys (id text PRIMARY KEY, name text NOT NULL UNIQUE, role text NOT NULL, "
                     "key_hash text NOT NULL, is_revoked boolean NOT NULL DEFAULT false, "
                     "created_at timestamptz NOT NULL DEFAULT now())")
        conn.execute("INSERT INTO api_keys (id, name, role, key_hash, created_at) VALUES "
                     "(%s, 'legacy-jenkins', 'scanner', %s, '2024-01-05T10:00:00Z')", (KEY_ID, KEY_HASH))
        yield conn
        conn.execute("DROP TABLE api_keys")


async def test_the_api_key_plan_shows_the_key_id_and_its_state_never_the_secret(tmp_path: Path, api_keys) -> None:
    path = tmp_path / "profile.toml"
    path.write_text('[system]\nname = "SentraScan Platform"\n\n[postgres]\ndsn_env = "SENTRASCAN_PG_DSN"\n')
    app = CockpitApp(load_profile(path), AwsTarget())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        pane = app.screen.query_one(PostgresPane)
        await until(pilot, lambda: pane.snapshot is not None, what="the pane connected")
        app.start_action("postgres.revoke-api-key", "legacy-jenkins", {"revoked": True}, ask=False)
        screen = await _confirmation(app, pilot)
        fields = {change.field: (change.before, change.after) for change in screen.plan.changes}
        assert fields == {"id": (KEY_ID, KEY_ID), "name": ("legacy-jenkins", "legacy-jenkins"),
                          "role": ("scanner", "scanner"), "created": ("2024-01-05", "2024-01-05"),
                          "state": ("active", "revoked")}
        text = screen_text(app)
        lines = text.splitlines()
        assert any(KEY_ID in line for line in lines) and "***" not in text
        assert any("state" in line and "active" in line and "revoked" in line for line in lines), text
        assert KEY_HASH not in text and KEY_HASH not in screen.plan.command
        assert screen.plan.command == f"UPDATE api_keys SET is_revoked = true WHERE id = '{KEY_ID}';"
