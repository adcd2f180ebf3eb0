"""Actions in the TUI: nothing runs without the confirmation screen, and every step is recorded."""
from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input

from services.errors import ReadOnly
from services.incident.timeline import read_timeline
from tests.support.action_cases import FUNCTION
from tests.support.apps import cockpit_of, current_screen, notified, recording
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.action_menu import ActionMenuScreen
from tui.screens.action_params import ActionParamsScreen
from tui.screens.confirm_action import ConfirmActionScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.playbook import PlaybookScreen
from widgets.alarm_table import AlarmTable
from widgets.cockpit_header import CockpitHeader


def _steps(path: Path) -> list[str]:
    return [event["step"] for event in read_timeline(path)] if path.exists() else []


def _lambda(boto) -> dict:
    return boto("lambda").get_function_configuration(FunctionName=FUNCTION)


async def _ready(app: CockpitApp, pilot) -> None:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None
                and app.cockpit.connected, what="connected")


async def _confirm_screen(app: CockpitApp, pilot) -> ConfirmActionScreen:
    # Focused: keys typed before the screen's own focus lands would go to the app's bindings.
    await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen) and bool(app.screen.query("#cancel"))
                and app.screen.focused is not None, what="the confirmation screen")
    return current_screen(app, ConfirmActionScreen)


@pytest.fixture
def timeline(tmp_path: Path) -> Path:
    return tmp_path / "timeline.jsonl"


