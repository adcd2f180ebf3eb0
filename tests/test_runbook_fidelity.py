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


async def test_004_duration_limits_follow_the_timeout_the_fix_raises(boto, aws_session, aws_target, tmp_path) -> None:
    """The Timeout fix raises the ingest's timeout from 300 s to 900 s: the duration tile's ▲ and ✖
    move to 80 % and 100 % of it, and the playbook's next step moves the alarm to 720 s, which the
    demo then evaluates against."""
    from services.actions.executor import ActionExecutor, Confirmation
    from services.incident.timeline import Timeline
    from services.sources import Sources
    from tests.support.waiting import until
    from tui.app import CockpitApp
    from tui.screens.dashboard import DashboardScreen
    from widgets.metric_tile import MetricTile

    scenario = seed_scenario("cloud-remediator-sage", boto)
    try:
        profile = profile_of(scenario)
        book = next(book for book in profile.playbooks if any(s.action == "lambda.set-timeout" for s in book.resolution))
        actions = [step.action for step in book.resolution]
        timeout_step = book.resolution[actions.index("lambda.set-timeout")]
        alarm_step = book.resolution[actions.index("lambda.set-timeout") + 1]
        assert (alarm_step.action, alarm_step.target, alarm_step.params) == (
            "alarm.set-threshold", "cloud-remediator-prowler-ingest-duration", {"threshold": 720000})
        app = CockpitApp(profile, aws_target)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and bool(app.screen.query(MetricTile)),
                        what="the tiles")
            tile = app.screen.query_one("#tile-duration", MetricTile)
            old = "▲4 min ✖5 min"  # 80 % and 100 % of 300 s
            await until(pilot, lambda: tile.reading.limits == old and tile.reading.value_text != "…",
                        what=lambda: f"300 s limits: {tile.reading.limits!r} {tile.reading.value_text!r}")
            # Run as the playbook's steps run (same executor); the tile follows without a restart.
            executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False,
                                      profile_name="demo")
            for step in (timeout_step, alarm_step):
                action, plan = executor.prepare(step.action, step.target, dict(step.params))
                outcome = executor.execute(action, plan, Confirmation(plan, typed_target=step.target))
                assert outcome.ok, (step.action, outcome.verification)
            dashboard = app.screen
            assert isinstance(dashboard, DashboardScreen)
            dashboard.refresh_after_action()
            new = "▲12 min ✖15 min"  # of 900 s
            await until(pilot, lambda: tile.reading.limits == new, what=lambda: f"900 s limits: {tile.reading.limits}")
            assert dashboard.metrics_pane.spec_of("duration").alert == 720000  # the detail's thresholds too
        alarm = boto("cloudwatch").describe_alarms(AlarmNames=["cloud-remediator-prowler-ingest-duration"])
        assert alarm["MetricAlarms"][0]["Threshold"] == 720000
        tick(scenario, 5)
        assert scenario.duration_limit == 720000  # the demo evaluates the moved alarm
    finally:
        scenario.close()


def test_limits_of_a_timeout_need_a_time_unit_and_a_fraction() -> None:
    from services.profile import ProfileError, parse_profile

    base = ('[system]\nname = "x"\n[[metrics]]\nid = "d"\nnamespace = "AWS/Lambda"\nmetric = "Duration"\n'
            'stat = "Maximum"\nperiod = 60\n')
    with pytest.raises(ProfileError) as caught:
        parse_profile(base + 'unit = "%"\nlimits_of = { lambda_timeout = "f", alert = 0.8 }\n', "p.toml")
    assert any('unit must be "ms" or "s"' in line for line in caught.value.lines), caught.value.lines
    with pytest.raises(ProfileError) as caught:
        parse_profile(base + 'unit = "ms"\nlimits_of = { lambda_timeout = "f" }\n', "p.toml")
    assert any("limits_of needs alert, critical or both" in line for line in caught.value.lines), caught.value.lines


