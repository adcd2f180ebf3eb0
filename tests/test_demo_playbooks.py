"""Every resolution step of the demo's playbooks plans against the seeded scenario."""
from __future__ import annotations

import pytest

from services.actions.executor import ActionExecutor
from services.incident.timeline import Timeline
from services.sources import Sources

BOOKS = ["lambda_timeouts", "high_memory", "service_compromise", "sqs_failures", "s3_access_denied",
         "unauthorized_access", "configuration_backup"]


def test_the_demo_has_a_playbook_per_runbook_issue(demo_profile) -> None:
    assert [book.id for book in demo_profile.playbooks] == BOOKS
    alarms = {name for book in demo_profile.playbooks for name in book.alarms}
    assert {"sentra-lambda-duration", "sentra-lambda-memory", "sentra-sqs-failures", "sentra-lambda-errors"} <= alarms


def test_each_demo_alarm_opens_the_playbook_of_the_episode_that_fires_it(demo_profile) -> None:
    """The timeout episode fires the errors alarm (a timed-out invocation is an error): its playbook is the
    timeout one, not S3 access; the SQS failures' first step is the permission the logs say is missing."""
    from services.aws.alarm_links import playbooks_for_alarm

    books = demo_profile.playbooks
    assert [book.id for book in playbooks_for_alarm("sentra-lambda-errors", books)] == ["lambda_timeouts"]
    assert [book.id for book in playbooks_for_alarm("sentra-lambda-duration", books)] == ["lambda_timeouts"]
    sqs = next(book for book in books if book.id == "sqs_failures")
    assert (sqs.resolution[0].action, sqs.resolution[0].params["action"]) == ("iam.grant", "sqs:SendMessage")
    assert "resource:execution_role" in sqs.diagnosis


def test_the_runbook_named_by_a_demo_profile_is_not_a_missing_file() -> None:
    from pathlib import Path

    from services.profile import load_profile

    for path in sorted((Path(__file__).resolve().parent.parent / "services/demo/profiles").glob("*.toml")):
        runbook = load_profile(path).system.runbook
        if runbook and runbook.endswith(".md"):
            assert (path.parent / runbook).is_file(), f"{path}: runbook {runbook} does not exist"


@pytest.mark.parametrize("book_id", BOOKS)
def test_each_resolution_step_plans_on_the_seeded_system(book_id, demo_profile, sentra, aws_session, tmp_path) -> None:
    executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=True, profile_name="demo")
    book = next(book for book in demo_profile.playbooks if book.id == book_id)
    assert book.resolution
    for step in book.resolution:
        _, plan = executor.prepare(step.action, step.target, dict(step.params))
        assert plan.action_id == step.action and plan.target == step.target
        assert plan.changes and plan.command.startswith("aws ")


def test_the_timeout_playbook_ends_the_failures_in_the_demo(sentra, boto, aws_session, tmp_path) -> None:
    """The simulator's alarms follow its data: the runbook's fix (timeout 600 s) clears the errors alarm."""
    from datetime import UTC, datetime

    from services.actions.executor import Confirmation

    def play(ticks: int) -> None:
        for _ in range(ticks):
            sentra.tick(datetime.now(UTC))

    def state(name: str) -> str:
        return boto("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]

    sentra.tick_count = 39  # the timeouts episode: ticks 40 to 99 of each loop
    play(20)
    assert sentra.phase() == "timeouts"
    assert state("sentra-lambda-errors") == "ALARM"
    executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False, profile_name="demo")
    action, plan = executor.prepare("lambda.set-timeout", "customer-sentra-scanner", {"timeout": 600})
    assert executor.execute(action, plan, Confirmation(plan)).ok
    sentra.tick_count = 39
    play(60)  # the same episode again, a whole alarm window long, with the new timeout
    assert sentra.phase() == "timeouts"
    assert state("sentra-lambda-errors") == "OK"
