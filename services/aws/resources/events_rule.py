"""An EventBridge rule as runbooks 001 and 002 check it: state, schedule, targets, and whether it may invoke each.

A rule invokes a Lambda function, an SQS queue or an SNS topic through the target's
resource policy (``events.amazonaws.com``, usually with ``aws:SourceArn`` = the rule); other
targets through the target's role, whose trust and policies are evaluated instead.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.aws.resources.calls import call, document, is_missing
from services.aws.resources.iam_eval import Policy, Verdict, evaluate
from services.aws.resources.iam_role import role_policies
from services.aws.resources.reading import Level, ReadingDraft, ResourceReading, not_found
from services.aws.resources.sqs_queue import queue_attributes, queue_url
from services.aws.session import AwsSession
from services.errors import BadInput, SourceError
from services.profile.resources import ResourceSpec

EVENTS = "events.amazonaws.com"
# The action a role must allow for the rule to deliver to a target of each service.
_ROLE_ACTIONS = {"lambda": "lambda:InvokeFunction", "sqs": "sqs:SendMessage", "sns": "sns:Publish",
                 "states": "states:StartExecution", "kinesis": "kinesis:PutRecord", "firehose": "firehose:PutRecord",
                 "events": "events:PutEvents", "codebuild": "codebuild:StartBuild", "ecs": "ecs:RunTask",
                 "logs": "logs:PutLogEvents"}


def read_events_rule(session: AwsSession, spec: ResourceSpec) -> ResourceReading:
    name = spec.name or ""
    try:
        rule = call(session, "events", "describe_rule", Name=name)
    except BadInput as error:
        if is_missing(error, "ResourceNotFoundException"):
            return not_found(spec, f"rule {name} does not exist")
        raise
    draft = ReadingDraft(spec)
    state = str(rule.get("State", "?"))
    if state != "ENABLED":
        draft.fail(f"the rule is {state}: its targets are not invoked")
    draft.add("Schedule", rule.get("ScheduleExpression") or "none (event pattern)")
    if rule.get("EventPattern"):
        draft.add("Event pattern", rule["EventPattern"])
    draft.add("Event bus", rule.get("EventBusName", "default"))
    if rule.get("Description"):
        draft.add("Description", rule["Description"])
    targets = [target for page in _target_pages(session, name) for target in page.get("Targets", [])]
    lines = []
    for target in targets:
        level, text = may_invoke(session, rule["Arn"], target)
        lines.append(f"{target.get('Id', '?')}: {target['Arn']}" + (f" (role {target['RoleArn']})"
                                                                     if target.get("RoleArn") else ""))
        getattr(draft, level)(f"target {target.get('Id', '?')}: {text}")
    draft.add("Targets", f"{len(targets)}" if targets else "none", lines)
    if not targets:
        draft.fail("the rule has no targets: nothing runs when it fires")
    draft.add("ARN", rule["Arn"])
    return draft.done(state)


def _target_pages(session: AwsSession, rule: str) -> list[dict[str, Any]]:
    # ListTargetsByRule has no paginator: follow NextToken by hand.
    found, token = [], None
    while True:
        page = call(session, "events", "list_targets_by_rule", Rule=rule, **({"NextToken": token} if token else {}))
        found.append(page)
        token = page.get("NextToken")
        if not token:
            return found


def may_invoke(session: AwsSession, rule_arn: str, target: dict[str, Any]) -> tuple[Level, str]:
    """Whether the rule may deliver to ``target``, and why, as a finding's level and text."""
    arn = str(target.get("Arn", ""))
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    context = {"aws:SourceArn": rule_arn, "aws:SourceAccount": rule_arn.split(":")[4]}
    try:
        if target.get("RoleArn"):
            return _through_role(session, arn, service, str(target["RoleArn"]))
        reader = _RESOURCE_POLICIES.get(service)
        if reader is None:
            return "warn", f"{arn}: not checked (a {service or 'non-ARN'} target without a role)"
        policy = reader(session, arn)
        if policy is None:
            return "fail", f"{arn} does not exist"
        action = _ROLE_ACTIONS[service]
        verdict = evaluate(action, arn, [Policy(f"the {service} resource policy", policy)],
                           principal_service=EVENTS, context=context)
        return _finding(arn, action, verdict)
    except SourceError as error:
        if error.retry:  # the network, throttling: the whole reading fails and is retried
            raise
        return "warn", f"{arn}: cannot check ({error})"


def _finding(arn: str, action: str, verdict: Verdict) -> tuple[Level, str]:
    if verdict.decision == "denied" and not verdict.statements:
        return "fail", f"{arn}: the rule may not invoke it: no statement allows {EVENTS} {action}"
    word = {"allowed": "may invoke", "denied": "may not invoke", "uncertain": "cannot tell"}[verdict.decision]
    return verdict.level, f"{arn}: {word} ({verdict.text()})"


def _through_role(session: AwsSession, arn: str, service: str, role_arn: str) -> tuple[Level, str]:
    role_name = role_arn.rsplit("/", 1)[-1]
    try:
        role = call(session, "iam", "get_role", RoleName=role_name)["Role"]
    except BadInput as error:
        if is_missing(error, "NoSuchEntity", "NoSuchEntityException"):
            return "fail", f"{arn}: its role {role_name} does not exist"
        raise
    trust = evaluate("sts:AssumeRole", role_arn, [Policy("the role's trust policy",
                                                         document(role.get("AssumeRolePolicyDocument")))],
                     principal_service=EVENTS, implicit_resource=True)
    if trust.decision != "allowed":
        return "fail", f"{arn}: {EVENTS} may not assume the role {role_name} ({trust.text()})"
    action = _ROLE_ACTIONS.get(service)
    if action is None:
        return "warn", f"{arn}: role {role_name} trusts {EVENTS}; its permissions on {service} are not checked"
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    verdict = evaluate(action, arn, role_policies(session, role_name, boundary))
    return verdict.level, f"{arn} through role {role_name}: {action} {verdict.text()}"


def _lambda_policy(session: AwsSession, arn: str) -> dict[str, Any] | None:
    parts = arn.split(":")
    params = {"FunctionName": parts[6]} | ({"Qualifier": parts[7]} if len(parts) > 7 else {})
    try:
        return document(call(session, "lambda", "get_policy", **params).get("Policy"))
    except BadInput as error:
        if not is_missing(error, "ResourceNotFoundException"):
            raise
    try:  # no policy, or no function?
        call(session, "lambda", "get_function", FunctionName=parts[6])
    except BadInput as error:
        if is_missing(error, "ResourceNotFoundException"):
            return None
        raise
    return {}


def _queue_policy(session: AwsSession, arn: str) -> dict[str, Any] | None:
    parts = arn.split(":")
    url = queue_url(session, parts[5], parts[4])
    return None if url is None else document(queue_attributes(session, url).get("Policy"))


def _topic_policy(session: AwsSession, arn: str) -> dict[str, Any] | None:
    try:
        attributes = call(session, "sns", "get_topic_attributes", TopicArn=arn).get("Attributes", {})
    except BadInput as error:
        if is_missing(error, "NotFound", "NotFoundException"):
            return None
        raise
    return document(attributes.get("Policy"))


_RESOURCE_POLICIES: dict[str, Callable[[AwsSession, str], dict[str, Any] | None]] = {
    "lambda": _lambda_policy, "sqs": _queue_policy, "sns": _topic_policy}
