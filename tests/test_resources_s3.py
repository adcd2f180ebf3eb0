"""The S3 bucket reader against moto's server: versioning, policy, the listed keys and prefixes."""
from __future__ import annotations

import json

from services.aws.resources import read_resource
from services.profile.resources import ResourceSpec
from tests.support.readings import field_of

SPEC = ResourceSpec(id="rules_bucket", type="s3-bucket", name="mantissa-rules",
                    keys=["rules/latest.yaml", "rules/missing.yaml", "rules/", "empty/"])


def test_versioning_policy_keys_and_prefixes(boto, aws_session) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="mantissa-rules")
    s3.put_bucket_versioning(Bucket="mantissa-rules", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket="mantissa-rules", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "NoDelete", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
         "Resource": "arn:aws:s3:::mantissa-rules/*"}]}))
    put = s3.put_object(Bucket="mantissa-rules", Key="rules/latest.yaml", Body=b"x" * 2048)
    s3.put_object(Bucket="mantissa-rules", Key="rules/old.yaml", Body=b"y")

    reading = read_resource(aws_session, SPEC)

    assert reading.status == "exists"
    assert field_of(reading, "Versioning").value == "Enabled"
    policy = field_of(reading, "Bucket policy")
    assert policy.value == "1 statement (0 Allow, 1 Deny)"
    assert policy.detail == ("NoDelete: Deny s3:DeleteObject on arn:aws:s3:::mantissa-rules/* to everyone (*)",)
    assert field_of(reading, "Key rules/latest.yaml").value.startswith("2.0 KiB, modified ")
    assert f"version {put['VersionId']}" in field_of(reading, "Key rules/latest.yaml").value
    assert field_of(reading, "Key rules/missing.yaml").value == "does not exist"
    assert field_of(reading, "Prefix rules/").value.startswith("2 objects, newest ")
    assert field_of(reading, "Prefix empty/").value == "no objects"
    findings = [(f.level, f.text) for f in reading.findings]
    assert ("ok", "s3://mantissa-rules/rules/latest.yaml exists") in findings
    assert ("fail", "s3://mantissa-rules/rules/missing.yaml does not exist") in findings
    assert ("fail", "no objects under s3://mantissa-rules/empty/") in findings
    assert ("warn", "the bucket policy has 1 Deny statement(s): they override any role's Allow") in findings


def test_an_unversioned_bucket_without_policy(boto, aws_session) -> None:
    boto("s3").create_bucket(Bucket="mantissa-rules")
    reading = read_resource(aws_session, ResourceSpec(id="b", type="s3-bucket", name="mantissa-rules"))
    assert field_of(reading, "Versioning").value == "never enabled"
    assert field_of(reading, "Bucket policy").value == "none"
    assert field_of(reading, "Region").value == "us-east-1"
    assert [f.text for f in reading.findings] == [
        "versioning is never enabled: an overwritten or deleted object cannot be recovered"]


def test_a_bucket_that_does_not_exist(aws_session) -> None:
    reading = read_resource(aws_session, SPEC)
    assert reading.status == "not found" and reading.findings[0].text == "bucket mantissa-rules does not exist"
