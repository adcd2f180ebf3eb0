"""The profile's alarms, most urgent first: ALARM, then INSUFFICIENT_DATA, then OK."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.aws.session import AwsSession
from services.models import Alarm
from services.profile.model import AlarmsSpec

STATE_ORDER = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}


class AlarmsSource:
    """``describe_alarms`` once per prefix (paginated) plus the exact names, merged by name."""

    def __init__(self, session: AwsSession, spec: AlarmsSpec) -> None:
        self.session = session
        self.spec = spec

    def fetch(self) -> list[Alarm]:
        found: dict[str, Alarm] = {}
        requests: list[dict[str, Any]] = [{"AlarmNamePrefix": prefix} for prefix in self.spec.prefixes]
        names = list(self.spec.names)
        requests += [{"AlarmNames": names[i:i + 100]} for i in range(0, len(names), 100)]
        for request in requests:
            for page in self.session.paginate("cloudwatch", "describe_alarms",
                                              AlarmTypes=["MetricAlarm", "CompositeAlarm"], **request):
                for raw in page.get("MetricAlarms", []):
                    alarm = _metric_alarm(raw)
                    found[alarm.name] = alarm
                for raw in page.get("CompositeAlarms", []):
                    alarm = _composite_alarm(raw)
                    found[alarm.name] = alarm
        return sort_alarms(found.values())


def sort_alarms(alarms: Any) -> list[Alarm]:
    by_recent = sorted(alarms, key=lambda alarm: alarm.updated, reverse=True)
    return sorted(by_recent, key=lambda alarm: STATE_ORDER.get(alarm.state, 3))


def _when(raw: dict[str, Any]) -> datetime:
    value = raw.get("StateUpdatedTimestamp") or raw.get("AlarmConfigurationUpdatedTimestamp")
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(0, UTC)


_COMPARISON = {
    "GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": "≥", "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "≤", "LessThanLowerOrGreaterThanUpperThreshold": "outside band",
    "LessThanLowerThreshold": "< lower", "GreaterThanUpperThreshold": "> upper",
}


def _metric_alarm(raw: dict[str, Any]) -> Alarm:
    metric = None
    if raw.get("MetricName"):
        metric = f"{raw.get('Namespace', '')}/{raw['MetricName']}"
    elif raw.get("Metrics"):
        metric = "metric math"
    threshold = None
    if raw.get("Threshold") is not None:
        symbol = _COMPARISON.get(raw.get("ComparisonOperator", ""), "?")
        value = raw["Threshold"]
        threshold = f"{raw.get('Statistic') or raw.get('ExtendedStatistic') or ''} {symbol} {value:g}".strip()
        periods = raw.get("EvaluationPeriods")
        if periods and raw.get("Period"):
            threshold += f" for {periods}×{raw['Period']}s"
    return Alarm(name=raw["AlarmName"], state=raw.get("StateValue", "INSUFFICIENT_DATA"),
                 reason=raw.get("StateReason", ""), updated=_when(raw), kind="metric", metric=metric,
                 threshold=threshold, actions_enabled=bool(raw.get("ActionsEnabled", True)))


def _composite_alarm(raw: dict[str, Any]) -> Alarm:
    return Alarm(name=raw["AlarmName"], state=raw.get("StateValue", "INSUFFICIENT_DATA"),
                 reason=raw.get("StateReason", ""), updated=_when(raw), kind="composite",
                 metric=None, threshold=raw.get("AlarmRule"), actions_enabled=bool(raw.get("ActionsEnabled", True)))
