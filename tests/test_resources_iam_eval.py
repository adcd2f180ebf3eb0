"""The permission evaluator on plain documents: wildcards, Not*, explicit deny, conditions, boundaries."""
from __future__ import annotations

import pytest

from services.aws.resources.iam_eval import Policy, covers, evaluate, overlaps, simulation_verdict

BUCKET = "arn:aws:s3:::mantissa-rules"


def allow(action, resource, **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource, **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def policy(*statements, name="inline policy p", boundary=False) -> Policy:
    return Policy(name, {"Version": "2012-10-17", "Statement": list(statements)}, boundary=boundary)


@pytest.mark.parametrize("pattern, value, expected", [
    ("s3:get*", "s3:getobject", True),
    ("s3:get*", "s3:putobject", False),
    ("*", "anything:at all", True),
    ("s3:getobjec?", "s3:getobject", True),
    ("s3:getobjec?", "s3:getobjects", False),
    (f"{BUCKET}/*", f"{BUCKET}/rules/latest.yaml", True),
    (f"{BUCKET}/*", f"{BUCKET}", False),
    (f"{BUCKET}/rules/*", f"{BUCKET}/*", False),  # the request is wider than the grant
    (f"{BUCKET}/*", f"{BUCKET}/rules/*", True),
    (f"{BUCKET}/?", f"{BUCKET}/*", False),  # "?" is one character, not every key
    ("arn:aws:sqs:*:123456789012:q", "arn:aws:sqs:us-east-1:123456789012:q", True),
    ("a.b+c", "a.b+c", True),  # regex characters are literal
    ("a.b", "aXb", False),
])
def test_covers(pattern: str, value: str, expected: bool) -> None:
    assert covers(pattern, value) is expected


@pytest.mark.parametrize("first, second, expected", [
    (f"{BUCKET}/secret/*", f"{BUCKET}/*", True),
    (f"{BUCKET}/a*", f"{BUCKET}/b*", False),
    ("a?c", "abc", True),
    ("a?c", "abd", False),
    ("*", "", True),
    ("a*b*c", "axxbyyc", True),
    ("abc", "abcd", False),
])
def test_overlaps(first: str, second: str, expected: bool) -> None:
    assert overlaps(first, second) is expected
    assert overlaps(second, first) is expected


def test_an_allow_with_a_wildcard_action_grants_and_names_policy_and_sid() -> None:
    verdict = evaluate("s3:GetObject", f"{BUCKET}/rules/latest.yaml",
                       [policy(allow("s3:Get*", f"{BUCKET}/*", Sid="ReadRules"), name="inline policy read-rules")])
    assert verdict.decision == "allowed" and verdict.level == "ok"
    assert verdict.text() == "allowed by inline policy read-rules, statement ReadRules"


def test_action_names_are_case_insensitive_resources_are_not() -> None:
    assert evaluate("S3:GETOBJECT", f"{BUCKET}/x", [policy(allow("s3:getObject", f"{BUCKET}/*"))]).decision == "allowed"
    assert evaluate("s3:GetObject", "arn:aws:s3:::MANTISSA-RULES/x",
                    [policy(allow("s3:GetObject", f"{BUCKET}/*"))]).decision == "denied"


def test_without_a_matching_statement_it_is_denied_and_says_so() -> None:
    verdict = evaluate("s3:PutObject", f"{BUCKET}/x", [policy(allow("s3:GetObject", f"{BUCKET}/*"))])
    assert verdict.decision == "denied" and verdict.level == "fail"
    assert verdict.text() == "denied: no statement grants it"


def test_statements_without_a_sid_are_numbered_from_one_and_lists_are_read() -> None:
    verdict = evaluate("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:alerts", [policy(
        allow("s3:GetObject", "*"), allow(["sqs:ReceiveMessage", "sqs:SendMessage"], ["arn:aws:sqs:*:*:other",
                                                                                     "arn:aws:sqs:*:*:alerts"]))])
    assert verdict.text() == "allowed by inline policy p, statement #2"


def test_an_explicit_deny_wins_over_any_allow() -> None:
    verdict = evaluate("s3:GetObject", f"{BUCKET}/x", [
        policy(allow("*", "*"), name="managed policy AdministratorAccess"),
        policy(deny("s3:*", f"{BUCKET}/*", Sid="NoRules"), name="inline policy lockdown")])
    assert verdict.decision == "denied"
    assert verdict.text() == "explicit deny in inline policy lockdown, statement NoRules"


def test_not_action_and_not_resource_invert_the_match() -> None:
    everything_but_iam = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert evaluate("s3:GetObject", f"{BUCKET}/x", [everything_but_iam]).decision == "allowed"
    assert evaluate("iam:PassRole", "arn:aws:iam::1:role/x", [everything_but_iam]).decision == "denied"
    deny_outside = policy(allow("*", "*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": f"{BUCKET}/*"})
    assert evaluate("s3:GetObject", f"{BUCKET}/x", [deny_outside]).decision == "allowed"
    assert evaluate("s3:GetObject", "arn:aws:s3:::other/x", [deny_outside]).decision == "denied"


def test_a_request_for_a_whole_prefix_needs_a_grant_covering_all_of_it() -> None:
    narrow = [policy(allow("s3:GetObject", f"{BUCKET}/rules/*"))]
    wide = [policy(allow("s3:GetObject", f"{BUCKET}/*"))]
    partly = evaluate("s3:GetObject", f"{BUCKET}/*", narrow)
    assert partly.decision == "denied" and "only part of it: inline policy p, statement #1" in partly.text()
    assert evaluate("s3:GetObject", f"{BUCKET}/*", wide).decision == "allowed"


def test_a_deny_on_part_of_a_wanted_prefix_is_a_warning() -> None:
    verdict = evaluate("s3:GetObject", f"{BUCKET}/*", [policy(
        allow("s3:GetObject", f"{BUCKET}/*"), deny("s3:GetObject", f"{BUCKET}/secret/*", Sid="Secrets"))])
    assert verdict.decision == "allowed" and verdict.level == "warn"
    assert "inline policy p, statement Secrets denies part of it" in verdict.text()


def test_a_conditional_allow_is_not_guessed() -> None:
    verdict = evaluate("s3:GetObject", f"{BUCKET}/x", [policy(
        allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}}))])
    assert verdict.decision == "uncertain" and verdict.level == "warn"
    assert "condition not evaluated: StringEquals aws:SourceVpc" in verdict.text()


