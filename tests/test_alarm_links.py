"""Alarms to tiles and playbooks, on the demo profile and the seeded Sentra alarms."""
from __future__ import annotations

from services.aws.alarm_links import alarms_for_tile, playbooks_for_alarm, tiles_for_alarm
from services.aws.alarms import AlarmsSource


def test_alarms_lead_to_their_tiles_and_back(demo_profile, aws_session, sentra) -> None:
    alarms = {alarm.name: alarm for alarm in AlarmsSource(aws_session, demo_profile.alarms).fetch()}
    metrics = demo_profile.metrics
    assert tiles_for_alarm(alarms["sentra-lambda-duration"], metrics) == ["duration"]
    # Errors is a hidden input: its alarm belongs to the tile computed from it.
    assert tiles_for_alarm(alarms["sentra-lambda-errors"], metrics) == ["error_rate"]
    assert tiles_for_alarm(alarms["sentra-sqs-failures"], metrics) == ["sqs_failures"]
    assert tiles_for_alarm(alarms["sentra-lambda-memory"], metrics) == ["memory"]  # Lambda Insights, as the tile
    on_rate = [alarm.name for alarm in alarms_for_tile("error_rate", metrics, alarms.values())]
    assert on_rate == ["sentra-lambda-errors"]
    assert [a.name for a in alarms_for_tile("duration", metrics, alarms.values())] == ["sentra-lambda-duration"]
    assert alarms_for_tile("invocations", metrics, alarms.values()) == []


def test_playbooks_listing_an_alarm(demo_profile) -> None:
    found = playbooks_for_alarm("sentra-lambda-duration", demo_profile.playbooks)
    assert "lambda_timeouts" in [p.id for p in found]
    assert all("sentra-lambda-duration" in p.alarms for p in found)
    assert playbooks_for_alarm("sentra-no-such-alarm", demo_profile.playbooks) == []
