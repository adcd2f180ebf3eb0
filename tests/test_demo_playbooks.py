"""Every resolution step of the demo's playbooks plans against the seeded scenario."""
from __future__ import annotations

import pytest

from services.actions.executor import ActionExecutor
from services.timeline import Timeline

BOOKS = ["lambda_timeouts", "high_memory", "service_compromise", "sqs_failures", "s3_access_denied",
         "unauthorized_access"]


def test_the_demo_has_a_playbook_per_runbook_issue(demo_profile) -> None:
    assert [book.id for book in demo_profile.playbooks] == BOOKS
    alarms = {name for book in demo_profile.playbooks for name in book.alarms}
    assert {"sentra-lambda-duration", "sentra-lambda-memory", "sentra-sqs-failures", "sentra-lambda-errors"} <= alarms


@pytest.mark.parametrize("book_id", BOOKS)
def test_each_resolution_step_plans_on_the_seeded_system(book_id, demo_profile, sentra, aws_session, tmp_path) -> None:
    executor = ActionExecutor(aws_session, Timeline(tmp_path / "t.jsonl"), read_only=True, profile_name="demo")
    book = next(book for book in demo_profile.playbooks if book.id == book_id)
    assert book.resolution
    for step in book.resolution:
        _, plan = executor.prepare(step.action, step.target, dict(step.params))
        assert plan.action_id == step.action and plan.target == step.target
        assert plan.changes and plan.command.startswith("aws ")
