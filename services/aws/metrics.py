"""Every tile's series in as few GetMetricData calls as the API allows.

One refresh sends all queries together, at most 500 per call (the API's limit), and
follows ``NextToken``. Arithmetic metric math is evaluated here from its inputs (exact,
and it works on endpoints that return expressions empty); other expressions are sent to
the server in the same call as their inputs, the hidden inputs with ``ReturnData=False``.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from services.aws.metric_math import compile_arithmetic, is_arithmetic, referenced_ids
from services.aws.session import AwsSession
from services.models import MetricSeries, MetricsSnapshot
from services.profile.model import MetricSpec

MAX_QUERIES_PER_CALL = 500


class MetricsSource:
    """Builds the query plan once per profile; ``fetch`` runs one refresh (blocking)."""

    def __init__(self, session: AwsSession, specs: Sequence[MetricSpec], *, max_queries: int = MAX_QUERIES_PER_CALL) -> None:
        self.session = session
        self.specs = {spec.id: spec for spec in specs}
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

    def fetch(self, range_seconds: float, end: datetime | None = None) -> MetricsSnapshot:
        end = (end or datetime.now(UTC)).replace(microsecond=0)
        start = end - timedelta(seconds=range_seconds)
        points: dict[str, dict[datetime, float]] = {query_id: {} for query_id in self.queries}
        errors: dict[str, str] = {}
        calls = 0
        for batch in self.batches:
            token: str | None = None
            while True:
                params: dict[str, Any] = {"MetricDataQueries": batch, "StartTime": start, "EndTime": end,
                                          "ScanBy": "TimestampAscending"}
                if token:
                    params["NextToken"] = token
                response = self.session.call("cloudwatch", "get_metric_data", **params)
                calls += 1
                for result in response.get("MetricDataResults", []):
                    series = points.setdefault(result["Id"], {})
                    for timestamp, value in zip(result.get("Timestamps", []), result.get("Values", [])):
                        series[_utc(timestamp)] = float(value)
                    if result.get("StatusCode") not in (None, "Complete", "PartialData"):
                        errors[result["Id"]] = "; ".join(m.get("Value", "") for m in result.get("Messages", [])) or result["StatusCode"]
                token = response.get("NextToken")
                if not token:
                    break
        for spec_id in self._evaluation_order():
            points[spec_id] = self._evaluate(spec_id, points)
        series = {
            spec_id: MetricSeries(spec_id, tuple(sorted(values)), tuple(values[t] for t in sorted(values)), errors.get(spec_id))
            for spec_id, values in points.items()
        }
        return MetricsSnapshot(series=series, start=start, end=end, api_calls=calls)

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
