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
