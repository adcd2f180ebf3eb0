"""The IAM role reader against moto's server: trust, inline and attached policies, the permission checks."""
from __future__ import annotations

import json

from services.aws.resources import read_resource
from services.profile.resources import ResourceSpec
from tests.support.readings import field_of

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ATHENA = "arn:aws:athena:us-east-1:123456789012:workgroup/primary"
NEEDS = ["s3:GetObject arn:aws:s3:::mantissa-rules/*", f"athena:StartQueryExecution {ATHENA}",
         "sqs:SendMessage arn:aws:sqs:us-east-1:123456789012:mantissa-alerts",
         "dynamodb:PutItem arn:aws:dynamodb:us-east-1:123456789012:table/mantissa-log-alerts"]


def document(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def seed_role(boto) -> None:
    iam = boto("iam")
    iam.create_role(RoleName="mantissa-detection-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="mantissa-detection-role", PolicyName="read-rules", PolicyDocument=document(
        {"Sid": "ReadRules", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
         "Resource": "arn:aws:s3:::mantissa-rules/*"}))
    managed = iam.create_policy(PolicyName="mantissa-queries", PolicyDocument=document(
        {"Effect": "Allow", "Action": "athena:*", "Resource": "*"},
        {"Sid": "NoAlertWrites", "Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"}))["Policy"]
    iam.attach_role_policy(RoleName="mantissa-detection-role", PolicyArn=managed["Arn"])
    writer = iam.create_policy(PolicyName="dynamodb-writer", PolicyDocument=document(
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}))["Policy"]
    iam.attach_role_policy(RoleName="mantissa-detection-role", PolicyArn=writer["Arn"])  # the deny still wins


def test_trust_policies_and_each_need_judged_locally(boto, aws_session) -> None:
    seed_role(boto)
    reading = read_resource(aws_session, ResourceSpec(id="detection_role", type="iam-role",
                                                      name="mantissa-detection-role", needs=NEEDS))
    assert reading.status == "exists"
    assert field_of(reading, "Trust").value == "Service lambda.amazonaws.com"
    assert field_of(reading, "Inline policies").value == "read-rules"
    inline = field_of(reading, "Inline policies").detail
    assert inline == ("read-rules: 1 statement (1 Allow)",
                      "  ReadRules: Allow s3:GetObject, s3:GetObjectVersion on arn:aws:s3:::mantissa-rules/*")
    assert sorted(field_of(reading, "Attached policies").value.split(", ")) == ["dynamodb-writer", "mantissa-queries"]
    attached = field_of(reading, "Attached policies").detail
    assert "mantissa-queries: 2 statements (1 Allow, 1 Deny)" in attached
    assert "  NoAlertWrites: Deny dynamodb:PutItem on *" in attached
    # moto has no iam:SimulatePrincipalPolicy: the reading says the local evaluation ran
    assert field_of(reading, "Permission checks").value == (
        "4, by the role's policies, evaluated here (iam:SimulatePrincipalPolicy: not supported by this endpoint)")
    checks = [(f.level, f.text) for f in reading.findings]
    assert checks == [
        ("ok", "s3:GetObject on arn:aws:s3:::mantissa-rules/*: allowed by inline policy read-rules, statement ReadRules"),
        ("ok", f"athena:StartQueryExecution on {ATHENA}: allowed by managed policy mantissa-queries, statement #1"),
        ("fail", "sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:mantissa-alerts: denied: no statement grants it"),
        ("fail", ("dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/mantissa-log-alerts: "
                  "explicit deny in managed policy mantissa-queries, statement NoAlertWrites")),
    ]


def test_a_permissions_boundary_limits_what_the_policies_grant(boto, aws_session) -> None:
    iam = boto("iam")
    boundary = iam.create_policy(PolicyName="only-s3", PolicyDocument=document(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))["Policy"]
    iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=json.dumps(TRUST),
                    PermissionsBoundary=boundary["Arn"])
    iam.put_role_policy(RoleName="bounded", PolicyName="everything", PolicyDocument=document(
        {"Effect": "Allow", "Action": "*", "Resource": "*"}))
    reading = read_resource(aws_session, ResourceSpec(id="r", type="iam-role", name="bounded", needs=[
        "s3:GetObject arn:aws:s3:::b/k", "sqs:SendMessage arn:aws:sqs:us-east-1:123456789012:q"]))
    assert field_of(reading, "Permissions boundary").value == "only-s3"
    levels = [(f.level, f.text.split(": ", 1)[1]) for f in reading.findings]
    assert levels == [("ok", "allowed by inline policy everything, statement #1"),
                      ("fail", "denied: permissions boundary only-s3 does not allow it")]


def test_a_role_without_needs_has_no_checks_and_a_missing_role(boto, aws_session) -> None:
    seed_role(boto)
    plain = read_resource(aws_session, ResourceSpec(id="r", type="iam-role", name="mantissa-detection-role"))
    assert plain.field("Permission checks") is None and plain.findings == ()
    missing = read_resource(aws_session, ResourceSpec(id="r", type="iam-role", name="no-such-role", needs=NEEDS))
    assert missing.status == "not found" and missing.findings[0].text == "role no-such-role does not exist"
