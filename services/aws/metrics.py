"""Every tile's series in as few GetMetricData calls as the API allows.

One refresh sends all queries together, at most 500 per call (the API's limit), and
follows ``NextToken``. Arithmetic metric math is evaluated here from its inputs (exact,
and it works on endpoints that return expressions empty); other expressions are sent to
the server in the same call as their inputs, the hidden inputs with ``ReturnData=False``.

The period follows the range: every query of a refresh gets the smallest valid period at
or above its own such that one call returns at most 100,800 points (the API's limit per
call) and one series at most ``MAX_POINTS_PER_SERIES`` (more than any chart can show).

A coarse bucket's statistic is not the metric's state now (at 7d, a 7-minute Maximum still
holds a spike recovered from since): where a batch's periods are coarser than its metrics'
own, one more, small call per batch reads the span of the last bucket at their own periods
(the API takes one time range per call), and the snapshot's ``latest`` has the newest point.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from services.aws.metric_math import compile_arithmetic, is_arithmetic, referenced_ids
from services.aws.session import AwsSession
from services.models import LatestPoint, MetricSeries, MetricsSnapshot
from services.profile.model import MetricSpec

MAX_QUERIES_PER_CALL = 500
MAX_POINTS_PER_CALL = 100_800
MAX_POINTS_PER_SERIES = 1_440
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 20, 30)
HIGH_RESOLUTION_RETENTION = 3 * 3600  # CloudWatch keeps sub-minute points for 3 hours
MIN_REFRESH = 10.0


def valid_period(seconds: float, range_seconds: float = 0) -> int:
    """The smallest period CloudWatch accepts that is at least ``seconds``."""
    if seconds <= 30 and range_seconds <= HIGH_RESOLUTION_RETENTION:
        return next(p for p in HIGH_RESOLUTION_PERIODS if p >= seconds)
    return max(60, 60 * math.ceil(seconds / 60))


def period_for_range(base: int, range_seconds: float, series_per_call: int) -> int:
    """``base`` raised so that ``series_per_call`` series over the range fit in one call's points."""
    per_series = min(MAX_POINTS_PER_SERIES, MAX_POINTS_PER_CALL // max(1, series_per_call))
    return valid_period(max(base, range_seconds / per_series), range_seconds)


class MetricsSource:
    """Builds the query plan once per profile; ``fetch`` runs one refresh (blocking)."""

    def __init__(self, session: AwsSession, specs: Sequence[MetricSpec], *, max_queries: int = MAX_QUERIES_PER_CALL) -> None:
        self.session = session
        self.specs = {spec.id: spec for spec in specs if spec.source == "cloudwatch"}  # Prometheus's: their own source
        specs = list(self.specs.values())
        self.max_queries = max_queries
        self.local = [spec for spec in specs if spec.expression is not None and is_arithmetic(spec.expression)]
        self._evaluators = {spec.id: compile_arithmetic(spec.expression or "") for spec in self.local}
        self.queries = self._queries()
        self.batches = self._batches()

    def _needed_values(self) -> set[str]:
        """Ids whose values we must receive: shown tiles and the inputs of local expressions."""
        needed = {spec.id for spec in self.specs.values() if not spec.hidden}
        pending = [spec_id for spec_id in needed if spec_id in self._evaluators]
        while pending:
            for ref in referenced_ids(self.specs[pending.pop()].expression or ""):
                if ref not in needed:
                    needed.add(ref)
                    if ref in self._evaluators:
                        pending.append(ref)
        return needed

    def _queries(self) -> dict[str, dict[str, Any]]:
        needed = self._needed_values()
        server_inputs: set[str] = set()
        for spec in self.specs.values():
            if spec.expression is not None and spec.id not in self._evaluators and (spec.id in needed or not spec.hidden):
                server_inputs |= referenced_ids(spec.expression)
        queries: dict[str, dict[str, Any]] = {}
        for spec in self.specs.values():
            if spec.id in self._evaluators:
                continue
            if spec.id not in needed and spec.id not in server_inputs:
                continue  # hidden and unused: not worth a query
            query: dict[str, Any] = {"Id": spec.id, "ReturnData": spec.id in needed}
            if spec.expression is not None:
                query["Expression"] = spec.expression
                query["Label"] = spec.title
                period = self._expression_period(spec)
                if period:
                    query["Period"] = period
            else:
                query["MetricStat"] = {
                    "Metric": {
                        "Namespace": spec.namespace,
                        "MetricName": spec.metric,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in spec.dimensions.items()],
                    },
                    "Period": spec.period,
                    "Stat": spec.stat,
                }
            queries[spec.id] = query
        return queries

    def _expression_period(self, spec: MetricSpec) -> int | None:
        periods = [self.specs[ref].period for ref in referenced_ids(spec.expression or "") if ref in self.specs]
        return min((p for p in periods if p), default=None)

    def _batches(self) -> list[list[dict[str, Any]]]:
        """Queries in calls of at most ``max_queries``; a server expression stays with its inputs."""
        groups: list[list[str]] = []
        placed: dict[str, int] = {}
        for query_id, query in self.queries.items():
            members = {query_id}
            if "Expression" in query:
                members |= {ref for ref in referenced_ids(query["Expression"]) if ref in self.queries}
            joined = sorted({placed[m] for m in members if m in placed})
            if joined:
                target = joined[0]
                for other in joined[1:]:
                    groups[target].extend(groups[other])
                    for moved in groups[other]:
                        placed[moved] = target
                    groups[other] = []
            else:
                groups.append([])
                target = len(groups) - 1
            for member in members:
                if member not in placed:
                    groups[target].append(member)
                    placed[member] = target
        batches: list[list[dict[str, Any]]] = []
        current: list[dict[str, Any]] = []
        for group in sorted((g for g in groups if g), key=len, reverse=True):
            if len(group) > self.max_queries:
                raise ValueError(f"{len(group)} queries depend on each other; one call takes {self.max_queries}")
            if len(current) + len(group) > self.max_queries:
                batches.append(current)
                current = []
            current.extend(self.queries[query_id] for query_id in group)
        if current:
            batches.append(current)
        return batches

    def periods(self, range_seconds: float) -> dict[str, int]:
        """The period of each query for this range (the same scale for all, so math inputs align)."""
        widest = max((sum(1 for q in batch if q["ReturnData"]) for batch in self.batches), default=1)
        periods: dict[str, int] = {}
        for query_id, query in self.queries.items():
            if "MetricStat" in query:
                periods[query_id] = period_for_range(query["MetricStat"]["Period"], range_seconds, widest)
        for query_id, query in self.queries.items():
            if "Expression" in query:
                inputs = [periods[ref] for ref in referenced_ids(query["Expression"]) if ref in periods]
                periods[query_id] = max(inputs, default=period_for_range(60, range_seconds, widest))
        for spec in self.local:
            inputs = [periods.get(ref, 0) for ref in referenced_ids(spec.expression or "")]
            periods[spec.id] = max(inputs, default=60)
        return periods

    def refresh_interval(self, range_seconds: float, configured: float | None = None) -> float:
        """``configured`` if given, else the smallest period in use (at least ``MIN_REFRESH``)."""
        if configured:
            return float(configured)
        shown = [period for spec_id, period in self.periods(range_seconds).items()
                 if spec_id in self.specs and not self.specs[spec_id].hidden]
        return max(MIN_REFRESH, float(min(shown, default=60)))

    def _with_periods(self, batch: list[dict[str, Any]], periods: dict[str, int]) -> list[dict[str, Any]]:
        sized: list[dict[str, Any]] = []
        for query in batch:
            query = dict(query)
            if "MetricStat" in query:
                query["MetricStat"] = {**query["MetricStat"], "Period": periods[query["Id"]]}
            elif "Period" in query:
                query["Period"] = periods[query["Id"]]
            sized.append(query)
        return sized

    def fetch(self, range_seconds: float, end: datetime | None = None) -> MetricsSnapshot:
        """One refresh over ``[end - range, end)``; ``end`` rounds up to the minute so buckets align."""
        end = end or datetime.now(UTC)
        if end.second or end.microsecond:
            end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
        start = end - timedelta(seconds=range_seconds)
        periods = self.periods(range_seconds)
        native = self.periods(0)
        points: dict[str, dict[datetime, float]] = {query_id: {} for query_id in self.queries}
        recent: dict[str, dict[datetime, float]] = {}
        errors: dict[str, str] = {}
        calls = 0
        for batch in self.batches:
            calls += self._get(self._with_periods(batch, periods), start, end, points, errors)
            if any(periods[query["Id"]] > native[query["Id"]] for query in batch):
                calls += self._get(batch, end - timedelta(seconds=self._recent_span(batch, periods, native)), end,
                                   recent, {})
        for spec_id in self._evaluation_order():
            points[spec_id] = self._evaluate(spec_id, points)
            if recent:
                recent[spec_id] = self._evaluate(spec_id, recent)
        series = {
            spec_id: MetricSeries(spec_id, tuple(sorted(values)), tuple(values[t] for t in sorted(values)), errors.get(spec_id))
            for spec_id, values in points.items()
        }
        latest = {spec_id: LatestPoint(max(values), values[max(values)], native[spec_id])
                  for spec_id, values in recent.items() if values and periods[spec_id] > native[spec_id]}
        return MetricsSnapshot(series=series, start=start, end=end, api_calls=calls, periods=periods, latest=latest)

    @staticmethod
    def _recent_span(batch: list[dict[str, Any]], periods: dict[str, int], native: dict[str, int]) -> int:
        """The last bucket's span, narrowed where the batch's own periods would exceed a call's points."""
        span = max(periods[query["Id"]] for query in batch)
        finest = min(native[query["Id"]] for query in batch)
        return max(finest, min(span, MAX_POINTS_PER_CALL // len(batch) * finest))

    def _get(self, queries: list[dict[str, Any]], start: datetime, end: datetime,
             points: dict[str, dict[datetime, float]], errors: dict[str, str]) -> int:
        """One GetMetricData over ``[start, end)``, its pages followed, into ``points``; returns the calls made."""
        token: str | None = None
        calls = 0
        while True:
            params: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end,
                                      "ScanBy": "TimestampAscending"}
            if token:
                params["NextToken"] = token
            response = self.session.call("cloudwatch", "get_metric_data", **params)
            calls += 1
            for result in response.get("MetricDataResults", []):
                series = points.setdefault(result["Id"], {})
                for timestamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    series[_utc(timestamp)] = float(value)
                if result.get("StatusCode") not in (None, "Complete", "PartialData"):
                    messages = "; ".join(m.get("Value", "") for m in result.get("Messages", []))
                    errors[result["Id"]] = messages or result["StatusCode"]
            token = response.get("NextToken")
            if not token:
                return calls

    def _evaluation_order(self) -> list[str]:
        order: list[str] = []
        visiting: set[str] = set()

        def visit(spec_id: str) -> None:
            if spec_id in order or spec_id in visiting:
                return
            visiting.add(spec_id)
            for ref in referenced_ids(self.specs[spec_id].expression or ""):
                if ref in self._evaluators:
                    visit(ref)
            order.append(spec_id)

        for spec in self.local:
            visit(spec.id)
        return order

    def _evaluate(self, spec_id: str, points: dict[str, dict[datetime, float]]) -> dict[datetime, float]:
        refs = referenced_ids(self.specs[spec_id].expression or "")
        inputs = [points.get(ref, {}) for ref in refs]
        if not inputs:
            return {}
        times = set(inputs[0]).intersection(*inputs[1:])
        evaluator = self._evaluators[spec_id]
        values: dict[datetime, float] = {}
        for timestamp in times:
            try:
                values[timestamp] = evaluator({ref: points[ref][timestamp] for ref in refs})
            except (ZeroDivisionError, KeyError):
                continue  # CloudWatch gives no point where the math is undefined
        return values


def _utc(timestamp: datetime) -> datetime:
    return timestamp.astimezone(UTC) if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
