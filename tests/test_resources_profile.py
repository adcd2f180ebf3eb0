"""``[[resources]]`` in the profile: the contract's entries load; each mistake names file, line and field."""
from __future__ import annotations

import re
import tomllib

import pytest

from services.profile import ProfileError, parse_profile
from services.profile.model import Profile
from services.profile.resources import PermissionNeed
from tests.support.paths import DATA

CONTRACT = DATA / "profile.investigate.toml"

GOOD = '''[system]
name = "Mantissa Log"

[[resources]]
id = "detection"
type = "lambda"
name = "mantissa-detection-engine"
alias = "live"

[[resources]]
id = "email"
type = "ses"

[[resources]]
id = "rules_bucket"
type = "s3-bucket"
name = "mantissa-rules"
keys = ["rules/latest.yaml", "rules/"]

[[resources]]
id = "detection_role"
type = "iam-role"
name = "mantissa-detection-role"
needs = [
  "s3:GetObject arn:aws:s3:::mantissa-rules/*",
  "athena:StartQueryExecution arn:aws:athena:us-east-1:123456789012:workgroup/primary",
]
'''


def test_the_contracts_resources_load_as_written() -> None:
    data = tomllib.loads(CONTRACT.read_text(encoding="utf-8"))
    # Only the resources part: the queries, prometheus and health parts belong to other parts of the issue.
    profile = Profile.model_validate({"system": data["system"], "resources": data["resources"]})
    assert [(r.id, r.type, r.name) for r in profile.resources] == [
        ("detection", "lambda", "mantissa-detection-engine"), ("alerts_queue", "sqs", "mantissa-alerts"),
        ("alert_table", "dynamodb", "mantissa-log-alerts"),
        ("detection_schedule", "events-rule", "mantissa-detection-schedule"),
        ("rules_bucket", "s3-bucket", "mantissa-rules"), ("detection_role", "iam-role", "mantissa-detection-role")]
    assert profile.resources[0].alias == "live" and profile.resources[4].keys == ["rules/latest.yaml"]
    assert profile.resources[5].permission_needs == [
        PermissionNeed(action="s3:GetObject", resource="arn:aws:s3:::mantissa-rules/*"),
        PermissionNeed(action="athena:StartQueryExecution",
                       resource="arn:aws:athena:us-east-1:123456789012:workgroup/primary")]


def test_every_type_specific_field_is_read() -> None:
    profile = parse_profile(GOOD)
    detection, email, bucket, role = profile.resources
    assert detection.alias == "live" and email.name is None and email.title == "ses"
    assert bucket.keys == ["rules/latest.yaml", "rules/"]
    assert [str(need) for need in role.permission_needs] == [
        "s3:GetObject arn:aws:s3:::mantissa-rules/*",
        "athena:StartQueryExecution arn:aws:athena:us-east-1:123456789012:workgroup/primary"]
    assert parse_profile('[system]\nname = "x"\n').resources == []


CASES = {
    "unknown type": (GOOD.replace('type = "lambda"', 'type = "lamda"'),
                     (r"^p\.toml:6: resources\[0\] \(id 'detection'\)\.type: Input should be 'lambda', 'sqs', .*"
                      r"'dashboard', got 'lamda'$")),
    "missing name": (GOOD.replace('name = "mantissa-detection-engine"\n', ''),
                     r"^p\.toml:4: resources\[0\] \(id 'detection'\)\.name: required field is missing$"),
    "field of another type": (GOOD.replace('keys = ["rules/latest.yaml", "rules/"]', 'alias = "live"'),
                              (r"^p\.toml:18: resources\[2\] \(id 'rules_bucket'\)\.alias: alias is a field of lambda "
                               r"resources, not of s3-bucket, got 'live'$")),
    "malformed need": (GOOD.replace('"s3:GetObject arn:aws:s3:::mantissa-rules/*"', '"read the rules"'),
                       (r"^p\.toml:25: resources\[3\] \(id 'detection_role'\)\.needs\[0\]: expected \"ACTION "
                        r"RESOURCE_ARN\".*, got 'read the rules'$")),
    "key with a leading slash": (GOOD.replace('"rules/latest.yaml", "rules/"', '"/rules/latest.yaml"'),
                                 r"^p\.toml:18: resources\[2\] \(id 'rules_bucket'\)\.keys\[0\]: expected an object key"),
    "duplicate id": (GOOD.replace('id = "email"', 'id = "detection"'),
                     r"^p\.toml:11: resources\[1\] \(id 'detection'\)\.id: duplicate resource id, got 'detection'$"),
    "unknown field": (GOOD.replace('alias = "live"', 'alais = "live"'),
                      r"^p\.toml:8: resources\[0\] \(id 'detection'\)\.alais: unknown field 'alais'"),
    "bad id": (GOOD.replace('id = "email"', 'id = "e mail"'), r"^p\.toml:11: resources\[1\] .*\.id: String should match"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_wrong_resource_names_file_line_and_field(case: str) -> None:
    text, pattern = CASES[case]
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "p.toml")
    assert any(re.search(pattern, line) for line in caught.value.lines), caught.value.lines
