"""Tiles from Prometheus: each ``source = "prometheus"`` metric's PromQL over the chosen range.

One refresh is one pass over every tile: ``/api/v1/query_range`` per distinct query (the
API takes one expression per request), ``CONCURRENT`` at a time, with the same step for
all, about ``RANGE_POINTS`` points over the range (so a sparkline matches a CloudWatch
tile's). A tile's query must give one series; an empty answer is "no data", more than one
series is the tile's error (wrap it in ``sum(...)``). The server unreachable fails the
whole pass (``Unreachable``: the pane's one status line); a query the server rejects is
that tile's error and the others go on.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from services.errors import SourceError, Unreachable
from services.models import MetricSeries, MetricsSnapshot
from services.profile.model import MetricSpec
from services.queries.prometheus import PrometheusClient, default_step

CONCURRENT = 4
MIN_STEP = 5.0  # seconds; below a scrape interval a step only repeats points
MIN_REFRESH = 10.0


class PrometheusMetrics:
    """The prometheus tiles of one profile against one server; ``fetch`` blocks (call it from a thread)."""

    def __init__(self, url: str, specs: Sequence[MetricSpec], *, timeout: float = 10.0) -> None:
        self.client = PrometheusClient(url, timeout=timeout)
        self.specs = {spec.id: spec for spec in specs if spec.source == "prometheus" and not spec.hidden}
        """Tile id → spec, as ``MetricsSource.specs``."""
        self.queries = sorted({spec.query or "" for spec in self.specs.values()})

    @staticmethod
    def step(range_seconds: float) -> float:
        return max(MIN_STEP, default_step(range_seconds))

    def refresh_interval(self, range_seconds: float, configured: float | None = None) -> float:
        return float(configured) if configured else max(MIN_REFRESH, self.step(range_seconds))

    def fetch(self, range_seconds: float, end: datetime | None = None) -> MetricsSnapshot:
        end = end or datetime.now(UTC)
        step = self.step(range_seconds)
        stop = end.timestamp()  # not aligned down to the step: the newest point is now, not up to a step ago
        start = stop - math.floor(range_seconds / step) * step  # points at start + k·step: the last one at stop
        request = {"start": f"{start:.3f}", "end": f"{stop:.3f}", "step": f"{step:g}"}
        answers: dict[str, Any] = {}
        with ThreadPoolExecutor(max_workers=min(CONCURRENT, max(1, len(self.queries))),
                                thread_name_prefix="prometheus-tiles") as pool:
            futures = {query: pool.submit(self._range, query, request) for query in self.queries}
            for query, future in futures.items():
                answers[query] = future.result()
        unreachable = [answer for answer in answers.values() if isinstance(answer, Unreachable)]
        if unreachable and len(unreachable) == len(answers):
            raise unreachable[0]
        series = {spec.id: _series(spec.id, answers[spec.query or ""]) for spec in self.specs.values()}
        return MetricsSnapshot(series=series, start=datetime.fromtimestamp(start, UTC),
                               end=datetime.fromtimestamp(stop, UTC), api_calls=len(self.queries),
                               periods={spec.id: int(step) for spec in self.specs.values()})

    def _range(self, query: str, request: dict[str, str]) -> dict[str, Any] | SourceError:
        try:
            return self.client.get("/api/v1/query_range", {"query": query, **request})
        except SourceError as error:
            return error


def _series(metric_id: str, answer: dict[str, Any] | SourceError) -> MetricSeries:
    if isinstance(answer, SourceError):
        return MetricSeries(metric_id, error=str(answer))
    result = answer.get("result") or []
    if answer.get("resultType") != "matrix":
        return MetricSeries(metric_id, error=f"not a range vector ({answer.get('resultType')})")
    if len(result) > 1:
        return MetricSeries(metric_id, error=f"{len(result)} series: use sum(...)")
    points = []
    for stamp, text in (result[0].get("values", []) if result else []):
        try:
            value = float(text)
        except (TypeError, ValueError):
            continue
        if math.isfinite(value):
            points.append((datetime.fromtimestamp(float(stamp), UTC), value))
    return MetricSeries(metric_id, tuple(t for t, _ in points), tuple(v for _, v in points))