def test_a_conditional_deny_beside_an_allow_is_a_warning() -> None:
    verdict = evaluate("s3:GetObject", f"{BUCKET}/x", [policy(
        allow("s3:*", "*"), deny("*", "*", Sid="TLS", Condition={"Bool": {"aws:SecureTransport": "false"}}))])
    assert verdict.decision == "allowed" and verdict.level == "warn"
    assert "a deny may apply: inline policy p, statement TLS (condition not evaluated: Bool aws:SecureTransport)" \
        in verdict.text()


def test_policy_variables_are_not_evaluated() -> None:
    verdict = evaluate("s3:GetObject", f"{BUCKET}/home/ana/x", [policy(allow("s3:GetObject",
                                                                               f"{BUCKET}/home/${{aws:username}}/*"))])
    assert verdict.decision == "uncertain" and "policy variable ${aws:username} not evaluated" in verdict.text()


def test_a_permissions_boundary_must_allow_it_too() -> None:
    identity = policy(allow("s3:*", "*"))
    boundary = policy(allow("s3:GetObject", "*"), name="permissions boundary limits", boundary=True)
    assert evaluate("s3:GetObject", f"{BUCKET}/x", [identity, boundary]).decision == "allowed"
    verdict = evaluate("s3:PutObject", f"{BUCKET}/x", [identity, boundary])
    assert verdict.decision == "denied" and verdict.text() == "denied: permissions boundary limits does not allow it"
    # a boundary alone grants nothing
    assert evaluate("s3:GetObject", f"{BUCKET}/x", [boundary]).decision == "denied"
    conditional = policy(allow("s3:*", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
                         name="permissions boundary office", boundary=True)
    verdict = evaluate("s3:PutObject", f"{BUCKET}/x", [identity, conditional])
    assert verdict.decision == "allowed" and verdict.level == "warn"
    assert "permissions boundary office, statement #1 allows it only if: condition not evaluated: IpAddress " \
           "aws:SourceIp" in verdict.text()


def test_known_context_decides_a_resource_policys_source_arn_condition() -> None:
    rule = "arn:aws:events:us-east-1:123456789012:rule/mantissa-detection-schedule"
    function = "arn:aws:lambda:us-east-1:123456789012:function:detect"
    document = policy({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                       "Action": "lambda:InvokeFunction", "Resource": function,
                       "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/mantissa-*"}}})
    ok = evaluate("lambda:InvokeFunction", function, [document], principal_service="events.amazonaws.com",
                  context={"aws:SourceArn": rule})
    assert ok.decision == "allowed" and ok.level == "ok"
    other_rule = evaluate("lambda:InvokeFunction", function, [document], principal_service="events.amazonaws.com",
                          context={"aws:SourceArn": rule.replace("mantissa-", "other-")})
    assert other_rule.decision == "denied"
    other_principal = evaluate("lambda:InvokeFunction", function, [document], principal_service="sns.amazonaws.com",
                               context={"aws:SourceArn": rule})
    assert other_principal.decision == "denied"


def test_a_trust_policy_has_no_resource() -> None:
    trust = policy({"Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "lambda.amazonaws.com"]},
                    "Action": "sts:AssumeRole"})
    role = "arn:aws:iam::123456789012:role/r"
    assert evaluate("sts:AssumeRole", role, [trust], principal_service="events.amazonaws.com",
                    implicit_resource=True).decision == "allowed"
    assert evaluate("sts:AssumeRole", role, [trust], principal_service="states.amazonaws.com",
                    implicit_resource=True).decision == "denied"


def test_a_single_statement_not_in_a_list_and_odd_effects() -> None:
    single = Policy("p", {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}})
    assert evaluate("s3:GetObject", "x", [single]).decision == "allowed"
    odd = Policy("p", {"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]})  # case matters in IAM
    assert evaluate("s3:GetObject", "x", [odd]).decision == "denied"


@pytest.mark.parametrize("result, decision, level, words", [
    ({"EvalDecision": "allowed", "MatchedStatements": [{"SourcePolicyId": "read-rules",
                                                         "StartPosition": {"Line": 3, "Column": 5}}]},
     "allowed", "ok", "allowed by read-rules (line 3) (iam:SimulatePrincipalPolicy)"),
    ({"EvalDecision": "explicitDeny", "MatchedStatements": [{"SourcePolicyId": "lockdown"}]},
     "denied", "fail", "explicit deny in lockdown (line ?)"),
    ({"EvalDecision": "implicitDeny", "MatchedStatements": []}, "denied", "fail", "no statement grants it"),
    ({"EvalDecision": "implicitDeny", "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": False}},
     "denied", "fail", "denied by the permissions boundary"),
    ({"EvalDecision": "allowed", "MissingContextValues": ["aws:SourceIp"]}, "allowed", "warn",
     "missing context aws:SourceIp"),
])
def test_simulation_results_become_verdicts(result: dict, decision: str, level: str, words: str) -> None:
    verdict = simulation_verdict(result)
    assert (verdict.decision, verdict.level) == (decision, level)
    assert words in verdict.text()
