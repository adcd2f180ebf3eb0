"""All of a profile's tiles in one refresh: CloudWatch's and Prometheus's, merged into one snapshot.

The dashboard polls one ``MetricsFeed``; each source fetches its own tiles (CloudWatch in as
few GetMetricData calls as it allows, Prometheus one range query per distinct PromQL) and
the snapshot counts both's calls. Where one source fails and the other answers, the failed
one's tiles carry its error and the rest refresh; where every source fails, the error is
raised for the pane's status line (and the poller's backoff).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from services.errors import SourceError
from services.models import MetricSeries, MetricsSnapshot

if TYPE_CHECKING:
    from services.aws.metrics import MetricsSource
    from services.aws.session import AwsSession
    from services.aws.timeout_limits import TimeoutLimitsSource
    from services.engines.prometheus_metrics import PrometheusMetrics
    from services.profile.model import MetricSpec


class MetricsFeed:
    def __init__(self, session: AwsSession | None, specs: Sequence[MetricSpec], prometheus_url: str | None) -> None:
        self.cloudwatch: MetricsSource | None = None
        self.prometheus: PrometheusMetrics | None = None
        self.limits: TimeoutLimitsSource | None = None
        if session is not None and any(spec.limits_of is not None for spec in specs):
            from services.aws.timeout_limits import TimeoutLimitsSource

            self.limits = TimeoutLimitsSource(session, specs)
        watched = [spec for spec in specs if spec.source == "cloudwatch"]
        if session is not None and any(not spec.hidden for spec in watched):
            from services.aws.metrics import MetricsSource

            self.cloudwatch = MetricsSource(session, watched)
        if prometheus_url and any(spec.source == "prometheus" and not spec.hidden for spec in specs):
            from services.engines.prometheus_metrics import PrometheusMetrics

            self.prometheus = PrometheusMetrics(prometheus_url, specs)

    def refresh_interval(self, range_seconds: float, configured: float | None = None) -> float:
        intervals = [source.refresh_interval(range_seconds, configured)
                     for source in (self.cloudwatch, self.prometheus) if source is not None]
        return min(intervals, default=60.0)

    def invalidate(self) -> None:
        """Read what the tiles' limits follow again at the next fetch (an action may have changed it)."""
        if self.limits is not None:
            self.limits.invalidate()

    def fetch(self, range_seconds: float) -> MetricsSnapshot:
        snapshot = self._fetch(range_seconds)
        if self.limits is None:
            return snapshot
        before = self.limits.calls
        limits = self.limits.limits()
        return replace(snapshot, limits=limits, api_calls=snapshot.api_calls + self.limits.calls - before)

    def _fetch(self, range_seconds: float) -> MetricsSnapshot:
        snapshots: list[MetricsSnapshot] = []
        failures: list[tuple[list[str], SourceError]] = []
        for source in (self.cloudwatch, self.prometheus):
            if source is None:
                continue
            try:
                snapshots.append(source.fetch(range_seconds))
            except SourceError as failure:
                failures.append((list(source.specs), failure))
        if not snapshots:
            if failures:
                raise failures[0][1]
            now = datetime.now(UTC)
            return MetricsSnapshot(series={}, start=now, end=now, api_calls=0)
        if len(snapshots) == 1 and not failures:
            return snapshots[0]
        series: dict[str, MetricSeries] = {}
        for snapshot in snapshots:
            series.update(snapshot.series)
        for ids, reason in failures:
            series.update({metric_id: MetricSeries(metric_id, error=str(reason)) for metric_id in ids})
        # The earlier end: CloudWatch's is rounded up to the minute, and against it a Prometheus
        # tile's newest point (now, at a step of seconds) would read as stale.
        return MetricsSnapshot(series=series, start=min(s.start for s in snapshots), end=min(s.end for s in snapshots),
                               api_calls=sum(s.api_calls for s in snapshots),
                               periods={k: v for s in snapshots for k, v in s.periods.items()},
                               latest={k: v for s in snapshots for k, v in s.latest.items()})
