"""The resource actions (issue 14, item 5) against moto's server: rollback, test invocation,
test message, grant, and purge's safety; each plan's ``aws`` command through the real CLI.
The server is this module's own (see tests/support/resource_actions.py: Lambda without Docker).
"""
from __future__ import annotations

import base64
import json
import shlex
import socket

import pytest

from services.actions.base import Risk
from services.actions.catalog import CATALOG, build_action
from services.actions.executor import Confirmation
from services.actions.iam_grant import compact, grant_sid
from services.actions.lambda_invoke import log_tail
from services.aws.session import AwsSession
from services.errors import BadInput, NotConfirmed
from services.incident.timeline import read_timeline
from tests.support.resource_actions import (
    FUNCTION,
    PROFILE,
    QUEUE,
    READ_S3,
    ROLE,
    SECRET,
    SEND,
    alias_version,
    changes,
    clients,
    depth,
    executor,
    inline_policy,
    lambda_moto_server,
    post,
    received,
    seed_function,
    seed_queue,
    seed_role,
    session_for,
    steps,
    swapped,
    zipped,
)
from tests.support.resource_fixtures import client, endpoint, lambda_moto, session  # noqa: F401 - fixtures
from tui.cli.main import main


# ---------------------------------------------------------------- catalog
def test_the_resource_actions_are_in_the_catalog_with_their_risks() -> None:
    risks = {action_id: CATALOG[action_id].risk for action_id in (
        "lambda.rollback", "lambda.invoke", "sqs.purge", "sqs.send-test", "iam.grant", "iam.revoke-grant")}
    assert risks == {"lambda.rollback": Risk.HIGH, "lambda.invoke": Risk.LOW, "sqs.purge": Risk.DESTRUCTIVE,
                     "sqs.send-test": Risk.LOW, "iam.grant": Risk.HIGH, "iam.revoke-grant": Risk.HIGH}


@pytest.mark.parametrize("action_id, params, message", [
    ("lambda.rollback", {}, "alias: Field required"),
    ("lambda.rollback", {"alias": "live", "version": 0}, "version: Input should be greater than or equal to 1"),
    ("lambda.invoke", {"payload": "{not json"}, "the payload is JSON"),
    ("iam.grant", {"action": "SendMessage", "resource": "*"}, "action: String should match pattern"),
    ("iam.grant", {"action": "sqs:SendMessage", "resource": "queue"}, "resource: String should match pattern"),
])
def test_bad_parameters_are_one_line_before_anything_is_read(action_id, params, message) -> None:
    with pytest.raises(BadInput) as raised:
        build_action(None, action_id, "some-target", params)
    assert str(raised.value).startswith(f"bad input: {action_id}: ") and message in str(raised.value)


# ---------------------------------------------------------------- lambda.rollback
def test_rollback_plans_the_move_to_the_version_before_runs_verifies_and_undoes(client, session) -> None:
    published = seed_function(client)
    action = build_action(session, "lambda.rollback", FUNCTION, {"alias": "live"})
    plan = action.plan()
    assert plan.params == {"alias": "live", "version": 2}  # resolved: the re-plan before running is the same
    assert published["3"]["CodeSha256"] != published["2"]["CodeSha256"]
    assert changes(plan) == {"alias live": ("3", "2"),
                             "code sha256": (published["3"]["CodeSha256"], published["2"]["CodeSha256"]),
                             "version date": (published["3"]["LastModified"], published["2"]["LastModified"])}
    assert plan.command == f"aws lambda update-alias --function-name {FUNCTION} --name live --function-version 2"
    assert plan.risk is Risk.HIGH and plan.reversible
    assert any(note.startswith("version 2: published") and "'deploy 2'" in note for note in plan.notes)
    assert alias_version(client) == "3", "planning changed the alias"
    assert not action.verify(plan).ok  # not run yet: the read-back says so

    action.run(plan)
    assert alias_version(client) == "2"
    verification = action.verify(plan)
    assert verification.ok, verification.detail

    inverse = action.inverse(plan)
    assert inverse is not None, "a rollback is reversible"
    undo = inverse.plan()
    assert changes(undo) == swapped(plan)
    inverse.run(undo)
    assert alias_version(client) == "3"
    assert inverse.verify(undo).ok


