"""Each resource action's plan ``command``, run through the real aws CLI against moto, does what
the cockpit's own run does (issue 14, item 5)."""
from __future__ import annotations

from typing import Any

import pytest

from services.actions.catalog import build_action
from services.actions.iam_grant import grant_sid
from tests.support.resource_actions import (
    BIN,
    FUNCTION,
    QUEUE,
    READ_S3,
    ROLE,
    SEND,
    Client,
    alias_version,
    depth,
    inline_policy,
    post,
    received,
    run_cli,
    seed_function,
    seed_queue,
    seed_role,
)
from tests.support.resource_fixtures import client, endpoint, lambda_moto, session  # noqa: F401 - fixtures


# ---------------------------------------------------------------- the plan's command through the real aws CLI
def _rollback_state(client: Client) -> Any:
    return alias_version(client)


def _send_state(client: Client) -> Any:
    url = client("sqs").get_queue_url(QueueName=QUEUE)["QueueUrl"]
    return depth(client, url), received(client, url)


CLI_CASES = [
    ("lambda.rollback", lambda c: seed_function(c), FUNCTION, {"alias": "live"}, _rollback_state, "2"),
    ("sqs.send-test", seed_queue, QUEUE, {"body": "it's a \"test\" from $HOME", "attributes": {"origin": "cockpit"}},
     _send_state, (1, [("it's a \"test\" from $HOME", {"origin": "cockpit"})])),
    ("iam.grant", lambda c: seed_role(c, existing=[READ_S3]), ROLE, SEND, inline_policy,
     {"Version": "2012-10-17", "Statement": [READ_S3, {"Sid": grant_sid(**SEND), "Effect": "Allow",
                                                      "Action": SEND["action"], "Resource": SEND["resource"]}]}),
]


@pytest.mark.parametrize("action_id, seed, target, params, probe, expected", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_the_plan_command_through_the_aws_cli_does_what_the_cockpit_does(
        action_id, seed, target, params, probe, expected, endpoint, client, session) -> None:
    assert (BIN / "aws").exists(), "the aws CLI is required: it is in the test extra"
    seed(client)
    seeded = probe(client)
    action = build_action(session, action_id, target, params)
    action.run(action.plan())
    by_cockpit = probe(client)

    post(f"{endpoint}/moto-api/reset", "")
    seed(client)
    plan = build_action(session, action_id, target, params).plan()
    cli = run_cli(plan.command, endpoint)
    assert cli.returncode == 0, f"{plan.command}\n{cli.stderr}"
    assert probe(client) == by_cockpit == expected
    assert by_cockpit != seeded
