"""The Lambda reader against moto's server: configuration, env names only, versions, aliases, rollback target."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from services.aws.resources import Offer, read_resource
from services.aws.resources.lambda_function import function_versions, read_lambda, version_before
from services.profile.resources import ResourceSpec
from tests.support.lambda_functions import code, make_function


def field(reading, label: str) -> str:
    found = reading.field(label)
    assert found is not None, [item.label for item in reading.fields]
    return found.value


def test_configuration_env_names_never_values_and_the_alias(boto, aws_session) -> None:
    make_function(boto, Timeout=600, MemorySize=1024, Publish=True,
                  Environment={"Variables": {"DB_PASSWORD": "hunter2-secret", "LOG_LEVEL": "INFO"}})
    lam = boto("lambda")
    lam.update_function_code(FunctionName="mantissa-detection-engine", ZipFile=code("def handler(e, c):\n    return 2\n"),
                             Publish=True)
    lam.update_function_code(FunctionName="mantissa-detection-engine", ZipFile=code("def handler(e, c):\n    return 3\n"),
                             Publish=True)
    lam.create_alias(FunctionName="mantissa-detection-engine", Name="live", FunctionVersion="3")
    lam.put_function_concurrency(FunctionName="mantissa-detection-engine", ReservedConcurrentExecutions=100)
    spec = ResourceSpec(id="detection", type="lambda", name="mantissa-detection-engine", alias="live")

    reading = read_resource(aws_session, spec)

    assert (reading.id, reading.type, reading.status) == ("detection", "lambda", "Active")
    assert field(reading, "Runtime") == "python3.12"
    assert field(reading, "Timeout") == "600 s" and field(reading, "Memory") == "1024 MB"
    assert field(reading, "Reserved concurrency") == "100"
    assert field(reading, "Account concurrency") == "not supported by this endpoint"  # moto has no GetAccountSettings
    assert field(reading, "Environment") == "DB_PASSWORD, LOG_LEVEL"
    assert "hunter2" not in json.dumps(reading.as_json())
    assert field(reading, "Role").endswith(":role/mantissa-detection-engine-role")
    hashes = {v["Version"]: v["CodeSha256"] for v in lam.list_versions_by_function(
        FunctionName="mantissa-detection-engine")["Versions"]}
    versions = reading.field("Versions")
    assert versions is not None and versions.value == "3 published (newest 3)"
    assert [line.split()[0] for line in versions.detail] == ["1", "2", "3"]
    assert all(f"sha256 {hashes[line.split()[0]]}" in line for line in versions.detail)
    assert len({hashes["1"], hashes["2"], hashes["3"]}) == 3  # three different codes: the hashes tell them apart
    assert field(reading, "Alias live") == "live → 3"
    assert field(reading, "Rollback target").split()[0] == "2"
    assert any(f.level == "warn" and "recent deployment" in f.text for f in reading.findings)
    # version 3 went out just now: the suspect deployment, and its rollback offered (to be confirmed)
    suspect = next(f for f in reading.findings if f.text.startswith("alias live → version 3, published "))
    assert suspect.level == "warn" and suspect.text.endswith(": version 2 is the rollback")
    assert suspect.offer == Offer("lambda.rollback", "mantissa-detection-engine", (("alias", "live"), ("version", "2")))
    # two days later the same alias is simply on the newest version
    later = read_lambda(aws_session, spec, now=datetime.now(UTC) + timedelta(days=2))
    assert ("ok", "alias live → version 3, the newest") in [(f.level, f.text) for f in later.findings]
    assert later.offers == []


def test_an_alias_behind_the_newest_version_and_a_missing_alias(boto, aws_session) -> None:
    make_function(boto, Publish=True)
    lam = boto("lambda")
    lam.update_function_code(FunctionName="mantissa-detection-engine", ZipFile=code("x = 2\n"), Publish=True)
    lam.create_alias(FunctionName="mantissa-detection-engine", Name="live", FunctionVersion="1")
    behind = read_resource(aws_session, ResourceSpec(id="d", type="lambda", name="mantissa-detection-engine",
                                                     alias="live"))
    assert any(f.level == "warn" and f.text.startswith("alias live → version 1; version 2 is newer, published ")
               for f in behind.findings)
    assert field(behind, "Rollback target").startswith("none")
    missing = read_resource(aws_session, ResourceSpec(id="d", type="lambda", name="mantissa-detection-engine",
                                                      alias="canary"))
    assert field(missing, "Alias canary") == "does not exist"
    assert missing.level == "fail"


def test_reserved_concurrency_zero_fails(boto, aws_session) -> None:
    make_function(boto)
    boto("lambda").put_function_concurrency(FunctionName="mantissa-detection-engine", ReservedConcurrentExecutions=0)
    reading = read_resource(aws_session, ResourceSpec(id="d", type="lambda", name="mantissa-detection-engine"))
    assert ("fail", "reserved concurrency is 0: every invocation is throttled") in [
        (f.level, f.text) for f in reading.findings]


def test_the_resource_policy_is_shown(boto, aws_session) -> None:
    make_function(boto)
    boto("lambda").add_permission(FunctionName="mantissa-detection-engine", StatementId="events",
                                  Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                                  SourceArn="arn:aws:events:us-east-1:123456789012:rule/r")
    reading = read_resource(aws_session, ResourceSpec(id="d", type="lambda", name="mantissa-detection-engine"))
    policy = reading.field("Resource policy")
    assert policy is not None and policy.value == "1 statement (1 Allow)"
    assert policy.detail[0].startswith("events: Allow lambda:InvokeFunction on arn:aws:lambda:")
    assert "to Service events.amazonaws.com" in policy.detail[0] and "rule/r" in policy.detail[0]


def test_versions_helpers_for_a_rollback(boto, aws_session) -> None:
    make_function(boto, Publish=True)
    boto("lambda").update_function_code(FunctionName="mantissa-detection-engine", ZipFile=code("x = 2\n"), Publish=True)
    versions = function_versions(aws_session, "mantissa-detection-engine")
    assert [version.version for version in versions] == ["1", "2"]
    assert version_before(versions, "2") == versions[0]
    assert version_before(versions, "1") is None and version_before(versions, "$LATEST") is None


def test_a_function_that_does_not_exist_is_one_finding(aws_session) -> None:
    reading = read_resource(aws_session, ResourceSpec(id="gone", type="lambda", name="no-such-function"))
    assert reading.status == "not found" and reading.fields == ()
    assert [(f.level, f.text) for f in reading.findings] == [("fail", "function no-such-function does not exist")]