def test_rollback_to_a_named_version_through_the_executor_and_its_undo(client, session, tmp_path) -> None:
    seed_function(client)
    run = executor(session, tmp_path)
    action, plan = run.prepare("lambda.rollback", FUNCTION, {"alias": "live", "version": 1})
    assert changes(plan)["alias live"] == ("3", "1")
    with pytest.raises(NotConfirmed):
        run.execute(action, plan, Confirmation(plan))  # high risk: the function's name must be typed
    assert alias_version(client) == "3"
    outcome = run.execute(action, plan, Confirmation(plan, typed_target=FUNCTION))
    assert outcome.ok and alias_version(client) == "1"
    undo_action, undo_plan = run.undo(outcome)
    assert changes(undo_plan)["alias live"] == ("1", "3")
    assert run.execute(undo_action, undo_plan, Confirmation(undo_plan, typed_target=FUNCTION)).ok
    assert alias_version(client) == "3"
    assert steps(tmp_path) == ["planned", "refused", "confirmed", "started", "succeeded", "verified",
                               "planned", "confirmed", "started", "succeeded", "verified", "undone"]


def test_rollback_without_an_earlier_version_is_one_line_and_nothing_runs(client, session, tmp_path) -> None:
    seed_function(client, versions=1)
    with pytest.raises(BadInput) as raised:
        executor(session, tmp_path).prepare("lambda.rollback", FUNCTION, {"alias": "live"})
    assert str(raised.value) == ("bad input: lambda.rollback: alias live points to version 1: "
                                 "there is no earlier published version")
    assert steps(tmp_path) == [] and alias_version(client) == "1"


