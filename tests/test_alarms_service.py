"""AlarmsSource against moto's server: prefixes and names, ALARM first, then most recent."""
from __future__ import annotations

from services.aws.alarms import AlarmsSource
from services.profile import AlarmsSpec


def _alarm(cw, name: str) -> None:
    cw.put_metric_alarm(AlarmName=name, Namespace="N", MetricName="M", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold")


def test_alarm_first_then_insufficient_then_ok(aws_session, boto) -> None:
    cw = boto("cloudwatch")
    for name in ("app-a", "app-b", "app-c", "app-d", "other-x", "exact-one"):
        _alarm(cw, name)
    cw.set_alarm_state(AlarmName="app-a", StateValue="OK", StateReason="fine")
    cw.set_alarm_state(AlarmName="app-b", StateValue="INSUFFICIENT_DATA", StateReason="no data")
    cw.set_alarm_state(AlarmName="app-c", StateValue="ALARM", StateReason="Threshold Crossed")
    cw.set_alarm_state(AlarmName="app-d", StateValue="OK", StateReason="fine again")
    cw.set_alarm_state(AlarmName="exact-one", StateValue="ALARM", StateReason="also")
    alarms = AlarmsSource(aws_session, AlarmsSpec(prefixes=["app-"], names=["exact-one"])).fetch()
    names = [alarm.name for alarm in alarms]
    assert set(names) == {"app-a", "app-b", "app-c", "app-d", "exact-one"}
    assert names[:2] == ["exact-one", "app-c"]  # both ALARM, the most recent change first
    assert names[2] == "app-b"  # INSUFFICIENT_DATA
    assert names[3:] == ["app-d", "app-a"]
    first = alarms[0]
    assert first.state == "ALARM" and first.reason == "also"
    assert first.metric == "N/M" and first.threshold == "Sum > 5 for 1×60s"


def test_many_alarms_are_paginated(aws_session, boto) -> None:
    cw = boto("cloudwatch")
    for index in range(120):
        _alarm(cw, f"bulk-{index:03d}")
    alarms = AlarmsSource(aws_session, AlarmsSpec(prefixes=["bulk-"])).fetch()
    assert len(alarms) == 120


def test_poll_reports_state_changes_since_the_previous_poll(aws_session, boto) -> None:
    cw = boto("cloudwatch")
    for name in ("app-a", "app-b", "app-c"):
        _alarm(cw, name)
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="fine")
    source = AlarmsSource(aws_session, AlarmsSpec(prefixes=["app-"]))
    first = source.poll()
    assert first.transitions == [] and len(first.alarms) == 3  # the first poll is the baseline
    assert first.api_calls == 1
    cw.set_alarm_state(AlarmName="app-b", StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint [9.0]")
    cw.set_alarm_state(AlarmName="app-c", StateValue="OK", StateReason="still fine")  # same state: no change
    second = source.poll()
    assert [(t.name, t.old_state, t.new_state) for t in second.transitions] == [("app-b", "OK", "ALARM")]
    assert second.transitions[0].reason.startswith("Threshold Crossed")
    assert second.alarms[0].name == "app-b"
    _alarm(cw, "app-new")  # appears in INSUFFICIENT_DATA: new, not a change
    cw.set_alarm_state(AlarmName="app-b", StateValue="OK", StateReason="recovered")
    third = source.poll()
    assert [(t.name, t.new_state) for t in third.transitions] == [("app-b", "OK")]
    assert source.poll().transitions == []


def test_an_alarm_says_which_metric_it_watches(aws_session, boto) -> None:
    from services.models import MetricKey

    boto("cloudwatch").put_metric_alarm(
        AlarmName="svc-duration", Namespace="AWS/Lambda", MetricName="Duration", Statistic="Maximum", Period=60,
        EvaluationPeriods=1, Threshold=240000, ComparisonOperator="GreaterThanThreshold",
        Dimensions=[{"Name": "FunctionName", "Value": "f"}], AlarmDescription="runbook 000")
    alarm = AlarmsSource(aws_session, AlarmsSpec(names=["svc-duration"])).fetch()[0]
    assert alarm.watches == (MetricKey("AWS/Lambda", "Duration", (("FunctionName", "f"),)),)
    assert alarm.threshold_value == 240000 and alarm.description == "runbook 000"


def test_alarm_history_unsupported_is_reported_once_then_fails_fast(aws_session, boto) -> None:
    import pytest

    from services.aws.alarms import AlarmHistorySource
    from services.errors import Unsupported

    _alarm(boto("cloudwatch"), "app-a")
    sent: list[str] = []
    aws_session.client("cloudwatch").meta.events.register(
        "before-send.cloudwatch.DescribeAlarmHistory", lambda **_: sent.append("history"))
    history = AlarmHistorySource(aws_session)
    with pytest.raises(Unsupported) as first:
        history.fetch("app-a")
    assert "describe_alarm_history" in str(first.value)
    attempts = len(sent)
    assert attempts >= 1
    with pytest.raises(Unsupported):
        history.fetch("app-a")
    assert len(sent) == attempts  # remembered: no request, no retries


def test_alarm_history_and_composite_alarms_in_the_real_api_shapes(aws_session) -> None:
    """moto's server has neither: the real responses' shapes, validated by botocore's stubber."""
    import json
    from datetime import UTC, datetime

    from botocore.stub import ANY, Stubber

    from services.aws.alarms import AlarmHistorySource

    when = datetime(2026, 11, 24, 19, 51, 7, tzinfo=UTC)
    data = {"version": "1.0", "oldState": {"stateValue": "OK", "stateReason": "fine"},
            "newState": {"stateValue": "ALARM", "stateReason": "Threshold Crossed: 1 datapoint [287412.0]"}}
    stubber = Stubber(aws_session.client("cloudwatch"))
    stubber.add_response("describe_alarm_history", {"AlarmHistoryItems": [
        {"AlarmName": "a", "AlarmType": "MetricAlarm", "Timestamp": when, "HistoryItemType": "StateUpdate",
         "HistorySummary": "Alarm updated from OK to ALARM", "HistoryData": json.dumps(data)}], "NextToken": "t"},
        {"AlarmName": "a", "StartDate": ANY, "EndDate": ANY, "ScanBy": "TimestampDescending", "MaxRecords": 100})
    stubber.add_response("describe_alarm_history", {"AlarmHistoryItems": [
        {"AlarmName": "a", "Timestamp": when, "HistoryItemType": "ConfigurationUpdate",
         "HistorySummary": "Alarm \"a\" updated"}]},
        {"AlarmName": "a", "StartDate": ANY, "EndDate": ANY, "ScanBy": "TimestampDescending", "MaxRecords": 100,
         "NextToken": "t"})
    stubber.add_response("describe_alarms", {"MetricAlarms": [], "CompositeAlarms": [
        {"AlarmName": "app-composite", "AlarmRule": 'ALARM("app-a") OR ALARM("app-b")', "StateValue": "ALARM",
         "StateReason": "app-a in ALARM", "StateUpdatedTimestamp": when, "ActionsEnabled": True}]},
        {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "AlarmNamePrefix": "app-"})
    with stubber:
        items = AlarmHistorySource(aws_session).fetch("a")
        alarms = AlarmsSource(aws_session, AlarmsSpec(prefixes=["app-"])).fetch()
    assert [(i.old_state, i.new_state, i.kind) for i in items] == [("OK", "ALARM", "StateUpdate"),
                                                                   (None, None, "ConfigurationUpdate")]
    assert items[0].reason.startswith("Threshold Crossed") and items[0].timestamp == when
    composite = alarms[0]
    assert composite.kind == "composite" and composite.state == "ALARM"
    assert composite.threshold == 'ALARM("app-a") OR ALARM("app-b")'
