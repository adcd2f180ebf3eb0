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