@pytest.mark.parametrize("target, params, message", [
    (FUNCTION, {"alias": "canary"}, f"{FUNCTION} has no alias 'canary' (aliases: live)"),
    (FUNCTION, {"alias": "live", "version": 9}, f"{FUNCTION} has no published version 9 (published: 1, 2, 3)"),
    ("no-such-function", {"alias": "live"}, "no Lambda function named 'no-such-function'"),
])
def test_rollback_to_what_does_not_exist_is_one_line(target, params, message, client, session) -> None:
    seed_function(client)
    with pytest.raises(BadInput) as raised:
        build_action(session, "lambda.rollback", target, params).plan()
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_cockpit_plan_shows_a_rollback_and_runs_nothing(client, endpoint, capsys) -> None:
    seed_function(client)
    assert main(["plan", "lambda.rollback", FUNCTION, "alias=live", "--profile", PROFILE, "--endpoint-url", endpoint]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  alias live: 3 → 2" in lines and "risk:    high · reversible" in lines
    assert f"         running it asks you to type '{FUNCTION}'" in lines
    assert lines[-1] == f"aws lambda update-alias --function-name {FUNCTION} --name live --function-version 2"
    assert alias_version(client) == "3"


# ---------------------------------------------------------------- lambda.invoke
def test_invoke_runs_once_through_the_executor_and_reports_what_came_back(client, session, tmp_path) -> None:
    seed_function(client)
    run = executor(session, tmp_path)
    action, plan = run.prepare("lambda.invoke", FUNCTION, {"payload": {"probe": "cockpit"}})
    assert plan.risk is Risk.LOW and not plan.reversible
    assert "invokes the function once" in plan.notes[0].lower()
    assert changes(plan) == {"test invocation": (None, "once, version $LATEST")}
    assert plan.command == (f"aws lambda invoke --function-name {FUNCTION} --payload '{{\"probe\":\"cockpit\"}}' "
                            "--log-type Tail response.json")
    outcome = run.execute(action, plan, Confirmation(plan))
    assert outcome.ok and outcome.verification is not None, outcome.verification
    assert outcome.result["status code"] == 200 and outcome.result["function error"] is None
    assert outcome.result["response"] == '{"probe":"cockpit"}'  # moto without Docker echoes the event it received
    assert outcome.result["log tail"] == [] and "no log tail" in outcome.verification.detail
    assert outcome.inverse is None
    assert steps(tmp_path) == ["planned", "confirmed", "started", "succeeded", "verified"]


def test_invoke_of_an_unknown_qualifier_is_one_line(client, session) -> None:
    seed_function(client)
    with pytest.raises(BadInput) as raised:
        build_action(session, "lambda.invoke", FUNCTION, {"qualifier": "canary"}).plan()
    assert f"{FUNCTION} has no version or alias 'canary'" in str(raised.value)


def test_a_function_error_is_shown_and_fails_the_verification() -> None:
    """moto's Docker backend with no Docker engine behind it answers a Handled function error (status 200)."""
    with lambda_moto_server(docker_host="unix:///nonexistent/docker.sock") as docker_moto:  # never an engine, anywhere
        boto = clients(docker_moto)
        role = boto("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        boto("lambda").create_function(FunctionName=FUNCTION, Runtime="python3.12", Role=role, Handler="detector.handler",
                                       Code={"ZipFile": zipped("VERSION = 1")})
        action = build_action(session_for(docker_moto), "lambda.invoke", FUNCTION, {})
        plan = action.plan()
        result = action.run(plan)
        verification = action.verify(plan)
    assert result["status code"] == 200 and result["function error"] == "Handled"
    assert "docker" in result["response"].lower()
    assert not verification.ok
    assert verification.detail.startswith("status 200, function error Handled: ")


def test_the_log_tail_is_decoded_cut_to_its_last_lines_and_sanitised() -> None:
    lines = ["START RequestId: 0f1e Version: $LATEST"] + [f"scan {n} ok" for n in range(20)] + [
        f"connecting with api_key={SECRET}", "\x1b[2J\x1b[31mred alert\x1b[0m", "KeyError: 'customer_id'",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", f"token {SECRET} in free text",
        "REPORT RequestId: 0f1e Duration: 12.3 ms"]
    tail = log_tail(base64.b64encode("\n".join(lines).encode()).decode(), {SECRET})
    assert len(tail) == 20 and tail[-1] == "REPORT RequestId: 0f1e Duration: 12.3 ms"
    assert tail[0] == "scan 6 ok"
    assert "connecting with api_key=***" in tail and "token *** in free text" in tail
    assert "Authorization: Bearer ***" in tail
    assert "KeyError: 'customer_id'" in tail  # an error name is not a secret
    assert not any("\x1b" in line or SECRET in line for line in tail)
    assert log_tail(None, set()) == [] and log_tail("", set()) == []


# ---------------------------------------------------------------- sqs.send-test
def test_send_test_sends_the_runbook_message_and_reads_the_depth_back(client, session, tmp_path) -> None:
    url = seed_queue(client)
    run = executor(session, tmp_path)
    action, plan = run.prepare("sqs.send-test", QUEUE, {"attributes": {"origin": "cockpit"}})
    body = plan.params["body"]
    assert json.loads(body) == {"test": True, "source": "incident-cockpit",
                                "message": f"Test message from {socket.gethostname()}"}
    assert changes(plan) == {"message body": (None, body), "messages in queue": (0, 1)}
    assert f"queue URL: {url}" in plan.notes and not plan.reversible
    words = shlex.split(plan.command)
    assert words[:3] == ["aws", "sqs", "send-message"] and words[words.index("--queue-url") + 1] == url
    assert words[words.index("--message-body") + 1] == body
    assert depth(client, url) == 0

    outcome = run.execute(action, plan, Confirmation(plan))
    assert outcome.ok and outcome.verification is not None, outcome.verification
    assert outcome.result["message id"] and outcome.verification.detail.endswith("messages in queue 0 → 1")
    assert outcome.inverse is None
    assert received(client, url) == [(body, {"origin": "cockpit"})]


def test_send_test_verification_fails_when_the_depth_did_not_grow(client, session) -> None:
    url = seed_queue(client)
    action = build_action(session, "sqs.send-test", QUEUE, {"body": "ping"})
    plan = action.plan()
    action.run(plan)
    sqs = client("sqs")
    for message in sqs.receive_message(QueueUrl=url).get("Messages", []):  # a consumer takes it at once
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    verification = action.verify(plan)
    assert not verification.ok
    assert "messages in queue is still 0 (a consumer may have received and deleted it)" in verification.detail


def test_an_access_denied_send_is_the_outcome_error(endpoint, client, tmp_path, monkeypatch) -> None:
    """With moto enforcing IAM: one principal may read the queue but not send, another may only send."""
    url = seed_queue(client)
    iam = client("iam")
    keys = {}
    for user, actions in (("res-reader", ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"]), ("res-sender", ["sqs:SendMessage"])):
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="queue", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
        keys[user] = iam.create_access_key(UserName=user)["AccessKey"]

    def session_of(user: str) -> AwsSession:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys[user]["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys[user]["SecretAccessKey"])
        return session_for(endpoint)

    post(f"{endpoint}/moto-api/reset-auth", "0")  # from now on every request is checked against its caller's policies
    try:
        reader = executor(session_of("res-reader"), tmp_path)
        action, plan = reader.prepare("sqs.send-test", QUEUE, {"body": "ping"})
        assert changes(plan)["messages in queue"] == (0, 1)
        outcome = reader.execute(action, plan, Confirmation(plan))
        assert not outcome.ran and not outcome.ok
        assert outcome.error == (f"access denied: sending to {url}: AccessDenied: User: "
                                 "arn:aws:iam::123456789012:user/res-reader is not authorized to perform: sqs:SendMessage")
        assert read_timeline(tmp_path / "timeline.jsonl")[-1]["error"] == outcome.error

        sender = executor(session_of("res-sender"), tmp_path)
        action, plan = sender.prepare("sqs.send-test", url, {"body": "ping"})  # by URL: nothing read first
        assert changes(plan)["messages in queue"] == (None, None)
        assert any("may not read the queue's depth" in note for note in plan.notes)
        outcome = sender.execute(action, plan, Confirmation(plan))
        assert outcome.ok and outcome.verification is not None
        assert "depth is not readable" in outcome.verification.detail
    finally:
        post(f"{endpoint}/moto-api/reset-auth", "inf")
    assert received(client, url) == [("ping", {})]  # the sender's one message, not the reader's


# ---------------------------------------------------------------- iam.grant / iam.revoke-grant
def test_grant_creates_the_policy_and_undo_deletes_it(client, session) -> None:
    seed_role(client)
    sid = grant_sid(**SEND)
    statement = {"Sid": sid, "Effect": "Allow", "Action": SEND["action"], "Resource": SEND["resource"]}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    action = build_action(session, "iam.grant", ROLE, SEND)
    plan = action.plan()
    assert sid.startswith("CockpitGrant") and sid[12:].isalnum()
    assert changes(plan) == {f"statement {sid}": (None, compact(statement)),
                             "inline policy cockpit-grants": (None, compact(document))}
    assert plan.risk is Risk.HIGH and plan.reversible
    words = shlex.split(plan.command)
    assert words[:7] == ["aws", "iam", "put-role-policy", "--role-name", ROLE, "--policy-name", "cockpit-grants"]
    assert json.loads(words[words.index("--policy-document") + 1]) == document
    assert inline_policy(client) is None

    action.run(plan)
    assert inline_policy(client) == document
    assert action.verify(plan).ok

    undo_action = action.inverse(plan)
    assert undo_action is not None and undo_action.id == "iam.revoke-grant"
    undo = undo_action.plan()
    assert changes(undo) == swapped(plan)
    assert undo.command == f"aws iam delete-role-policy --role-name {ROLE} --policy-name cockpit-grants"
    undo_action.run(undo)
    assert inline_policy(client) is None and undo_action.verify(undo).ok


def test_grant_adds_one_statement_and_undo_removes_exactly_it(client, session, tmp_path) -> None:
    seed_role(client, existing=[READ_S3])
    run = executor(session, tmp_path)
    action, plan = run.prepare("iam.grant", f"role/{ROLE}", SEND)
    outcome = run.execute(action, plan, Confirmation(plan, typed_target=f"role/{ROLE}"))
    assert outcome.ok, outcome.verification
    after = inline_policy(client)
    assert after is not None
    assert after["Statement"][0] == READ_S3 and len(after["Statement"]) == 2
    assert after["Statement"][1]["Action"] == "sqs:SendMessage"
    with pytest.raises(BadInput) as twice:
        build_action(session, "iam.grant", ROLE, SEND).plan()
    assert "already has statement CockpitGrant" in str(twice.value)

    undo_action, undo_plan = run.undo(outcome)
    assert run.execute(undo_action, undo_plan, Confirmation(undo_plan, typed_target=f"role/{ROLE}")).ok
    assert inline_policy(client) == {"Version": "2012-10-17", "Statement": [READ_S3]}
    with pytest.raises(BadInput) as gone:
        build_action(session, "iam.revoke-grant", ROLE, SEND).plan()
    assert "has no statement CockpitGrant" in str(gone.value)


def test_grant_to_an_unknown_role_is_one_line(client, session) -> None:
    with pytest.raises(BadInput) as raised:
        build_action(session, "iam.grant", "nobody", SEND).plan()
    assert "no IAM role named 'nobody'" in str(raised.value)


# ---------------------------------------------------------------- sqs.purge
def test_purge_is_destructive_names_the_messages_lost_and_needs_the_name(client, session, tmp_path) -> None:
    url = seed_queue(client)
    for number in range(3):
        client("sqs").send_message(QueueUrl=url, MessageBody=f"alert {number}")
    run = executor(session, tmp_path)
    action, plan = run.prepare("sqs.purge", QUEUE, {})
    assert plan.risk is Risk.DESTRUCTIVE and not plan.reversible
    assert plan.summary == f"Delete all 3 messages in {QUEUE}"
    assert "Deleted messages cannot be recovered." in plan.notes
    with pytest.raises(NotConfirmed):
        run.execute(action, plan, Confirmation(plan, typed_target="res"))
    assert depth(client, url) == 3
    assert run.execute(action, plan, Confirmation(plan, typed_target=QUEUE)).ok
    assert depth(client, url) == 0
