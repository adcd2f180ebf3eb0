"""Every catalog action against moto's server: plan, run, verify, inverse.

For each action: the plan shows the true before → after, running changes the state (read
back with raw boto3, not with the action's code), verify says so, and the inverse, run
in turn, puts back exactly the state that was there before.
"""
from __future__ import annotations

import pytest

from services.actions.base import Risk
from services.actions.catalog import CATALOG, build_action
from services.errors import Unsupported
from tests.support.action_cases import BY_ID, CASES, FUNCTION

SUPPORTED = [case for case in CASES if case.supported]


AWS_FAMILIES = {"lambda_config", "alarms", "sqs", "events", "iam", "ec2_nacl", "cognito", "dynamodb", "logs_export",
                "ses", "s3_versions", "neptune"}


def test_every_aws_catalog_action_has_a_case() -> None:
    aws_actions = {action_id for action_id, action in CATALOG.items() if action.__module__.rsplit(".", 1)[-1] in AWS_FAMILIES}
    assert len(aws_actions) == 27
    assert sorted(BY_ID) == sorted(aws_actions)


@pytest.mark.parametrize("case", SUPPORTED, ids=str)
def test_plan_run_verify_inverse(case, sentra, boto, aws_session) -> None:
    seeded = case.seed(boto)
    before = case.probe(boto, seeded)

    action = build_action(aws_session, case.action_id, seeded.target, seeded.params)
    plan = action.plan()
    assert {c.field: (c.before, c.after) for c in plan.changes} == case.changes
    assert plan.command.startswith("aws ")
    assert plan.reversible is case.reversible
    assert case.probe(boto, seeded) == before, "planning changed the state"

    action.run(plan)
    after = case.probe(boto, seeded)
    assert after != before
    assert case.ran(after), f"{case.action_id}: state after run is {after!r}"
    verification = action.verify(plan)
    assert verification.ok, verification.detail

    inverse = action.inverse(plan)
    if not case.reversible:
        assert inverse is None
        return
    assert inverse is not None
    undo_plan = inverse.plan()
    assert {c.field: (c.before, c.after) for c in undo_plan.changes} == {
        name: (new, old) for name, (old, new) in case.changes.items()}
    inverse.run(undo_plan)
    assert case.probe(boto, seeded) == before
    assert inverse.verify(undo_plan).ok


def test_concurrency_inverse_restores_a_previous_reservation(sentra, boto, aws_session) -> None:
    boto("lambda").put_function_concurrency(FunctionName=FUNCTION, ReservedConcurrentExecutions=50)
    action = build_action(aws_session, "lambda.set-concurrency", FUNCTION, {"concurrency": 0})
    plan = action.plan()
    assert plan.risk is Risk.HIGH
    action.run(plan)
    inverse = action.inverse(plan)
    assert inverse is not None
    inverse.run(inverse.plan())
    assert boto("lambda").get_function_concurrency(FunctionName=FUNCTION)["ReservedConcurrentExecutions"] == 50


def test_concurrency_above_zero_is_low_risk(sentra, aws_session) -> None:
    plan = build_action(aws_session, "lambda.set-concurrency", FUNCTION, {"concurrency": 20}).plan()
    assert plan.risk is Risk.LOW
    assert plan.command == ("aws lambda put-function-concurrency --function-name customer-sentra-scanner "
                            "--reserved-concurrent-executions 20")


def test_verify_fails_when_the_change_did_not_take(sentra, aws_session) -> None:
    action = build_action(aws_session, "lambda.set-timeout", FUNCTION, {"timeout": 600})
    plan = action.plan()
    verification = action.verify(plan)  # not run: AWS still says 300
    assert not verification.ok
    assert "timeout is 300, expected 600" in verification.detail


def test_nacl_deny_picks_the_next_free_rule_before_the_allow(sentra, boto, aws_session) -> None:
    from tests.support.action_cases import default_nacl

    acl = default_nacl(boto)
    first = build_action(aws_session, "ec2.nacl-deny", acl, {"cidr": "203.0.113.42"})
    first_plan = first.plan()
    assert first_plan.params["cidr"] == "203.0.113.42/32"
    first.run(first_plan)
    second_plan = build_action(aws_session, "ec2.nacl-deny", acl, {"cidr": "2001:db8::/64"}).plan()
    assert [c.field for c in second_plan.changes] == ["ingress rule 2"]
    assert "--ipv6-cidr-block 2001:db8::/64" in second_plan.command
    assert "comes before ALLOW rule 100" in second_plan.notes[0]


def test_redrive_dlq_is_unsupported_by_moto_and_says_so(sentra, boto, aws_session) -> None:
    action = build_action(aws_session, "sqs.redrive-dlq", "sentra-scanner-results-dlq", {})
    plan = action.plan()  # reading the DLQ works; only the move task is missing
    assert plan.command.startswith("aws sqs start-message-move-task --source-arn arn:aws:sqs:")
    with pytest.raises(Unsupported) as raised:
        action.run(plan)
    assert "not supported by this endpoint" in str(raised.value)
    with pytest.raises(Unsupported):  # remembered: no second round of retries against the endpoint
        action.run(plan)
