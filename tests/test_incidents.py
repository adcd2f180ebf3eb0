"""Incidents: open, work and resolve one in the TUI; the report; a timeline shared through PostgreSQL."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList

from services.incident.report import build_report, render_markdown
from services.incident.state import current, fold, header_text
from services.incident.timeline import Timeline, read_timeline
from tests.support.action_cases import FUNCTION
from tests.support.apps import ScreenType, cockpit_of, current_screen
from tests.support.waiting import until, wait_for
from tui.app import CockpitApp
from tui.panes.alarms import AlarmsPane
from tui.screens.confirm_action import ConfirmActionScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.incident import IncidentScreen, NoteScreen
from tui.screens.timeline import TimelineScreen
from widgets.cockpit_header import CockpitHeader

COCKPIT = str(Path(sys.executable).with_name("cockpit"))


def _steps(path: Path) -> list[str]:
    return [event["step"] for event in read_timeline(path)] if path.exists() else []


async def _modal(app: CockpitApp, pilot: Pilot[Any], kind: type[ScreenType]) -> ScreenType:
    await until(pilot, lambda: isinstance(app.screen, kind) and bool(app.screen.query("Input, Button"))
                and app.screen.focused is not None,
                what=lambda: f"{kind.__name__} (on {type(app.screen).__name__}; an action flow open: "
                             f"{bool(app.cockpit and app.cockpit.actions.busy)})")
    return current_screen(app, kind)


async def _flow_closed(app: CockpitApp, pilot: Pilot[Any], what: str) -> None:
    """The executor's thread writes "verified"/"undone" before the flow has the outcome; until the
    flow closes it refuses another action or an undo (a toast), so the next step waits for that."""
    await until(pilot, lambda: not cockpit_of(app).actions.busy, what=f"the action flow closed after {what}")


async def _run_confirmed(app: CockpitApp, pilot: Pilot[Any], action: str, params: dict[str, Any], timeline: Path) -> None:
    before = len(_steps(timeline))
    app.start_action(action, FUNCTION, params, ask=False)
    screen = await _modal(app, pilot, ConfirmActionScreen)
    screen.query_one("#run", Button).press()  # not a click: a toast may cover that cell
    await until(pilot, lambda: "verified" in _steps(timeline)[before:], what=f"{action} verified {_steps(timeline)} {app.screen}")
    await _flow_closed(app, pilot, action)
    assert app.screen is not screen and cockpit_of(app).actions.history[-1].plan.action_id == action


async def test_a_scripted_incident_gives_a_report_in_order(demo_profile, aws_target, sentra, boto, tmp_path) -> None:
    timeline = tmp_path / "timeline.jsonl"
    app = CockpitApp(demo_profile, aws_target, timeline_path=timeline)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None
                    and app.cockpit.connected, what="ready")
        # 1. open (P2) from the incident screen
        await pilot.press("exclamation_mark")
        screen = await _modal(app, pilot, IncidentScreen)
        screen.query_one("#title", Input).value = "Scanner timing out"
        screen.query_one("#services", Input).value = "scanner, results queue"
        screen.query_one("#severity", OptionList).highlighted = 1
        screen.query_one("#open", Button).press()
        await until(pilot, lambda: cockpit_of(app).incidents.incident is not None, what="the open incident")
        header = app.screen.query_one("#header", CockpitHeader)
        await until(pilot, lambda: header.incident.startswith("P2 High · Scanner timing out"), what="header")
        assert "ack due in" in header.incident
        # 2. an alarm fires while the cockpit watches
        pane_alarms = app.screen.query_one(AlarmsPane)
        await until(pilot, lambda: len(pane_alarms.alarms) == 4, what="alarms")
        boto("cloudwatch").set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="ALARM",
                                           StateReason="Threshold Crossed: 1 datapoint [287412.0]")
        current_screen(app, DashboardScreen).action_refresh_all()
        await until(pilot, lambda: "alarm" in _steps(timeline), what="the alarm transition recorded")
        # 3. two actions, the second undone
        await _run_confirmed(app, pilot, "lambda.set-timeout", {"timeout": 600}, timeline)
        await _run_confirmed(app, pilot, "lambda.set-memory", {"memory": 1024}, timeline)
        await pilot.press("u")
        undo = await _modal(app, pilot, ConfirmActionScreen)
        undo.query_one("#run", Button).press()
        await until(pilot, lambda: "undone" in _steps(timeline), what="the undo")
        await _flow_closed(app, pilot, "the undo")
        # 4. a note
        await pilot.press("n")
        note = await _modal(app, pilot, NoteScreen)
        note.query_one(Input).value = "memory was not the cause; keeping the timeout"
        await pilot.press("enter")
        await until(pilot, lambda: "note" in _steps(timeline), what="the note")
        # 5. acknowledge, then resolve
        for button in ("#ack", "#resolve"):
            await pilot.press("exclamation_mark")
            screen = await _modal(app, pilot, IncidentScreen)
            if button == "#resolve":
                screen.query_one("#resolution", Input).value = "timeout raised to 10 minutes"
            screen.query_one(button, Button).press()
            # "!" again before this screen has gone would land on it, and the wait above would find it

            def closed(closing: IncidentScreen = screen) -> bool:
                return app.screen is not closing

            await until(pilot, closed, what=f"the incident screen closed by {button}")
        await until(pilot, lambda: cockpit_of(app).incidents.incident is None, what="resolved")
        await until(pilot, lambda: header.incident == "", what="the header cleared")
    incidents = fold(read_timeline(timeline))
    assert len(incidents) == 1 and incidents[0].resolved and incidents[0].acknowledged
    result = await asyncio.to_thread(subprocess.run, [COCKPIT, "report", str(timeline)], capture_output=True, text=True,
                                     timeout=60)
    assert result.returncode == 0, result.stderr
    tokens = MarkdownIt("commonmark").enable("table").parse(result.stdout)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Post-Incident Report: Scanner timing out", "Summary", "Timeline", "Actions Taken",
                        "Alarms Involved", "Root Cause", "Impact Assessment", "Response Analysis", "Action Items",
                        "Lessons Learned"]
    assert any(t.type == "table_open" for t in tokens)
    timeline_items = result.stdout.split("## Timeline")[1].split("## Actions Taken")[0]
    order = ["Incident opened by", "Alarm sentra-lambda-duration OK → ALARM", "confirmed lambda.set-timeout",
             "confirmed lambda.set-memory", "Undone: undid lambda.set-memory", "Note (", "Acknowledged by", "Resolved by"]
    positions = [timeline_items.find(text) for text in order]
    assert -1 not in positions, list(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    assert "| lambda.set-timeout | customer-sentra-scanner | timeout: 300 → 600 | verified |" in result.stdout
    assert "(undo of lambda.set-memory)" in result.stdout
    assert "- **Severity**: P2 (High)" in result.stdout and "_To be completed:" in result.stdout
    as_json = await asyncio.to_thread(subprocess.run, [COCKPIT, "report", str(timeline), "--format", "json"],
                                      capture_output=True, text=True)
    assert '"title": "Scanner timing out"' in as_json.stdout


def test_header_counts_down_then_overdue() -> None:
    from datetime import timedelta

    from services.incident.state import SEVERITIES, Incident, parse_time

    opened = parse_time("2026-11-24T10:00:00Z")
    incident = Incident(title="API down", severity="P1", opened=opened, opened_by="ana")
    assert SEVERITIES["P1"].response_text == "5 minutes"
    assert header_text(incident, opened + timedelta(minutes=2)) == "P1 Critical · API down · 2m · ack due in 3m"
    assert header_text(incident, opened + timedelta(minutes=7)).endswith("ack OVERDUE by 2m")


def test_report_of_a_timeline_without_incident_and_bad_files(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    Timeline(path, profile="x").append("note", detail="looked at the logs")
    report = build_report(read_timeline(path))
    assert report.title == "Untitled incident" and report.notes[0]["text"] == "looked at the logs"
    assert "## Root Cause" in render_markdown(report)
    missing = subprocess.run([COCKPIT, "report", str(tmp_path / "nope.jsonl")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no such timeline" in missing.stderr


async def test_two_cockpits_share_an_incident_through_postgres(demo_profile, aws_target, sentra, pg_dsn,
                                                               tmp_path) -> None:
    profile = demo_profile.model_copy(update={"incident": demo_profile.incident.model_copy(
        update={"store": "postgres", "dsn_env": "SENTRASCAN_PG_DSN", "table": "shared_timeline_test"})})
    profile_file = tmp_path / "shared.toml"
    profile_file.write_text('[system]\nname = "Sentra Scanner"\n[incident]\nstore = "postgres"\n'
                            'dsn_env = "SENTRASCAN_PG_DSN"\ntable = "shared_timeline_test"\n')
    app = CockpitApp(profile, aws_target, timeline_path=tmp_path / "alice.jsonl")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None, what="ready")
        await pilot.press("n")
        note = await _modal(app, pilot, NoteScreen)
        note.query_one(Input).value = "alice: restarting nothing yet"
        await pilot.press("enter")
        # The other responder: another process, another file, the same store.
        bob = await asyncio.to_thread(  # in a thread: the app keeps running meanwhile
            subprocess.run, [COCKPIT, "note", "--profile", str(profile_file), "--timeline", str(tmp_path / "bob.jsonl"),
                             "bob: queue depth is falling"], capture_output=True, text=True, timeout=60,
            env={**os.environ, "LOGNAME": "bob", "USER": "bob"})
        assert bob.returncode == 0, bob.stderr
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen), what="the timeline screen")
        timeline_screen = current_screen(app, TimelineScreen)
        await until(pilot, lambda: {"alice: restarting nothing yet", "bob: queue depth is falling"}
                    <= {e.get("detail") for e in timeline_screen.events}, what="both notes on alice's screen")
        operators = {e["operator"] for e in timeline_screen.events if e.get("step") == "note"}
        assert "bob" in operators and len(operators) == 2
        assert timeline_screen.shared
    # Bob's side reads alice's note from the store too.
    from services.incident.timeline_store import PostgresTimelineStore

    store = PostgresTimelineStore(os.environ["SENTRASCAN_PG_DSN"], "shared_timeline_test")
    wait_for(lambda: "alice: restarting nothing yet" in {e.get("detail") for _, e in store.read()}, what="alice's note")
    assert "bob: queue depth is falling" not in (tmp_path / "alice.jsonl").read_text()  # files stay local
    store.close()
    assert current([]) is None
