"""Bad input from the world: hostile log lines and alarm reasons through the real pane; action
parameters at and beyond every bound the catalog declares."""
from __future__ import annotations

import math
import time

import pytest

from services.actions.catalog import CATALOG, build_action, param_specs
from services.demo.scenarios.sentra_scanner import LOG_GROUP
from services.errors import BadInput
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from widgets.alarm_table import AlarmTable
from widgets.log_tail import LogTail

HOSTILE = [
    "[bold red]MARKUP[/] [link=http://x]y[/link] [@click=app.quit]quit[/]",
    "\x1b[2J\x1b[H CLEARED? \x1b]52;c;ZXZpbA==\x07 \x1b[?1049l",
    "NUL\x00 bell\x07 del\x7f c1\x9b csi",
    "BADUTF8 \udcff\udcfe lone surrogates from undecodable bytes",
    "LONG " + "x" * 250_000,  # CloudWatch's limit per event is 256 KB; the widget test covers 1 MB lines
]


async def test_hostile_log_lines_and_alarm_reasons_through_the_real_pane(demo_profile, aws_target, sentra, boto) -> None:
    logs = boto("logs")
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName="hostile")
    now_ms = int(time.time() * 1000)
    events = [{"timestamp": now_ms + i, "message": message} for i, message in enumerate(HOSTILE)]
    logs.put_log_events(logGroupName=LOG_GROUP, logStreamName="hostile", logEvents=events)
    boto("cloudwatch").set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="ALARM",
                                       StateReason="[blink]REASON[/blink] \x1b[31mred\x1b[0m")
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        tail = app.screen.query_one(LogTail)
        await until(pilot, lambda: any("CLEARED?" in line.message for line in tail.lines), what="the hostile lines")
        tail.set_filter("MARKUP|CLEARED|NUL|BADUTF8|LONG", regex=True)  # the hostile lines on screen
        await pilot.pause()
        table = app.screen.query_one(AlarmTable)
        await until(pilot, lambda: table.rows_shown and table.rows_shown[0].state == "ALARM", what="the alarm")
        await pilot.pause()
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
        assert "[bold red]MARKUP[/]" in text or "[blink]REASON" in text  # markup shown as typed, not applied
        # The view still answers: scrolling, filtering and quitting work.
        await pilot.press("f", "end")
        assert app.is_running
        for y in range(tail.size.height):  # every row is exactly the view's width: nothing spilled
            assert tail.render_line(y).cell_length == tail.size.width


def _bounded() -> list[tuple[str, str, float | None, float | None, str]]:
    cases = []
    for action_id, cls in CATALOG.items():
        for spec in param_specs(cls):
            if spec.type in ("integer", "number") and (spec.minimum is not None or spec.maximum is not None):
                cases.append((action_id, spec.name, spec.minimum, spec.maximum, spec.type))
    return cases


def _problems(action_id: str, params: dict) -> str:
    try:
        build_action(None, action_id, "some-target", params)
    except BadInput as error:
        return str(error)
    return ""


@pytest.mark.parametrize("action_id, name, low, high, kind", _bounded(), ids=lambda v: str(v))
def test_action_parameters_at_and_beyond_every_bound(action_id, name, low, high, kind) -> None:
    step = 1 if kind == "integer" else 1e-9
    at = [value for value in (low, high) if value is not None]
    beyond = [low - step] if low is not None else []
    beyond += [high + step] if high is not None else []
    beyond += [10 ** 30, -(10 ** 30), "1e309", math.inf, math.nan, "", "１２"]
    for value in at:
        value = int(value) if kind == "integer" else value
        problem = _problems(action_id, {name: value})
        exclusive = (f"{name}: Input should be greater than {value:g}", f"{name}: Input should be less than {value:g}")
        if any(text in problem for text in exclusive):
            # An exclusive bound (pydantic gt/lt): the value just inside it is accepted.
            inside = value + (step if value == low else -step)
            problem = _problems(action_id, {name: inside})
        assert f"{name}:" not in problem, (action_id, name, value, problem)
    for value in beyond:
        problem = _problems(action_id, {name: value})
        assert problem.startswith(f"bad input: {action_id}: ") and f"{name}:" in problem, (action_id, name, value, problem)
        assert "\n" not in problem and len(problem) < 1000


def test_there_are_bounded_parameters_to_check() -> None:
    assert len(_bounded()) >= 5
