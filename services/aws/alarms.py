"""The profile's alarms, most urgent first (ALARM, INSUFFICIENT_DATA, OK), and their history.

``AlarmsSource.poll`` also says which alarms changed state since the previous poll, so
a transition is noticed within one refresh. ``AlarmHistorySource`` reads
``describe_alarm_history``, which some endpoints (moto's server) do not implement: the
session remembers that after the first failure and later calls fail fast.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from services.aws.session import AwsSession
from services.models import Alarm, AlarmHistoryItem, AlarmsSnapshot, AlarmTransition, MetricKey
from services.profile.model import AlarmsSpec
from services.visible_text import visible  # alarm text is the world's: never escape codes on screen

STATE_ORDER = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}


class AlarmsSource:
    """``describe_alarms`` once per prefix (paginated) plus the exact names, merged by name."""

    def __init__(self, session: AwsSession, spec: AlarmsSpec) -> None:
        self.session = session
        self.spec = spec
        self._states: dict[str, str] | None = None  # None until the first poll: the baseline
        self.calls = 0

    def fetch(self) -> list[Alarm]:
        found: dict[str, Alarm] = {}
        requests: list[dict[str, Any]] = [{"AlarmNamePrefix": prefix} for prefix in self.spec.prefixes]
        names = list(self.spec.names)
        requests += [{"AlarmNames": names[i:i + 100]} for i in range(0, len(names), 100)]
        for request in requests:
            for page in self.session.paginate("cloudwatch", "describe_alarms",
                                              AlarmTypes=["MetricAlarm", "CompositeAlarm"], **request):
                self.calls += 1
                for raw in page.get("MetricAlarms", []):
                    alarm = metric_alarm(raw)
                    found[alarm.name] = alarm
                for raw in page.get("CompositeAlarms", []):
                    alarm = composite_alarm(raw)
                    found[alarm.name] = alarm
        return sort_alarms(found.values())

    def poll(self) -> AlarmsSnapshot:
        """One refresh; transitions are state changes since the previous poll (none the first time)."""
        before = self.calls
        alarms = self.fetch()
        transitions = diff_states(self._states, alarms)
        self._states = {alarm.name: alarm.state for alarm in alarms}
        return AlarmsSnapshot(alarms=alarms, transitions=transitions, api_calls=self.calls - before)


def diff_states(previous: dict[str, str] | None, alarms: Iterable[Alarm]) -> list[AlarmTransition]:
    """Alarms whose state differs from ``previous``; an alarm seen for the first time is not a change."""
    if previous is None:
        return []
    changes = [AlarmTransition(name=alarm.name, old_state=previous[alarm.name], new_state=alarm.state,
                               at=alarm.updated, reason=alarm.reason)
               for alarm in alarms if alarm.name in previous and previous[alarm.name] != alarm.state]
    return sorted(changes, key=lambda change: change.at)


def sort_alarms(alarms: Iterable[Alarm]) -> list[Alarm]:
    by_recent = sorted(alarms, key=lambda alarm: alarm.updated, reverse=True)
    return sorted(by_recent, key=lambda alarm: STATE_ORDER.get(alarm.state, 3))


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _when(raw: dict[str, Any]) -> datetime:
    return (_utc(raw.get("StateUpdatedTimestamp")) or _utc(raw.get("AlarmConfigurationUpdatedTimestamp"))
            or datetime.fromtimestamp(0, UTC))


COMPARISON = {
    "GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": "≥", "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "≤", "LessThanLowerOrGreaterThanUpperThreshold": "outside band",
    "LessThanLowerThreshold": "< lower", "GreaterThanUpperThreshold": "> upper",
}


def _key(metric: dict[str, Any]) -> MetricKey:
    dimensions = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))
    return MetricKey(metric.get("Namespace", ""), metric.get("MetricName", ""), dimensions)


def metric_alarm(raw: dict[str, Any]) -> Alarm:
    """A ``MetricAlarms`` entry of ``describe_alarms`` as plain data."""
    metric = None
    watches: tuple[MetricKey, ...] = ()
    if raw.get("MetricName"):
        metric = f"{raw.get('Namespace', '')}/{raw['MetricName']}"
        watches = (_key(raw),)
    elif raw.get("Metrics"):
        metric = "metric math"
        watches = tuple(_key(query["MetricStat"]["Metric"]) for query in raw["Metrics"] if query.get("MetricStat"))
    threshold = None
    if raw.get("Threshold") is not None:
        symbol = COMPARISON.get(raw.get("ComparisonOperator", ""), "?")
        threshold = f"{raw.get('Statistic') or raw.get('ExtendedStatistic') or ''} {symbol} {raw['Threshold']:g}".strip()
        periods = raw.get("EvaluationPeriods")
        if periods and raw.get("Period"):
            threshold += f" for {periods}×{raw['Period']}s"
    elif raw.get("ThresholdMetricId"):
        threshold = f"{COMPARISON.get(raw.get('ComparisonOperator', ''), '?')} band {raw['ThresholdMetricId']}"
    return Alarm(name=raw["AlarmName"], state=raw.get("StateValue", "INSUFFICIENT_DATA"),
                 reason=visible(raw.get("StateReason", "")), updated=_when(raw), kind="metric", metric=metric,
                 threshold=threshold, actions_enabled=bool(raw.get("ActionsEnabled", True)), watches=watches,
                 description=visible(raw.get("AlarmDescription", "") or ""), threshold_value=raw.get("Threshold"))


def composite_alarm(raw: dict[str, Any]) -> Alarm:
    """A ``CompositeAlarms`` entry: its rule is what it "watches"."""
    return Alarm(name=raw["AlarmName"], state=raw.get("StateValue", "INSUFFICIENT_DATA"),
                 reason=visible(raw.get("StateReason", "")), updated=_when(raw), kind="composite",
                 metric=None, threshold=raw.get("AlarmRule"), actions_enabled=bool(raw.get("ActionsEnabled", True)),
                 description=visible(raw.get("AlarmDescription", "") or ""))


class AlarmHistorySource:
    """``describe_alarm_history`` for one alarm, newest first (raises ``Unsupported`` where absent)."""

    def __init__(self, session: AwsSession) -> None:
        self.session = session

    def fetch(self, name: str, *, days: float = 7, limit: int = 200) -> list[AlarmHistoryItem]:
        end = datetime.now(UTC)
        params: dict[str, Any] = {"AlarmName": name, "StartDate": end - timedelta(days=days), "EndDate": end,
                                  "ScanBy": "TimestampDescending", "MaxRecords": min(100, limit)}
        items: list[AlarmHistoryItem] = []
        while len(items) < limit:
            page = self.session.call("cloudwatch", "describe_alarm_history", **params)
            items.extend(history_item(raw) for raw in page.get("AlarmHistoryItems", []))
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token
        return items[:limit]


def history_item(raw: dict[str, Any]) -> AlarmHistoryItem:
    """One ``AlarmHistoryItems`` entry; a state update's ``HistoryData`` JSON gives old and new state."""
    old = new = None
    reason = ""
    if raw.get("HistoryItemType") == "StateUpdate" and raw.get("HistoryData"):
        try:
            data = json.loads(raw["HistoryData"])
        except ValueError:
            data = {}
        old = (data.get("oldState") or {}).get("stateValue")
        new = (data.get("newState") or {}).get("stateValue")
        reason = (data.get("newState") or {}).get("stateReason", "")
    return AlarmHistoryItem(timestamp=_utc(raw.get("Timestamp")) or datetime.fromtimestamp(0, UTC),
                            kind=raw.get("HistoryItemType", ""), summary=visible(raw.get("HistorySummary", "")),
                            old_state=old, new_state=new, reason=visible(reason))
