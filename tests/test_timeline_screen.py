"""Keys item 12: one timeline per system, a fresh one per demo run; the screen's "what" fills the row, enter opens it."""
from __future__ import annotations

import json
import os
from pathlib import Path

from textual.app import App
from textual.widgets import DataTable

from services.incident.timeline import Timeline, default_timeline_path, read_timeline
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.screens.timeline import TimelineScreen

LONG = ("timeout raised from 300 s to 600 s because large attachments take up to eight minutes to scan; "
        "memory stays at 512 MB")


def _state() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "incident-cockpit"


def _write(path: Path, events: list[dict]) -> None:
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")


def _event(step: str, profile: str = "Sentra Scanner", **fields) -> dict:
    return {"time": "2026-12-02T09:45:00.000Z", "operator": "ana", "profile": profile, "step": step, **fields}


class TimelineApp(App[None]):
    def __init__(self, screen: TimelineScreen) -> None:
        super().__init__()
        self.timeline_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.timeline_screen)


def test_each_system_has_its_own_default_timeline() -> None:
    sentra, mantissa = default_timeline_path("Sentra Scanner"), default_timeline_path("Mantissa Log")
    assert sentra == _state() / "timeline-sentra-scanner.jsonl"
    assert mantissa == _state() / "timeline-mantissa-log.jsonl"
    Timeline(profile="Sentra Scanner").append("note", detail="scanner")
    Timeline(profile="Mantissa Log").append("note", detail="logs")
    assert [e["detail"] for e in read_timeline(sentra)] == ["scanner"]
    assert [e["detail"] for e in read_timeline(mantissa)] == ["logs"]


def test_each_demo_run_gets_a_fresh_timeline() -> None:
    from services.incident.timeline import demo_timeline_path

    first = demo_timeline_path("Sentra Scanner")
    Timeline(first, profile="Sentra Scanner").append("note", detail="first run")
    second = demo_timeline_path("Sentra Scanner")
    assert second != first and second.stat().st_size == 0 and second.parent == first.parent
    assert second.name.startswith("timeline-sentra-scanner-") and second.parent == _state() / "demo"
    assert default_timeline_path("Sentra Scanner") not in (first, second)  # the real system's file stays apart
    for _ in range(12):
        Timeline(demo_timeline_path("Sentra Scanner"), profile="Sentra Scanner").append("note", detail="run")
    assert len(list((_state() / "demo").glob("timeline-sentra-scanner-*.jsonl"))) <= 10  # old runs go


async def test_what_takes_the_rest_of_the_row_and_enter_opens_the_event(tmp_path: Path) -> None:
    path = tmp_path / "timeline.jsonl"
    _write(path, [_event("planned", action="lambda.set-timeout", target="customer-sentra-scanner",
                         params={"timeout": 600}, before={"timeout": 300}, after={"timeout": 600}),
                  _event("note", detail=LONG)])
    app = TimelineApp(TimelineScreen(path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.timeline_screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2 and "timeout raised" in screen_text(app), what="rows")
        row = next(line for line in screen_text(app).splitlines() if "timeout raised" in line)
        shown = row[row.index("timeout raised"):].rstrip()
        assert len(shown) >= 30 and row.rstrip().endswith("…") and len(row.rstrip()) >= 80 - 4, row  # to the edge
        assert all(len(line) <= 80 for line in screen_text(app).splitlines())
        await pilot.press("up")  # the planned step
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not screen, what="the event's modal")
        await until(pilot, lambda: '"timeout": 600' in screen_text(app), what="the event, pretty")
        record = screen_text(app)
        assert '"action": "lambda.set-timeout"' in record and '"before": {' in record
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="back to the timeline")
    app = TimelineApp(TimelineScreen(path))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.timeline_screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2 and "timeout raised" in screen_text(app), what="wide rows")
        row = next(line for line in screen_text(app).splitlines() if "timeout raised" in line)
        assert "customer-sentra-scanner" in screen_text(app) and "ana" in row  # at 120 nothing is cut but "what"
        assert row.rstrip().endswith("…") and len(row.rstrip()) >= 120 - 4, row


async def test_other_systems_events_are_hidden_until_asked(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    _write(path, [_event("note", detail="ours"), _event("note", profile="Mantissa Log", detail="theirs")])
    app = TimelineApp(TimelineScreen(path, system="Sentra Scanner"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.timeline_screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1, what="this system's events")
        assert "ours" in screen_text(app) and "theirs" not in screen_text(app)
        assert "1 of other systems hidden" in screen_text(app)
        await pilot.press("o")
        await until(pilot, lambda: table.row_count == 2 and "theirs" in screen_text(app), what="all systems")


async def test_the_cockpit_writes_and_shows_its_systems_timeline(tmp_path: Path, aws_target) -> None:
    from services.profile import load_profile
    from tui.app import CockpitApp
    from tui.screens.dashboard import DashboardScreen
    from tui.screens.incident import NoteScreen

    profile_path = tmp_path / "p.toml"
    profile_path.write_text('[system]\nname = "Form Test"\n', encoding="utf-8")
    _state().mkdir(parents=True, exist_ok=True)
    (_state() / "timeline.jsonl").write_text(json.dumps(_event("note", detail="another system, old file")) + "\n")
    app = CockpitApp(load_profile(profile_path), aws_target)  # no --timeline: the system's own file
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None, what="ready")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoteScreen), what="the note form")
        await pilot.press(*"checked the queue", "enter")
        path = default_timeline_path("Form Test")
        await until(pilot, lambda: path.exists() and "checked the queue" in path.read_text(), what="the note")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen) and "checked the queue" in screen_text(app),
                    what="the timeline screen")
        assert "timeline-form-test.jsonl" in screen_text(app) and "old file" not in screen_text(app)