def test_000_memory_tile_has_the_runbooks_levels_and_its_alarm_follows_the_episode(sentra, boto, aws_session,
                                                                                    tmp_path) -> None:
    """Runbook 000's table (memory > 90 % warning, > 95 % critical) as a Lambda Insights tile; the memory
    episode puts sentra-lambda-memory in ALARM and the playbook's 1024 MB brings it back to OK."""
    from services.actions.executor import ActionExecutor, Confirmation
    from services.aws.metrics import MetricsSource
    from services.demo.catalog import scenario_profile_path
    from services.demo.scenarios.sentra_scanner import utcnow
    from services.incident.timeline import Timeline
    from services.profile import load_profile
    from services.sources import Sources

    profile = load_profile(scenario_profile_path("sentra-scanner"))
    memory = next(spec for spec in profile.tiles if spec.id == "memory")
    assert (memory.namespace, memory.metric, memory.alert, memory.critical) == (
        "LambdaInsights", "memory_utilization", 90, 95)

    def state() -> str:
        return boto("cloudwatch").describe_alarms(AlarmNames=["sentra-lambda-memory"])["MetricAlarms"][0]["StateValue"]

    for _ in range(3):
        sentra.tick(utcnow())
    assert state() == "OK"
    sentra.tick_count = 130  # the memory episode
    for _ in range(5):
        sentra.tick(utcnow())
    assert sentra.phase() == "high_memory" and state() == "ALARM"
    latest = MetricsSource(aws_session, profile.metrics).fetch(900).series["memory"].latest
    assert latest is not None and latest > 90
    book = next(book for book in profile.playbooks if "sentra-lambda-memory" in book.alarms)
    assert "metric:memory" in book.diagnosis
    step = book.resolution[0]
    executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False,
                              profile_name="demo")
    action, plan = executor.prepare(step.action, step.target, dict(step.params))
    assert executor.execute(action, plan, Confirmation(plan, typed_target=step.target)).ok
    for _ in range(31):  # the 30-tick window forgets the 512 MB invocations
        sentra.tick(utcnow())
    assert sentra.phase() == "high_memory" and state() == "OK"
    assert max(sentra.memory) < 55


def test_001_query_execution_time_is_athenas_not_the_lambdas(boto, aws_session) -> None:
    from services.aws.metrics import MetricsSource

    scenario = seed_scenario("mantissa-log", boto)
    try:
        profile = profile_of(scenario)
        spec = next(spec for spec in profile.tiles if spec.id == "query_time")
        assert (spec.namespace, spec.metric, dict(spec.dimensions)) == (
            "AWS/Athena", "TotalExecutionTime", {"WorkGroup": "mantissa-log"})
        tick(scenario, CYCLE)
        series = MetricsSource(aws_session, profile.metrics).fetch(3600).series["query_time"]
        assert series.values and 500 < series.values[-1] < 10_000  # one query's milliseconds, not a whole run's
    finally:
        scenario.close()


def test_002_email_playbook_re_verifies_the_sender_and_names_no_invented_schedule(boto, aws_session, tmp_path) -> None:
    """Runbook 002's Email Delivery Failures resolutions: re-verify the identity (an API call); quota and
    reputation are a support request and a script. The demo has only the weekly schedule the runbook names."""
    from services.actions.executor import ActionExecutor, Confirmation
    from services.incident.timeline import Timeline
    from services.sources import Sources

    scenario = seed_scenario("lambda-cost-reporting", boto)
    try:
        profile = profile_of(scenario)
        book = next(book for book in profile.playbooks if book.id == "email_failures")
        [step] = book.resolution
        assert (step.action, step.target) == ("ses.verify-identity", "reports@yourcompany.com")
        rules = {rule["Name"] for rule in boto("events").list_rules(NamePrefix="cost-reporting")["Rules"]}
        assert rules == {"cost-reporting-weekly-schedule"}
        alarm = boto("cloudwatch").describe_alarms(AlarmNames=["CostReporting-EmailFailures"])["MetricAlarms"][0]
        assert "names the alarm, not its threshold" in alarm["AlarmDescription"]
        executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False,
                                  profile_name="demo")
        action, plan = executor.prepare(step.action, step.target, {})
        assert plan.changes[0].before == "Success" and "verified already" in plan.notes[0]
        assert plan.command == "aws ses verify-email-identity --email-address reports@yourcompany.com"
        assert executor.execute(action, plan, Confirmation(plan, typed_target=step.target)).ok
    finally:
        scenario.close()
