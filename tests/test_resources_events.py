"""The EventBridge rule reader against moto's server: state, schedule, and whether the rule may invoke each target."""
from __future__ import annotations

import json

from services.aws.resources import read_resource
from services.profile.resources import ResourceSpec
from tests.support.lambda_functions import make_function
from tests.support.readings import field_of

SPEC = ResourceSpec(id="detection_schedule", type="events-rule", name="mantissa-detection-schedule")
EVENTS_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def make_rule(boto, state: str = "ENABLED") -> str:
    return str(boto("events").put_rule(Name="mantissa-detection-schedule", ScheduleExpression="rate(5 minutes)",
                                       State=state)["RuleArn"])


def by_target(reading) -> dict[str, tuple[str, str]]:
    found = {}
    for finding in reading.findings:
        if finding.text.startswith("target "):
            target, _, text = finding.text.removeprefix("target ").partition(": ")
            found[target] = (finding.level, text)
    return found


def test_lambda_targets_with_and_without_the_rules_permission(boto, aws_session) -> None:
    rule_arn = make_rule(boto)
    allowed = make_function(boto, "detect")
    unpermitted = make_function(boto, "forgotten")
    other_rule = make_function(boto, "other")
    lam = boto("lambda")
    lam.add_permission(FunctionName="detect", StatementId="schedule", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    lam.add_permission(FunctionName="other", StatementId="schedule", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn.replace("mantissa-", "another-"))
    boto("events").put_targets(Rule="mantissa-detection-schedule", Targets=[
        {"Id": "detect", "Arn": allowed}, {"Id": "forgotten", "Arn": unpermitted}, {"Id": "other", "Arn": other_rule},
        {"Id": "deleted", "Arn": allowed.replace("detect", "deleted-function")}])

    reading = read_resource(aws_session, SPEC)

    assert reading.status == "ENABLED"
    assert field_of(reading, "Schedule").value == "rate(5 minutes)"
    assert field_of(reading, "Targets").value == "4"
    targets = by_target(reading)
    assert targets["detect"][0] == "ok" and "may invoke (allowed by the lambda resource policy, statement schedule)" \
        in targets["detect"][1]
    assert targets["forgotten"] == ("fail", (f"{unpermitted}: the rule may not invoke it: no statement allows "
                                             "events.amazonaws.com lambda:InvokeFunction"))
    assert targets["other"][0] == "fail"  # its permission names another rule
    assert targets["deleted"][0] == "fail" and targets["deleted"][1].endswith("does not exist")


def test_queue_targets_need_a_queue_policy_for_the_rule(boto, aws_session) -> None:
    rule_arn = make_rule(boto)
    sqs = boto("sqs")
    open_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    open_arn = sqs.get_queue_attributes(QueueUrl=open_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=open_url, Attributes={"Policy": json.dumps({"Statement": [{
        "Sid": "FromTheRule", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": open_arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})
    closed_url = sqs.create_queue(QueueName="closed")["QueueUrl"]
    closed_arn = sqs.get_queue_attributes(QueueUrl=closed_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto("events").put_targets(Rule="mantissa-detection-schedule", Targets=[
        {"Id": "open", "Arn": open_arn}, {"Id": "closed", "Arn": closed_arn}])

    targets = by_target(read_resource(aws_session, SPEC))

    assert targets["open"] == ("ok", f"{open_arn}: may invoke (allowed by the sqs resource policy, statement FromTheRule)")
    assert targets["closed"][0] == "fail"


def test_a_target_through_a_role_is_checked_by_its_trust_and_policies(boto, aws_session) -> None:
    make_rule(boto)
    iam = boto("iam")
    role = iam.create_role(RoleName="events-to-states", AssumeRolePolicyDocument=json.dumps(EVENTS_TRUST))["Role"]
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:remediate"
    iam.put_role_policy(RoleName="events-to-states", PolicyName="start", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Start", "Effect": "Allow", "Action": "states:StartExecution", "Resource": machine}]}))
    untrusted = iam.create_role(RoleName="lambda-only", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole"}]}))["Role"]
    boto("events").put_targets(Rule="mantissa-detection-schedule", Targets=[
        {"Id": "machine", "Arn": machine, "RoleArn": role["Arn"]},
        {"Id": "other-machine", "Arn": machine + "-2", "RoleArn": role["Arn"]},
        {"Id": "untrusted", "Arn": machine, "RoleArn": untrusted["Arn"]}])

    reading = read_resource(aws_session, SPEC)
    targets = by_target(reading)

    assert targets["machine"] == ("ok", (f"{machine} through role events-to-states: states:StartExecution allowed by "
                                         "inline policy start, statement Start"))
    assert targets["other-machine"][0] == "fail" and "no statement grants it" in targets["other-machine"][1]
    assert targets["untrusted"][0] == "fail" and "may not assume the role lambda-only" in targets["untrusted"][1]
    assert any(line.endswith(f"(role {role['Arn']})") for line in field_of(reading, "Targets").detail)


def test_a_disabled_rule_without_targets_fails_twice(boto, aws_session) -> None:
    make_rule(boto, state="DISABLED")
    reading = read_resource(aws_session, SPEC)
    assert reading.status == "DISABLED"
    assert [f.text for f in reading.findings if f.level == "fail"] == [
        "the rule is DISABLED: its targets are not invoked", "the rule has no targets: nothing runs when it fires"]


def test_a_rule_that_does_not_exist(aws_session) -> None:
    reading = read_resource(aws_session, SPEC)
    assert reading.status == "not found" and reading.findings[0].text == "rule mantissa-detection-schedule does not exist"
