"""The command palette lists every command, with its key, and only the actions this profile's sources fit;
the action form pre-fills only valid values and focuses the first field that needs input (issue "Keys", item 16).

AWS against moto (the Sentra Scanner demo profile: no [docker], no [postgres]); the engines-only
profile against the real PostgreSQL of tests/engines.py. All at 80×24.
"""
from __future__ import annotations

from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.widgets import Button, Input, OptionList

from services.aws.session import AwsTarget
from services.profile import load_profile
from tests.support.apps import current_screen
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.panes.postgres import PostgresPane
from tui.screens.action_menu import ActionMenuScreen
from tui.screens.action_params import ActionParamsScreen
from tui.screens.dashboard import DashboardScreen

APP_KEYS = {"Quit": "q", "Help": "?", "Timeline": "t", "Undo": "u", "Playbook": "p", "Note": "n", "Incident": "!"}
DASHBOARD_KEYS = {"Refresh": "r", "Logs": "f", "Alarms": "a", "Queries": "i", "Actions": "x", "Metrics": "m",
                  "Range": "w", "Range 15m": "1", "Range 1h": "2", "Range 3h": "3", "Range 12h": "4", "Range 24h": "5",
                  "Range 7d": "6"}


def _entries(app: CockpitApp) -> list[str]:
    """What the palette lists, as plain text: one string per entry, its prompt and its help."""
    options = app.screen.query_one(CommandList)
    texts = []
    for index in range(options.option_count):
        hit = options.get_option_at_index(index).hit  # type: ignore[attr-defined]
        texts.append(f"{hit.text} | {hit.help or ''}")
    return texts


async def _open_palette(app: CockpitApp, pilot, until_listed: str) -> list[str]:
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await until(pilot, lambda: any(text.startswith(until_listed) for text in _entries(app)),
                what=lambda: f"{until_listed!r} in {_entries(app)}")
    await pilot.pause()
    return _entries(app)


def _listed(entries: list[str], name: str, key: str) -> bool:
    return any(entry.startswith(f"{name} ({key})") for entry in entries)


async def test_the_palette_of_an_aws_profile_lists_every_key_and_only_aws_actions(demo_profile, aws_target,
                                                                                  sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None
                    and app.cockpit.connected, what="connected")
        entries = await _open_palette(app, pilot, "Action: logs.export-to-s3")
        missing = [f"{name} ({key})" for name, key in {**APP_KEYS, **DASHBOARD_KEYS}.items()
                   if not _listed(entries, name, key)]
        assert not missing, entries
        assert not any("Blocking tree" in entry for entry in entries)  # no [postgres]: b does nothing here
        actions = [entry.split(" | ")[0].removeprefix("Action: ") for entry in entries if entry.startswith("Action: ")]
        assert "lambda.set-timeout customer-sentra-scanner" in actions
        assert not [action for action in actions if action.startswith(("docker.", "postgres."))]
        # iam.deny-all takes user/NAME or role/NAME: the playbook's IAM *user name* is no target for it.
        deny = [action for action in actions if action.startswith("iam.deny-all")]
        assert deny and all(action == "iam.deny-all" or action.split()[1].startswith(("user/", "role/"))
                            for action in deny), deny
        assert "iam.deactivate-key sentra-deployer" in actions


async def test_a_key_chosen_in_the_palette_does_what_the_key_does(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None
                    and app.cockpit.connected, what="connected")
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await _open_palette(app, pilot, "Range 7d")
        await pilot.press(*"Range 7d")
        await until(pilot, lambda: bool(_entries(app)) and _entries(app)[0].startswith("Range 7d"), what="the match first")
        await pilot.press("enter")
        await until(pilot, lambda: dashboard.metrics_range == 7 * 86400, what="the 7-day range")


def _engines_profile(tmp_path: Path) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text('[system]\nname = "SentraScan Platform"\n\n[postgres]\ndsn_env = "SENTRASCAN_PG_DSN"\n')
    return path


