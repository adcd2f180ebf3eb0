"""A profile's own severity scale (``[[incident.severities]]``): 003's P0, 002's "High, 15 min".

The incident form offers the profile's levels, the header and the report name them, the
acknowledgement clock runs on their response time, escalations are checked against them,
and a report read from the timeline alone (``cockpit report``) still names them.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from services.demo.catalog import scenario_profile_path
from services.incident.report import build_report
from services.incident.state import SEVERITIES, fold
from services.incident.timeline import read_timeline
from services.profile import ProfileError, load_profile, parse_profile
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.incident import IncidentScreen


def test_the_demo_profiles_carry_their_runbooks_scales() -> None:
    assert list(load_profile(scenario_profile_path("sentrascan-platform")).incident.scale) == ["P0", "P1", "P2"]
    cost = load_profile(scenario_profile_path("lambda-cost-reporting")).incident.scale
    assert {code: level.response for code, level in cost.items()} == {
        "High": timedelta(minutes=15), "Medium": timedelta(minutes=30)}
    assert load_profile(scenario_profile_path("cloud-remediator-sage")).incident.scale is SEVERITIES  # 004's own


def test_an_escalation_names_a_severity_of_the_profiles_scale() -> None:
    text = ('[system]\nname = "S"\n\n[[incident.severities]]\nid = "P0"\nname = "Critical"\n\n'
            '[[incident.escalation]]\nafter = "5m"\nseverity = ["P0", "P4"]\nwho = "lead"\nhow = "webhook"\n'
            'url = "https://hooks.example.com/x"\n')
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "p.toml")
    assert any("unknown severity 'P4' (this profile's scale: P0)" in line for line in caught.value.lines), \
        caught.value.lines
    assert parse_profile(text.replace('["P0", "P4"]', '["P0"]'), "p.toml").incident.escalation[0].severity == ("P0",)


async def test_the_form_offers_the_profiles_levels_and_the_report_names_them(tmp_path: Path, aws_target) -> None:
    profile_path = tmp_path / "scale.toml"
    profile_path.write_text('[system]\nname = "Cost"\n\n[[incident.severities]]\nid = "High"\nname = "High"\n'
                            'respond_within = "15m"\n\n[[incident.severities]]\nid = "Medium"\nname = "Medium"\n'
                            'respond_within = "30m"\nmeaning = "Reports generated, not delivered"\n', encoding="utf-8")
    timeline = tmp_path / "timeline.jsonl"
    app = CockpitApp(load_profile(profile_path), aws_target, timeline_path=timeline)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None, what="ready")
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.focused is not None, what="form")
        form = app.screen
        levels = form.query_one("#severity", OptionList)
        assert [levels.get_option_at_index(i).id for i in range(levels.option_count)] == ["High", "Medium"]
        text = screen_text(app)
        assert "severity (this system's scale)" in text and "P1" not in text
        assert "respond within 15 minutes" in text and "Reports generated, not delivered" in text, text
        assert form.focused is form.query_one("#title", Input)
        await pilot.press(*"Reports not emailed")
        form.query_one("#severity", OptionList).highlighted = 0
        await pilot.press("enter")
        await until(pilot, lambda: timeline.exists() and len(fold(read_timeline(timeline))) == 1, what="opened")
        await until(pilot, lambda: "High · Reports not emailed" in screen_text(app), what="the header")
    events = read_timeline(timeline)
    [incident] = fold(events, load_profile(profile_path).incident.scale)
    assert incident.severity == "High" and incident.ack_due() == incident.opened + timedelta(minutes=15)
    # `cockpit report` reads the timeline alone: the level's name and response time came with the event.
    report = build_report(events)
    assert (report.severity, report.severity_name, report.response_target) == ("High", "High", "15 minutes")