async def test_confirm_runs_and_records_every_step(demo_profile, aws_target, sentra, boto, timeline) -> None:
    app = CockpitApp(demo_profile, aws_target, timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        app.start_action("lambda.set-timeout", FUNCTION, {"timeout": 600}, ask=False)
        screen = await _confirm_screen(app, pilot)
        assert "aws lambda update-function-configuration --function-name customer-sentra-scanner --timeout 600" \
            in screen.plan.command
        assert _lambda(boto)["Timeout"] == 300  # shown, not run
        app.screen.query_one("#run", Button).press()
        await until(pilot, lambda: "verified" in _steps(timeline), what=f"the verified step {_steps(timeline)}")
        assert _lambda(boto)["Timeout"] == 600
        assert _steps(timeline) == ["planned", "confirmed", "started", "succeeded", "verified"]
        # u: the undo is a new plan, confirmed like any other (once the flow is free: "verified" is on file first).
        await until(pilot, lambda: not cockpit_of(app).actions.busy, what="the flow to finish")
        await pilot.press("u")
        undo = await _confirm_screen(app, pilot)
        assert [(c.before, c.after) for c in undo.plan.changes] == [(600, 300)]
        app.screen.query_one("#run", Button).press()
        await until(pilot, lambda: _lambda(boto)["Timeout"] == 300, what="the undo")
        await until(pilot, lambda: "undone" in _steps(timeline), what="the undone step")


@pytest.mark.parametrize("how", ["button", "escape"])
async def test_cancel_and_escape_run_nothing(how, demo_profile, aws_target, sentra, boto, timeline) -> None:
    app = CockpitApp(demo_profile, aws_target, timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        app.start_action("lambda.set-memory", FUNCTION, {"memory": 1024}, ask=False)
        await _confirm_screen(app, pilot)
        if how == "button":
            app.screen.query_one("#cancel", Button).press()
        else:
            await pilot.press("escape")
        await until(pilot, lambda: "cancelled" in _steps(timeline), what="the cancelled step")
        assert _steps(timeline) == ["planned", "cancelled"]
        assert _lambda(boto)["MemorySize"] == 512


async def test_a_high_risk_action_needs_the_typed_name(demo_profile, aws_target, sentra, boto, timeline) -> None:
    app = CockpitApp(demo_profile, aws_target, timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        app.start_action("lambda.set-concurrency", FUNCTION, {"concurrency": 0}, ask=False)
        screen = await _confirm_screen(app, pilot)
        assert screen.plan.risk.needs_typed_target
        run = screen.query_one("#run", Button)
        assert run.disabled
        await pilot.press(*"customer-sentra", "enter")  # wrong (partial) name: nothing happens
        assert app.screen is screen and run.disabled
        assert "started" not in _steps(timeline)
        await pilot.press(*"-scanner")
        await until(pilot, lambda: not run.disabled, what="Run enabled by the exact name")
        await pilot.press("enter")
        await until(pilot, lambda: "verified" in _steps(timeline), what="the run")
        concurrency = boto("lambda").get_function_concurrency(FunctionName=FUNCTION)
        assert concurrency.get("ReservedConcurrentExecutions") == 0


async def test_read_only_has_no_run_path(demo_profile, aws_target, sentra, boto, timeline) -> None:
    app = CockpitApp(demo_profile, aws_target, read_only=True, timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        app.start_action("lambda.set-timeout", FUNCTION, {"timeout": 900}, ask=False)
        screen = await _confirm_screen(app, pilot)
        assert not screen.query("#run")  # the button does not exist
        assert "READ-ONLY" in str(screen.query_one("#read-only").render())
        await pilot.press("enter")  # Close is the only button
        await until(pilot, lambda: "cancelled" in _steps(timeline), what="closing the plan")
        # Even a hand-made confirmation cannot run: the executor refuses centrally.
        from services.actions.executor import Confirmation

        executor = cockpit_of(app).actions.executor
        action, plan = executor.prepare("lambda.set-timeout", FUNCTION, {"timeout": 900})
        with pytest.raises(ReadOnly):
            executor.execute(action, plan, Confirmation(plan))
        assert _lambda(boto)["Timeout"] == 300
        assert "started" not in _steps(timeline) and _steps(timeline)[-1] == "refused"


async def test_a_failure_mid_run_is_shown_and_recorded(demo_profile, aws_target, sentra, timeline) -> None:
    app = recording(CockpitApp)(demo_profile, aws_target, timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        app.start_action("sqs.redrive-dlq", "sentra-scanner-results-dlq", {}, ask=False)
        screen = await _confirm_screen(app, pilot)
        if screen.plan.risk.needs_typed_target:
            await pilot.press(*screen.plan.target)
        app.screen.query_one("#run", Button).press()
        await until(pilot, lambda: "failed" in _steps(timeline), what="the failed step")
        await until(pilot, lambda: any("FAILED" in message for message in notified(app)), what="the failure shown")
        assert read_timeline(timeline)[-1]["error"].startswith("not supported by this endpoint")


async def test_a_bad_parameter_is_shown_on_the_form_and_nothing_typed_is_lost(demo_profile, aws_target, sentra,
                                                                              timeline) -> None:
    app = CockpitApp(demo_profile, aws_target, timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        app.start_action("lambda.set-timeout", FUNCTION, {"timeout": 901})
        await until(pilot, lambda: isinstance(app.screen, ActionParamsScreen) and bool(app.screen.query("#plan")),
                    what="the form")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ActionParamsScreen) and bool(app.screen.error),
                    what="the form again, with the error")
        form = current_screen(app, ActionParamsScreen)
        assert "900" in form.error
        assert form.query_one("#param-timeout", Input).value == "901"
        assert _steps(timeline) == []  # nothing planned from bad input


async def test_the_menu_on_an_alarm_offers_alarm_actions(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        table = app.screen.query_one(AlarmTable)
        await until(pilot, lambda: len(table.rows_shown) == 4, what="alarms")
        table.focus()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ActionMenuScreen), what="the menu")
        menu = current_screen(app, ActionMenuScreen)
        assert menu.selection is not None and menu.selection.target == table.selected_name
        from textual.widgets import OptionList

        options = menu.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids and all(action_id is not None and action_id.startswith("alarm.") for action_id in ids)


async def test_a_firing_alarm_points_to_its_playbook(demo_profile, aws_target, sentra, boto, timeline) -> None:
    boto("cloudwatch").set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="ALARM", StateReason="test")
    app = CockpitApp(demo_profile, aws_target, timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        header = app.screen.query_one("#header", CockpitHeader)
        await until(pilot, lambda: "Lambda timeout errors" in header.notice, what="the header's pointer")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PlaybookScreen), what="the playbook")
        playbook = current_screen(app, PlaybookScreen)
        assert playbook.playbook.id == "lambda_timeouts" and playbook.firing == ["sentra-lambda-duration"]
        from textual.widgets import OptionList

        items = app.screen.query_one(OptionList)
        step = next(i for i in range(items.option_count) if items.get_option_at_index(i).id == "step:0")
        items.highlighted = step
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ActionParamsScreen) and bool(app.screen.query("#plan")),
                    what="the pre-filled form")
        assert app.screen.query_one("#param-timeout", Input).value == "600"
        assert app.screen.query_one("#target", Input).value == FUNCTION


async def test_secret_values_never_reach_the_confirmation_screen(demo_profile, aws_target, sentra, boto,
                                                                 timeline) -> None:
    boto("lambda").update_function_configuration(
        FunctionName=FUNCTION, Environment={"Variables": {"SENTRA_API_TOKEN": "tok-5up3r-s3cret", "LOG_LEVEL": "INFO"}})
    app = CockpitApp(demo_profile, aws_target, timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        app.start_action("lambda.set-env", FUNCTION, {"variables": {"SENTRA_API_TOKEN": "tok-n3w-s3cret"}}, ask=False)
        screen = await _confirm_screen(app, pilot)
        assert "tok-n3w-s3cret" in screen.plan.command  # the plan itself is exact…
        assert screen.plan.changes[0].before == "tok-5up3r-s3cret"
        shown = " ".join(str(widget.render()) for widget in screen.query("Static"))
        assert "tok-5up3r-s3cret" not in shown and "tok-n3w-s3cret" not in shown  # …the screen is not
        assert "***" in shown and "LOG_LEVEL" in shown
        await pilot.press("escape")
        await until(pilot, lambda: "cancelled" in _steps(timeline), what="cancel")
        assert "s3cret" not in timeline.read_text()