async def test_the_palette_and_menu_of_a_postgres_only_profile_offer_no_aws_and_no_docker(tmp_path, pg_dsn) -> None:
    app = CockpitApp(load_profile(_engines_profile(tmp_path)), AwsTarget())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        pane = app.screen.query_one(PostgresPane)
        await until(pilot, lambda: pane.snapshot is not None, what="the pane connected")
        entries = await _open_palette(app, pilot, "Action: postgres.revoke-api-key")
        assert _listed(entries, "Blocking tree", "b") and _listed(entries, "Timeline", "t")
        actions = [entry.split(" | ")[0].removeprefix("Action: ").split()[0] for entry in entries
                   if entry.startswith("Action: ")]
        assert actions and all(action.startswith("postgres.") for action in actions), actions
        for name in ("Range 1h", "Insights", "Logs", "Alarms", "Metrics"):  # no tiles, logs, alarms, AWS
            assert not any(entry.startswith(f"{name} (") for entry in entries), (name, entries)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ActionMenuScreen), what="the action menu")
        options = app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id or "" for i in range(options.option_count)]
        assert ids and all(action_id.startswith("postgres.") for action_id in ids), ids


async def test_the_form_prefills_only_valid_values_and_focuses_what_needs_input(demo_profile, aws_target,
                                                                                sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None
                    and app.cockpit.connected, what="connected")
        await _open_palette(app, pilot, "Action: iam.deny-all")
        await pilot.press(*"iam.deny-all")
        await until(pilot, lambda: bool(_entries(app)) and _entries(app)[0].startswith("Action: iam.deny-all"),
                    what=lambda: f"iam.deny-all first in {_entries(app)}")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ActionParamsScreen) and app.screen.focused is not None,
                    what="the form")
        form = app.screen
        target = form.query_one("#target", Input)
        assert target.value == "" or target.value.startswith(("user/", "role/"))
        assert form.focused is target  # the target needs input; policy_name has its default
        text = screen_text(app)
        assert "user/NAME or role/NAME" in text and "CockpitDenyAll" in text  # the empty fields say what they take
        for field in form.query(Input):
            assert field.value or field.placeholder, field.id
        await pilot.press(*"user/sentra-deployer", "enter")
        await until(pilot, lambda: not isinstance(app.screen, ActionParamsScreen), what="the plan")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back on the dashboard")
        # Nothing left to type (an alarm action with its alarm): the Plan button has focus, enter plans.
        app.start_action("alarm.disable-actions", "sentra-lambda-duration")
        await until(pilot, lambda: isinstance(app.screen, ActionParamsScreen) and app.screen.focused is not None,
                    what="the alarm form")
        assert isinstance(app.screen.focused, Button) and app.screen.focused.id == "plan"
        await pilot.press("escape")
        # A required parameter without a value: focused, whatever comes before it.
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back")
        app.start_action("lambda.set-timeout", "customer-sentra-scanner")
        await until(pilot, lambda: isinstance(app.screen, ActionParamsScreen) and app.screen.focused is not None,
                    what="the timeout form")
        assert app.screen.focused is app.screen.query_one("#param-timeout", Input)


async def test_the_form_fits_at_80x24_and_an_error_focuses_the_field_it_names(demo_profile, aws_target,
                                                                             sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None
                    and app.cockpit.connected, what="connected")
        # Five parameters: the fields scroll, the Plan button stays whole on screen.
        app.start_action("logs.export-to-s3", "/aws/lambda/customer-sentra-scanner")
        await until(pilot, lambda: isinstance(app.screen, ActionParamsScreen) and app.screen.focused is not None,
                    what="the export form")
        await pilot.pause()
        plan, box = app.screen.query_one("#plan", Button), app.screen.query_one("ActionParamsScreen > Vertical")
        assert box.content_region.contains_region(plan.region), (plan.region, box.content_region)
        assert app.screen.focused is app.screen.query_one("#param-bucket", Input)  # the one required parameter
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back")
        # A bad value: the form comes back with the error, focused on the field the error is about.
        app.start_action("alarm.set-state", "sentra-lambda-duration", {"state": "BROKEN"}, ask=False)
        await until(pilot, lambda: isinstance(app.screen, ActionParamsScreen) and bool(app.screen.error)
                    and app.screen.focused is not None, what="the form with the error")
        assert "state" in current_screen(app, ActionParamsScreen).error
        assert app.screen.focused is app.screen.query_one("#param-state", Input)
