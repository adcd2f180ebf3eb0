"""Keys item 9: enter submits the incident form; after Resolve the report is still one key away."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from textual.widgets import Button, Input

from services.incident.state import fold
from services.incident.timeline import read_timeline
from tests.support.apps import cockpit_of
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.incident import IncidentScreen

COCKPIT = str(Path(sys.executable).with_name("cockpit"))


def _profile(tmp_path: Path):
    from services.profile import load_profile

    path = tmp_path / "form.toml"
    path.write_text('[system]\nname = "Form Test"\n', encoding="utf-8")
    return load_profile(path)


def _incidents(path: Path):
    return fold(read_timeline(path)) if path.exists() else []


async def _form(app, pilot) -> IncidentScreen:
    await pilot.press("exclamation_mark")
    await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.focused is not None, what="form")
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


def _inside(app, widget) -> bool:
    region = widget.region
    return region.width > 0 and region.x >= 0 and region.right <= app.size.width and region.bottom <= app.size.height


async def test_enter_opens_then_resolves_and_the_report_stays_reachable(tmp_path, aws_target) -> None:
    timeline = tmp_path / "timeline.jsonl"
    app = CockpitApp(_profile(tmp_path), aws_target, timeline_path=timeline)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None, what="ready")
        form = await _form(app, pilot)
        assert form.focused is form.query_one("#title", Input)
        await pilot.press(*"Queue backing up")
        await pilot.press("enter")  # submits: the incident opens, and no later key lands in a field
        await until(pilot, lambda: len(_incidents(timeline)) == 1, what="opened")
        assert _incidents(timeline)[0].title == "Queue backing up"
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the form closed")

        form = await _form(app, pilot)
        for button in form.query(Button):  # every button of the form fits 80×24
            form.query_one("VerticalScroll").scroll_to_widget(button, animate=False)
            await pilot.pause()
            assert _inside(app, button), (button.id, button.region)
        form.query_one("#resolution", Input).focus()
        await pilot.press(*"drained the queue")
        await pilot.press("enter")
        await until(pilot, lambda: bool(_incidents(timeline)) and _incidents(timeline)[0].resolved is not None,
                    what="resolved")
        await until(pilot, lambda: cockpit_of(app).incidents.incident is None, what="the tracker saw it")

        form = await _form(app, pilot)  # nothing open: the form to open one, and the last one's report
        await until(pilot, lambda: "Queue backing up" in screen_text(app), what="the last incident named")
        form.query_one("#report", Button).press()
        await until(pilot, lambda: type(app.screen).__name__ == "ReportScreen"
                    and "Post-Incident Report: Queue backing up" in screen_text(app), what="the report shown")
        shown = screen_text(app)
        reports = list(tmp_path.glob("incident-report-*.md"))
        assert len(reports) == 1 and reports[0].name != "incident-report.md", reports
        assert reports[0].name in shown.replace("\n", "")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back")
    cli = await asyncio.to_thread(subprocess.run, [COCKPIT, "report", str(timeline)], capture_output=True, text=True,
                                  timeout=60, check=False)
    assert cli.returncode == 0, cli.stderr
    assert reports[0].read_text(encoding="utf-8") == cli.stdout  # the same report as `cockpit report`


async def test_enter_with_an_empty_title_keeps_the_form(tmp_path, aws_target) -> None:
    timeline = tmp_path / "timeline.jsonl"
    app = CockpitApp(_profile(tmp_path), aws_target, timeline_path=timeline)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None, what="ready")
        form = await _form(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form and form.focused is form.query_one("#title", Input)
        assert not _incidents(timeline)
        form.query_one("#services", Input).focus()
        await pilot.press(*"api")
        form.query_one("#title", Input).value = "API slow"
        form.query_one("#services", Input).focus()
        await pilot.press("enter")  # enter in any field of the form submits it
        await until(pilot, lambda: len(_incidents(timeline)) == 1, what="opened from the services field")
        assert _incidents(timeline)[0].services == ["api"]
