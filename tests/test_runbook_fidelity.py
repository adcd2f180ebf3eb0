"""Runbook fidelity items (Queries issue, item 6) fixed in the demo profiles: one test each."""
from __future__ import annotations

from services.aws.resource_links import resources_for_metric
from tests.support.demo_scenarios import profile_of, seed_scenario, tick


def test_002_memory_is_lambda_insights_and_the_tile_has_data(boto, aws_session) -> None:
    """AWS/Lambda has no MemoryUtilization: the tile reads LambdaInsights memory_utilization, and o on it
    opens the function."""
    from services.aws.metrics import MetricsSource

    scenario = seed_scenario("lambda-cost-reporting", boto)
    try:
        profile = profile_of(scenario)
        memory = next(spec for spec in profile.metrics if spec.id == "memory")
        assert (memory.namespace, memory.metric, dict(memory.dimensions)) == (
            "LambdaInsights", "memory_utilization", {"function_name": "cost-reporting-lambda"})
        assert resources_for_metric("memory", profile.metrics, profile.resources) == ["reporter"]
        tick(scenario, 3)
        snapshot = MetricsSource(aws_session, profile.metrics).fetch(3600)
        assert any(value is not None for value in snapshot.series["memory"].values)
        names = {m["MetricName"] for m in boto("cloudwatch").list_metrics(Namespace="AWS/Lambda")["Metrics"]}
        assert "MemoryUtilization" not in names
    finally:
        scenario.close()
