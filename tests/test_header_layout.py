"""Keys item 6: the header keeps the incident clock and the playbook pointer whole at 80 and 120 columns."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult

from services.incident import state
from services.incident.state import Incident, header_text
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from widgets.cockpit_header import CockpitHeader

WHERE = "us-east-1 · http://127.0.0.1:54321"
POINTER = "▶ playbook: Lambda timeout errors (p)"


class HeaderApp(App[None]):
    def __init__(self, **fields) -> None:
        super().__init__()
        self.fields = fields

    def compose(self) -> ComposeResult:
        header = CockpitHeader()
        for name, value in self.fields.items():
            setattr(header, name, value)
        yield header


def _incident(now: datetime) -> Incident:
    return Incident(title="Scanner timing out on large attachments", severity="P2",
                    opened=now - timedelta(minutes=3), opened_by="alice")


def _header_lines(app: App) -> list[str]:
    header = app.screen.query_one(CockpitHeader)
    return screen_text(app).splitlines()[: header.size.height]


def test_header_forms_shorten_to_severity_and_clock() -> None:
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    incident = _incident(now)
    assert header_text(incident, now).endswith("ack due in 12m")
    assert state.header_forms(incident, now)[-1] == "P2 ack 12m"
    incident.acknowledged = now
    assert state.header_forms(incident, now)[-1] == "P2 3m"  # acknowledged: the elapsed time
    incident.acknowledged = None
    assert state.header_forms(incident, now + timedelta(minutes=20))[-1] == "P2 ack OVERDUE 8m"


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("read_only", [False, True])
async def test_clock_and_pointer_are_whole(width: int, read_only: bool) -> None:
    now = datetime.now(UTC)
    incident = _incident(now)
    app = HeaderApp(system="Sentra Scanner", where=WHERE, read_only=read_only,
                    incident=header_text(incident, now), incident_forms=state.header_forms(incident, now), notice=POINTER)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        lines = _header_lines(app)
        text = "\n".join(lines)
        assert all(len(line) <= width for line in lines)
        assert "Sentra Scanner" in text
        assert ("ack due in 1" in text) or ("P2 ack 1" in text), text  # 12m or 11m: the clock runs
        assert ("(p)" in text) or ("▶ p" in text), text
        assert "…" not in text, text
        assert ("READ-ONLY" in text) == read_only
        if width == 120:
            assert "P2 High" in text, text  # room for the incident's full line


async def test_nothing_to_shorten_stays_one_row() -> None:
    app = HeaderApp(system="Sentra Scanner", where=WHERE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.query_one(CockpitHeader).size.height == 1
        assert WHERE in _header_lines(app)[0]


async def test_a_long_system_name_takes_a_second_row_at_80() -> None:
    now = datetime.now(UTC)
    incident = _incident(now)
    app = HeaderApp(system="Cloud Remediator Sage — production eu-west-1 primary account", where=WHERE,
                    read_only=True, incident=header_text(incident, now), incident_forms=state.header_forms(incident, now),
                    notice=POINTER)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = _header_lines(app)
        assert len(lines) == 2, lines
        assert "READ-ONLY" in lines[0] and "…" not in lines[0]
        assert ("ack due in 1" in lines[1] or "P2 ack 1" in lines[1]) and ("(p)" in lines[1] or "▶ p" in lines[1])


async def test_the_cockpit_header_at_80_columns_with_an_incident_and_a_firing_alarm(
        demo_profile, aws_target, sentra, boto, tmp_path) -> None:
    timeline = tmp_path / "timeline.jsonl"
    opened = (datetime.now(UTC) - timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
    timeline.write_text(json.dumps({"time": opened, "operator": "alice", "profile": "Sentra Scanner", "step": "incident",
                                    "event": "opened", "title": "Scanner timing out on large attachments",
                                    "severity": "P2"}) + "\n")
    boto("cloudwatch").set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="ALARM",
                                       StateReason="Threshold Crossed: 1 datapoint [287412.0]")
    app = CockpitApp(demo_profile, aws_target, timeline_path=timeline, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        header = app.screen.query_one("#header", CockpitHeader)
        await until(pilot, lambda: bool(header.incident and header.notice), what="incident and pointer")
        await pilot.pause()
        text = "\n".join(_header_lines(app))
        assert "ack due in 1" in text or "P2 ack 1" in text, text
        assert "(p)" in text or "▶ p" in text, text
        assert "READ-ONLY" in text and "…" not in text, text
