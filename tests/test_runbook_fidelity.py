"""Runbook fidelity items (Queries issue, item 6) fixed in the demo profiles: one test each."""
from __future__ import annotations

import pytest

from services.aws.resource_links import resources_for_metric
from services.demo.scenarios.mantissa_log import CYCLE
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


def test_001_high_costs_reduce_the_detection_frequency_not_stop_it(boto, aws_session, tmp_path) -> None:
    """The runbook reduces the frequency: the playbook's events.set-schedule makes one run in three,
    the rule stays enabled, and undo restores rate(5 minutes)."""
    from services.actions.executor import ActionExecutor, Confirmation
    from services.incident.timeline import Timeline
    from services.sources import Sources

    scenario = seed_scenario("mantissa-log", boto)
    try:
        profile = profile_of(scenario)
        step = next(book for book in profile.playbooks if book.id == "high_costs").resolution[0]
        assert (step.action, dict(step.params)) == ("events.set-schedule", {"schedule": "rate(15 minutes)"})
        started = [0]
        detection_run = scenario._detection_run

        def counted(*args, **kwargs):
            started[0] += 1
            return detection_run(*args, **kwargs)

        scenario._detection_run = counted

        def runs(cycles: int) -> int:
            """Detection runs over ``cycles`` whole cycles of the simulator (rate(5 minutes) = one a cycle)."""
            before = started[0]
            scenario.tick_count = (scenario.tick_count // CYCLE + 1) * CYCLE - 1  # the next tick starts a cycle
            tick(scenario, cycles * CYCLE)
            return started[0] - before

        assert runs(3) == 3  # rate(5 minutes): every cycle
        executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False,
                                  profile_name="demo")
        action, plan = executor.prepare(step.action, step.target, dict(step.params))
        outcome = executor.execute(action, plan, Confirmation(plan))
        assert outcome.ok and outcome.inverse is not None
        assert runs(3) == 1  # one in three
        rule = boto("events").describe_rule(Name=step.target)
        assert (rule["State"], rule["ScheduleExpression"]) == ("ENABLED", "rate(15 minutes)")
        assert rule["Description"] == "Runs the Mantissa Log detection engine"  # put-rule kept what it was not told
        undo, undo_plan = executor.undo(outcome)
        assert executor.execute(undo, undo_plan, Confirmation(undo_plan)).ok
        assert boto("events").describe_rule(Name=step.target)["ScheduleExpression"] == "rate(5 minutes)"
    finally:
        scenario.close()


def test_backups_are_named_as_the_runbooks_name_them(boto, aws_session) -> None:
    """001: mantissa-log-state-YYYYMMDD; 002: weekly-backup-YYYYMMDD; {date} is filled in when planned."""
    from datetime import UTC, datetime

    from services.actions.catalog import build_action
    from services.errors import BadInput

    today = datetime.now(UTC).strftime("%Y%m%d")
    for name, table, expected in (("mantissa-log", "mantissa-log-state", f"mantissa-log-state-{today}"),
                                  ("lambda-cost-reporting", "cost-reporting-clients", f"weekly-backup-{today}")):
        scenario = seed_scenario(name, boto)
        try:
            steps = [step for book in profile_of(scenario).playbooks for step in book.resolution
                     if step.action == "dynamodb.backup"]
            assert [step.target for step in steps] == [table]
            plan = build_action(aws_session, "dynamodb.backup", table, dict(steps[0].params)).plan()
            assert plan.changes[0].field == f"backup {expected}"
            assert plan.command.endswith(f"--backup-name {expected}")
        finally:
            scenario.close()
    with pytest.raises(BadInput, match="backup_name"):  # a character create-backup refuses: refused before planning
        build_action(aws_session, "dynamodb.backup", "cost-reporting-clients", {"backup_name": "{date}/x"}).plan()
    with pytest.raises(BadInput, match="placeholders"):  # braces that are no placeholder: refused once filled in
        build_action(aws_session, "dynamodb.backup", "cost-reporting-clients", {"backup_name": "week-{day}"}).plan()
