"""MetricsSource against moto's server: batching, values, metric math, bands."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.aws.metrics import MetricsSource
from services.profile import MetricSpec
from services.thresholds import band_of


def _count_calls(aws_session) -> list[int]:
    calls: list[int] = []
    client = aws_session.client("cloudwatch")
    client.meta.events.register("provide-client-params.cloudwatch.GetMetricData",
                                lambda params, **_: calls.append(len(params["MetricDataQueries"])))
    return calls


def _put(boto, namespace: str, name: str, values: list[float], dims: dict[str, str] | None = None) -> datetime:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    data = [{"MetricName": name, "Value": v, "Timestamp": now - timedelta(minutes=len(values) - i),
             "Dimensions": [{"Name": k, "Value": val} for k, val in (dims or {}).items()]} for i, v in enumerate(values)]
    boto("cloudwatch").put_metric_data(Namespace=namespace, MetricData=data)
    return now


def test_600_queries_take_two_calls(aws_session, boto) -> None:
    specs = [MetricSpec(id=f"m{i}", namespace="Load", metric="Requests", dimensions={"Shard": str(i)},
                        stat="Sum", period=60) for i in range(600)]
    _put(boto, "Load", "Requests", [7.0], {"Shard": "599"})
    calls = _count_calls(aws_session)
    snapshot = MetricsSource(aws_session, specs).fetch(3600)
    assert calls == [500, 100]
    assert snapshot.api_calls == 2
    assert snapshot.series["m599"].values == (7.0,)
    assert snapshot.series["m0"].values == ()


def test_1200_queries_take_three_calls(aws_session) -> None:
    specs = [MetricSpec(id=f"m{i}", namespace="Load", metric="Requests", stat="Sum", period=60) for i in range(1200)]
    calls = _count_calls(aws_session)
    MetricsSource(aws_session, specs).fetch(900)
    assert calls == [500, 500, 200]


def test_seeded_values_and_the_arithmetic_expression(aws_session, boto) -> None:
    _put(boto, "AWS/Lambda", "Errors", [1, 2, 0, 3], {"FunctionName": "f"})
    _put(boto, "AWS/Lambda", "Invocations", [10, 20, 0, 30], {"FunctionName": "f"})
    dims = {"FunctionName": "f"}
    specs = [
        MetricSpec(id="errors", namespace="AWS/Lambda", metric="Errors", dimensions=dims, stat="Sum", period=60, hidden=True),
        MetricSpec(id="invocations", namespace="AWS/Lambda", metric="Invocations", dimensions=dims, stat="Sum", period=60),
        MetricSpec(id="error_rate", expression="100 * errors / invocations", unit="%", alert=5, critical=10),
    ]
    source = MetricsSource(aws_session, specs)
    # The hidden input is fetched because the local expression needs its values.
    assert source.queries["errors"]["ReturnData"] is True
    assert "error_rate" not in source.queries
    snapshot = source.fetch(3600)
    assert snapshot.series["invocations"].values == (10, 20, 0, 30)
    # 0/0 has no point, as in CloudWatch.
    assert snapshot.series["error_rate"].values == (10.0, 10.0, 10.0)


def test_a_server_side_expression_goes_with_its_hidden_inputs(aws_session) -> None:
    specs = [MetricSpec(id=f"in{i}", namespace="N", metric="M", stat="Sum", period=60, hidden=True) for i in range(3)]
    specs.append(MetricSpec(id="filled", expression="FILL(in0, 0) + in1"))
    specs += [MetricSpec(id=f"other{i}", namespace="N", metric="O", stat="Sum", period=60) for i in range(4)]
    source = MetricsSource(aws_session, specs, max_queries=3)
    assert source.queries["filled"]["Expression"] == "FILL(in0, 0) + in1"
    assert source.queries["in0"]["ReturnData"] is False
    assert "in2" not in source.queries  # hidden and used by nothing
    batches = [{query["Id"] for query in batch} for batch in source.batches]
    assert {"filled", "in0", "in1"} in batches
    assert all(len(batch) <= 3 for batch in batches)
    source.fetch(600)  # the endpoint accepts the call shape


def test_bands_respect_direction() -> None:
    assert band_of(300000, 60000, 240000) == "critical"
    assert band_of(70000, 60000, 240000) == "alert"
    assert band_of(100, 60000, 240000) == "normal"
    assert band_of(0.2, None, 0.5, "below") == "critical"
    assert band_of(3, None, 0.5, "below") == "normal"
    assert band_of(None, 1, 2) == "unknown"


def _count_points(aws_session) -> list[tuple[int, int]]:
    """(queries, points the call may return at most) for each GetMetricData call."""
    calls: list[tuple[int, int]] = []

    def record(params, **_):
        span = (params["EndTime"] - params["StartTime"]).total_seconds()
        points = 0
        for query in params["MetricDataQueries"]:
            if query.get("ReturnData", True):
                period = query["MetricStat"]["Period"] if "MetricStat" in query else query.get("Period", 60)
                points += int(-(-span // period))
        calls.append((len(params["MetricDataQueries"]), points))

    aws_session.client("cloudwatch").meta.events.register("provide-client-params.cloudwatch.GetMetricData", record)
    return calls


def test_the_period_follows_the_range_so_one_call_stays_within_100800_points(aws_session) -> None:
    specs = [MetricSpec(id=f"m{i}", namespace="Load", metric="Requests", dimensions={"Shard": str(i)},
                        stat="Sum", period=60) for i in range(1200)]
    source = MetricsSource(aws_session, specs)
    assert source.periods(900)["m0"] == 60
    assert source.periods(3 * 3600)["m0"] == 60  # 180 points × 500 queries = 90,000
    assert source.periods(12 * 3600)["m0"] == 240  # 720 points would be 360,000 in one call
    assert source.periods(7 * 86400)["m0"] == 3060
    calls = _count_points(aws_session)
    source.fetch(12 * 3600)
    # Each batch at 240 s, then its last bucket at 60 s (the tiles' latest values, see test_metrics_latest.py).
    assert [queries for queries, _ in calls] == [500, 500, 500, 500, 200, 200]
    assert all(points <= 100_800 for _, points in calls), calls


def test_a_small_profile_keeps_its_periods_up_to_a_day(aws_session, boto) -> None:
    now = _put(boto, "App", "Latency", [5.0] * 30)
    specs = [MetricSpec(id="latency", namespace="App", metric="Latency", stat="Average", period=60),
             MetricSpec(id="slow", namespace="App", metric="Latency", stat="Maximum", period=300)]
    source = MetricsSource(aws_session, specs)
    assert source.periods(86400) == {"latency": 60, "slow": 300}
    assert source.periods(7 * 86400)["latency"] == 420  # 1,440 points per series at most
    assert source.refresh_interval(3600) == 60  # default: the smallest period in use
    assert source.refresh_interval(7 * 86400) == 420  # never faster than the periods need
    assert source.refresh_interval(3600, configured=5) == 5
    snapshot = source.fetch(7 * 86400, end=now)
    assert snapshot.periods["latency"] == 420
    assert sum(snapshot.series["latency"].values) > 0
    assert all((b - a).total_seconds() % 420 == 0 for a, b in zip(snapshot.series["latency"].timestamps,
                                                                   snapshot.series["latency"].timestamps[1:], strict=False))


def test_below_thresholds_band_the_latest_value_fetched(aws_session, boto) -> None:
    _put(boto, "Sentra/EmailScanner", "FilesProcessed", [30, 28, 0.2])
    _put(boto, "Sentra/EmailScanner", "Queue", [3, 4, 9])
    specs = [MetricSpec(id="files", namespace="Sentra/EmailScanner", metric="FilesProcessed", stat="Sum", period=60,
                        direction="below", alert=10, critical=0.5),
             MetricSpec(id="queue", namespace="Sentra/EmailScanner", metric="Queue", stat="Maximum", period=60,
                        alert=5, critical=8)]
    snapshot = MetricsSource(aws_session, specs).fetch(900)
    bands = {spec.id: band_of(snapshot.series[spec.id].latest, spec.alert, spec.critical, spec.direction)
             for spec in specs}
    assert bands == {"files": "critical", "queue": "critical"}
    files = snapshot.series["files"].values
    assert [band_of(v, 10, 0.5, "below") for v in files] == ["normal", "normal", "critical"]


def test_a_server_side_expression_is_sent_in_the_same_call_and_its_inputs_hidden(aws_session, boto) -> None:
    _put(boto, "N", "M", [1.0, 2.0, 3.0])
    specs = [MetricSpec(id="raw", namespace="N", metric="M", stat="Sum", period=60, hidden=True),
             MetricSpec(id="shown", namespace="N", metric="M", stat="Maximum", period=60),
             MetricSpec(id="filled", expression="FILL(raw, 0)"),
             MetricSpec(id="double", expression="2 * shown")]
    sent: list[list[dict]] = []
    aws_session.client("cloudwatch").meta.events.register(
        "provide-client-params.cloudwatch.GetMetricData", lambda params, **_: sent.append(params["MetricDataQueries"]))
    snapshot = MetricsSource(aws_session, specs).fetch(900)
    assert len(sent) == 1
    by_id = {query["Id"]: query for query in sent[0]}
    assert by_id["filled"]["Expression"] == "FILL(raw, 0)" and by_id["filled"]["Period"] == 60
    assert by_id["raw"]["ReturnData"] is False
    assert "double" not in by_id  # arithmetic: computed here from "shown"
    assert snapshot.series["double"].values == (2.0, 4.0, 6.0)
    assert snapshot.series["filled"].error is None  # moto answers expressions empty, and that is not an error


def test_next_token_pages_are_followed(aws_session) -> None:
    """moto's server never pages GetMetricData: the real API's shape at the boto3 level."""
    from datetime import UTC, datetime

    from botocore.stub import ANY, Stubber

    specs = [MetricSpec(id="m", namespace="N", metric="M", stat="Sum", period=60)]
    t0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    t1 = datetime(2026, 1, 1, 12, 1, tzinfo=UTC)
    stubber = Stubber(aws_session.client("cloudwatch"))
    expected = {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampAscending"}
    stubber.add_response("get_metric_data", {"MetricDataResults": [
        {"Id": "m", "Timestamps": [t0], "Values": [1.0], "StatusCode": "PartialData"}], "NextToken": "page-2"}, expected)
    stubber.add_response("get_metric_data", {"MetricDataResults": [
        {"Id": "m", "Timestamps": [t1], "Values": [2.0], "StatusCode": "Complete"}]}, {**expected, "NextToken": "page-2"})
    with stubber:
        snapshot = MetricsSource(aws_session, specs).fetch(900, end=datetime(2026, 1, 1, 12, 5, tzinfo=UTC))
    stubber.assert_no_pending_responses()
    assert snapshot.api_calls == 2
    assert snapshot.series["m"].values == (1.0, 2.0)
