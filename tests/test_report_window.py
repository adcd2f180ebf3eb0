"""Keys item 10: the report starts at the first related event, not at "incident opened"."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from services.incident.report import build_report, render_markdown

COCKPIT = str(Path(sys.executable).with_name("cockpit"))


def _event(hm: str, step: str, day: str = "2026-12-02", **fields) -> dict:
    return {"time": f"{day}T{hm}:00.000Z", "operator": "ana", "profile": "Sentra Scanner", "step": step, **fields}


def _alarm(hm: str, name: str, before: str, after: str, **fields) -> dict:
    return _event(hm, "alarm", target=name, before=before, after=after, **fields)


def _action(hm: str, action: str = "lambda.set-timeout", **fields) -> list[dict]:
    common = {"action": action, "target": "customer-sentra-scanner", **fields}
    return [_event(hm, "planned", before={"timeout": 300}, after={"timeout": 600}, **common),
            _event(hm, "confirmed", detail="timeout 300 → 600", **common),
            _event(hm, "verified", ok=True, detail="timeout is 600", **common)]


OPENED = _event("09:50", "incident", event="opened", title="Scanner timing out", severity="P2")
RESOLVED = _event("10:10", "incident", event="resolved", detail="timeout raised")


def _timeline_lines(events: list[dict]) -> list[str]:
    return [f"{entry['time']} {entry['text']}" for entry in build_report(events).timeline]


def test_the_alarm_and_the_fix_before_the_opening_are_in_the_report_in_order() -> None:
    events = [
        *_action("08:30", "lambda.set-memory"),                  # while all alarms were OK: not this incident's
        _alarm("09:00", "sentra-lambda-errors", "OK", "ALARM"),  # an earlier episode, over by 09:20
        _alarm("09:20", "sentra-lambda-errors", "ALARM", "OK"),
        _alarm("09:40", "sentra-lambda-duration", "OK", "ALARM", detail="Threshold Crossed"),
        *_action("09:45"),
        OPENED,
        _event("10:00", "note", detail="timeouts stopped"),
        RESOLVED,
        _event("10:30", "note", detail="after the incident"),
    ]
    lines = _timeline_lines(events)
    assert lines[0] == "09:40 Alarm sentra-lambda-duration OK → ALARM: Threshold Crossed"
    assert lines[1].startswith("09:45 ana confirmed lambda.set-timeout on customer-sentra-scanner")
    assert lines[3].startswith("09:50 Incident opened by ana: Scanner timing out")
    assert not any("set-memory" in line or "sentra-lambda-errors" in line or "after the incident" in line
                   for line in lines), lines
    report = build_report(events)
    assert [record.action for record in report.actions] == ["lambda.set-timeout"]
    assert report.report_from == "09:40" and report.opened == "09:50"
    assert list(report.alarms) == ["sentra-lambda-duration"]
    text = render_markdown(report)
    assert "From 09:40 UTC (first related event: alarm sentra-lambda-duration OK → ALARM)" in text
    timeline = text.split("## Timeline")[1].split("## Actions Taken")[0]
    assert timeline.index("Alarm sentra-lambda-duration") < timeline.index("confirmed lambda.set-timeout") \
        < timeline.index("Incident opened")
    assert "| lambda.set-timeout | customer-sentra-scanner | timeout: 300 → 600 | verified |" in text


def test_an_episode_that_ended_before_the_opening_still_counts() -> None:
    events = [_alarm("09:40", "sentra-lambda-duration", "OK", "ALARM"), *_action("09:45"),
              _alarm("09:48", "sentra-lambda-duration", "ALARM", "OK"), OPENED, RESOLVED]
    lines = _timeline_lines(events)
    assert lines[0].startswith("09:40 Alarm sentra-lambda-duration OK → ALARM")
    assert lines[3].startswith("09:48 Alarm sentra-lambda-duration ALARM → OK")
    assert lines[4].startswith("09:50 Incident opened")


def test_without_alarms_the_first_action_within_24_hours_after_the_last_incident() -> None:
    previous = [_event("07:00", "incident", event="opened", title="Earlier", severity="P3"),
                *_action("07:10", "lambda.set-memory"),
                _event("07:30", "incident", event="resolved")]
    events = [*_action("06:00", "sqs.purge", day="2026-12-01"),  # 27 h before: outside the look-back
              *previous, *_action("09:45"), OPENED, RESOLVED]
    report = build_report(events)
    assert report.report_from == "09:45"
    assert [record.action for record in report.actions] == ["lambda.set-timeout"]
    assert "From 09:45 UTC (first related event: lambda.set-timeout planned)" in render_markdown(report)
    earlier = build_report(events, incident_index=0)
    assert [record.action for record in earlier.actions] == ["lambda.set-memory"]  # not the one 27 h before


def test_nothing_before_the_opening_starts_at_the_opening() -> None:
    report = build_report([OPENED, RESOLVED])
    assert report.report_from == "09:50"
    assert "From 09:50 UTC (incident opened; nothing related before it)" in render_markdown(report)


def test_cockpit_report_prints_the_events_before_the_opening(tmp_path: Path) -> None:
    path = tmp_path / "timeline.jsonl"
    events = [_alarm("09:40", "sentra-lambda-duration", "OK", "ALARM"), *_action("09:45"), OPENED, RESOLVED]
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    result = subprocess.run([COCKPIT, "report", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "From 09:40 UTC (first related event" in result.stdout
    timeline = result.stdout.split("## Timeline")[1]
    assert timeline.index("**09:40** - Alarm sentra-lambda-duration") < timeline.index("**09:50** - Incident opened")
