"""The tile's value and band follow the latest data at the metric's own period, whatever the range
(issue "Keys" 17), against moto's server: a spike inside the 7d range's last 7-minute bucket, recovered since."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.aws.metrics import MetricsSource
from services.profile import MetricSpec
from tui.panes.metrics import RANGES, tile_reading

SPEC = MetricSpec(id="duration", label="Processing duration", namespace="AWS/Lambda", metric="Duration",
                  dimensions={"FunctionName": "scanner"}, stat="Maximum", period=60, unit="ms",
                  alert=60_000, critical=240_000)
SPIKE, CALM = 290_000.0, 20_000.0


def _seed(boto, now: datetime) -> None:
    """A calm minute every minute of the last 20, with spikes 6 days, an hour and 4 minutes ago."""
    values = {now - timedelta(minutes=m): CALM for m in range(1, 21)}
    for ago in (timedelta(days=6), timedelta(hours=1), timedelta(minutes=4)):
        values[now - ago] = SPIKE
    data = [{"MetricName": "Duration", "Value": v, "Timestamp": t, "Unit": "Milliseconds",
             "Dimensions": [{"Name": "FunctionName", "Value": "scanner"}]} for t, v in values.items()]
    for start in range(0, len(data), 20):
        boto("cloudwatch").put_metric_data(Namespace="AWS/Lambda", MetricData=data[start:start + 20])


def test_a_recovered_metric_is_ok_at_7d_as_at_15m(aws_session, boto) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    _seed(boto, now)
    source = MetricsSource(aws_session, [SPEC])
    readings = {}
    for label in ("15m", "7d"):
        snapshot = source.fetch(RANGES[label], end=now)
        readings[label] = tile_reading(SPEC, snapshot.series["duration"], snapshot)
    week = source.fetch(RANGES["7d"], end=now)
    assert week.periods["duration"] == 420
    assert week.series["duration"].latest == SPIKE  # the chart keeps the last bucket's maximum
    assert max(week.series["duration"].values) == SPIKE
    for label, reading in readings.items():
        assert (reading.band, reading.value_text) == ("normal", "20.0 s"), label
    assert readings["7d"].when == readings["15m"].when  # the time of the same latest minute


def test_the_latest_points_cost_one_small_call_per_batch_only_when_the_period_is_coarser(aws_session) -> None:
    specs = [MetricSpec(id=f"m{i}", namespace="Load", metric="Requests", dimensions={"Shard": str(i)},
                        stat="Sum", period=60) for i in range(600)]
    calls: list[tuple[int, float, int]] = []

    def record(params, **_) -> None:
        span = (params["EndTime"] - params["StartTime"]).total_seconds()
        periods = {query["MetricStat"]["Period"] for query in params["MetricDataQueries"]}
        calls.append((len(params["MetricDataQueries"]), span, max(periods)))

    aws_session.client("cloudwatch").meta.events.register("provide-client-params.cloudwatch.GetMetricData", record)
    source = MetricsSource(aws_session, specs)
    assert source.fetch(RANGES["1h"]).api_calls == 2  # 1-minute buckets already are the latest data
    assert calls == [(500, 3600, 60), (100, 3600, 60)]
    calls.clear()
    week = source.fetch(RANGES["7d"])
    period = week.periods["m0"]
    assert period > 60 and week.api_calls == 4
    # Each batch: the range at its coarse period, then the last bucket's span at the metrics' own period.
    assert calls == [(500, RANGES["7d"], period), (500, period, 60), (100, RANGES["7d"], period), (100, period, 60)]
    assert all(queries * span / step <= 100_800 for queries, span, step in calls)


def test_high_resolution_metrics_keep_the_latest_call_within_the_points_limit(aws_session) -> None:
    specs = [MetricSpec(id=f"h{i}", namespace="Load", metric="Requests", dimensions={"Shard": str(i)},
                        stat="Sum", period=10) for i in range(500)]
    points: list[int] = []

    def record(params, **_) -> None:
        span = (params["EndTime"] - params["StartTime"]).total_seconds()
        points.append(sum(int(span // query["MetricStat"]["Period"]) for query in params["MetricDataQueries"]))

    aws_session.client("cloudwatch").meta.events.register("provide-client-params.cloudwatch.GetMetricData", record)
    MetricsSource(aws_session, specs).fetch(RANGES["7d"])
    assert len(points) == 2 and all(count <= 100_800 for count in points), points
