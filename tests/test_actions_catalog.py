"""The catalog, parameter validation (before anything is shown), unknown targets, commands."""
from __future__ import annotations

import json
import shlex

import pytest

from services.actions.base import Risk
from services.actions.catalog import CATALOG, action_class, build_action, param_specs
from services.actions.lambda_config import SetConcurrency, SetTimeout
from services.actions.sqs import SetRedrive
from services.errors import BadInput
from tests.support.action_cases import FUNCTION

REQUIRED_IDS = [
    "lambda.set-timeout", "lambda.set-memory", "lambda.set-concurrency", "lambda.set-env",
    "alarm.disable-actions", "alarm.enable-actions", "alarm.set-state", "sqs.purge", "sqs.set-redrive",
    "events.enable-rule", "events.disable-rule", "iam.deactivate-key", "iam.deny-all", "iam.remove-deny-all",
    "ec2.nacl-deny", "ec2.nacl-remove", "cognito.global-sign-out", "dynamodb.backup", "logs.export-to-s3",
]


def test_the_catalog_has_every_action_by_its_id() -> None:
    assert set(REQUIRED_IDS) <= set(CATALOG)
    assert {"iam.activate-key", "sqs.redrive-dlq"} <= set(CATALOG)  # deactivate-key's inverse, and the DLQ move
    for action_id, action in CATALOG.items():
        assert action.id == action_id and action.title and action.target_kind
        assert isinstance(action.risk, Risk)


def test_risks_follow_the_blast_radius() -> None:
    assert CATALOG["sqs.purge"].risk is Risk.DESTRUCTIVE
    for action_id in ("iam.deny-all", "iam.deactivate-key", "ec2.nacl-deny", "cognito.global-sign-out"):
        assert CATALOG[action_id].risk is Risk.HIGH
    assert CATALOG["lambda.set-timeout"].risk is Risk.LOW


def test_an_unknown_action_is_bad_input_naming_the_known_ones() -> None:
    with pytest.raises(BadInput) as raised:
        action_class("lambda.reboot")
    assert "unknown action 'lambda.reboot'" in str(raised.value) and "lambda.set-timeout" in str(raised.value)


@pytest.mark.parametrize("action_id, params, message", [
    ("lambda.set-timeout", {"timeout": 0}, "timeout: Input should be greater than or equal to 1"),
    ("lambda.set-timeout", {"timeout": 901}, "timeout: Input should be less than or equal to 900"),
    ("lambda.set-timeout", {"timeout": "ten"}, "timeout: Input should be a valid integer"),
    ("lambda.set-timeout", {}, "timeout: Field required"),
    ("lambda.set-timeout", {"timeout": 600, "tiemout": 1}, "tiemout: Extra inputs are not permitted"),
    ("lambda.set-memory", {"memory": 127}, "memory: Input should be greater than or equal to 128"),
    ("lambda.set-memory", {"memory": 10241}, "memory: Input should be less than or equal to 10240"),
    ("lambda.set-concurrency", {"concurrency": -1}, "concurrency: Input should be greater than or equal to 0"),
    ("lambda.set-env", {"variables": {"1BAD": "x"}}, "'1BAD': a variable name is letters"),
    ("lambda.set-env", {"variables": {}}, "variables: Dictionary should have at least 1 item"),
    ("alarm.set-state", {"state": "RED"}, "state: Input should be 'OK', 'ALARM' or 'INSUFFICIENT_DATA'"),
    ("sqs.set-redrive", {"dead_letter_queue": "dlq", "max_receive_count": 0}, "max_receive_count: Input should be"),
    ("ec2.nacl-deny", {"cidr": "300.1.2.3"}, "'300.1.2.3' is not an IP address or CIDR"),
    ("ec2.nacl-deny", {"cidr": "10.1.2.3/8"}, "did you mean 10.0.0.0/8?"),
    ("ec2.nacl-deny", {"cidr": "10.0.0.0/8", "rule_number": 32767}, "rule_number: Input should be less than"),
    ("cognito.global-sign-out", {"user_pool_id": "nope"}, "user_pool_id: String should match pattern"),
    ("dynamodb.backup", {"backup_name": "x"}, "backup_name: String should match pattern"),
    ("logs.export-to-s3", {"bucket": "b", "from_ms": 5, "to_ms": 1}, "bucket: String should match pattern"),
    ("logs.export-to-s3", {"bucket": "forensics", "from_ms": 5, "to_ms": 1}, "from_ms must be before to_ms"),
])
def test_parameters_are_validated_before_anything_is_read(action_id, params, message) -> None:
    with pytest.raises(BadInput) as raised:
        build_action(None, action_id, "some-target", params)  # no session: validation needs none
    assert str(raised.value).startswith(f"bad input: {action_id}: ")
    assert message in str(raised.value)


def test_a_target_is_required() -> None:
    with pytest.raises(BadInput, match="a target"):
        build_action(None, "lambda.set-timeout", "", {"timeout": 5})


def test_an_empty_value_means_the_default_unless_none_is_a_choice() -> None:
    redrive = build_action(None, "sqs.set-redrive", "q", {"dead_letter_queue": "dlq", "max_receive_count": None}).params
    assert isinstance(redrive, SetRedrive.Params) and redrive.max_receive_count == 3
    concurrency = build_action(None, "lambda.set-concurrency", "f", {"concurrency": None}).params
    assert isinstance(concurrency, SetConcurrency.Params) and concurrency.concurrency is None
    timeout = build_action(None, "lambda.set-timeout", "f", {"timeout": "600"}).params
    assert isinstance(timeout, SetTimeout.Params) and timeout.timeout == 600  # form text


@pytest.mark.parametrize("action_id, target, params, message", [
    ("lambda.set-timeout", "no-such-function", {"timeout": 60}, "no Lambda function named 'no-such-function'"),
    ("lambda.set-concurrency", "no-such-function", {"concurrency": 0}, "no Lambda function named 'no-such-function'"),
    ("alarm.set-state", "no-such-alarm", {"state": "OK"}, "no CloudWatch alarm named 'no-such-alarm'"),
    ("sqs.purge", "no-such-queue", {}, "no SQS queue 'no-such-queue'"),
    ("sqs.set-redrive", "sentra-scanner-results", {"dead_letter_queue": "no-dlq"}, "no SQS queue 'no-dlq'"),
    ("events.disable-rule", "no-such-rule", {}, "no EventBridge rule 'no-such-rule' on event bus 'default'"),
    ("iam.deactivate-key", "nobody", {}, "no IAM user named 'nobody'"),
    ("iam.deny-all", "role/nobody", {}, "no IAM role named 'nobody'"),
    ("iam.deny-all", "sentra-deployer", {}, "the target is user/NAME or role/NAME"),
    ("iam.remove-deny-all", "user/sentra-deployer", {}, "has no inline policy named 'CockpitDenyAll'"),
    ("ec2.nacl-deny", "acl-0123456789abcdef0", {"cidr": "203.0.113.9"}, "no network ACL 'acl-0123456789abcdef0'"),
    ("ec2.nacl-remove", "vpc-123", {"rule_number": 5}, "a network ACL id starts with 'acl-'"),
    ("cognito.global-sign-out", "alice", {"user_pool_id": "us-east-1_nope"}, "no Cognito user pool 'us-east-1_nope'"),
    ("dynamodb.backup", "no-such-table", {}, "no DynamoDB table named 'no-such-table'"),
    ("dynamodb.restore", "no-such-table", {}, "no DynamoDB table named 'no-such-table'"),
    ("neptune.restore", "no-such-cluster", {}, "no Neptune cluster 'no-such-cluster'"),
    ("ses.verify-identity", "not-an-address", {}, "'not-an-address' is not an email address"),
    ("s3.restore-version", "no-such-bucket", {"key": "k"}, "no S3 bucket named 'no-such-bucket'"),
    ("s3.restore-version", "sentra-scanner-forensics", {"key": "k"},
     "versioning is not enabled on sentra-scanner-forensics: it keeps no earlier versions"),
    ("logs.export-to-s3", "/aws/lambda/nope", {"bucket": "sentra-scanner-forensics"}, "no log group named '/aws/lambda/nope'"),
    ("logs.export-to-s3", "/aws/lambda/customer-sentra-scanner", {"bucket": "no-such-bucket"},
     "no S3 bucket named 'no-such-bucket'"),
])
def test_an_unknown_target_is_a_clear_bad_input(action_id, target, params, message, sentra, aws_session) -> None:
    action = build_action(aws_session, action_id, target, params)
    with pytest.raises(BadInput) as raised:
        action.plan()
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_restore_names_a_missing_backup_and_refuses_an_existing_target(sentra, boto, aws_session) -> None:
    from tests.support.action_cases import seed_backed_up_table

    seeded = seed_backed_up_table(boto)
    for params, message in (({"backup": "weekly-backup-19990101"}, "has no available backup 'weekly-backup-19990101' "
                                                                    "(newest: weekly-backup-20261203)"),
                            ({"to": seeded.target}, f"table {seeded.target} exists already"),
                            ({"backup": "weekly-backup-20261203", "point_in_time": "2026-12-03T10:00:00Z"},
                             "give backup or point_in_time, not both")):
        with pytest.raises(BadInput) as raised:
            build_action(aws_session, "dynamodb.restore", seeded.target, params).plan()
        assert message in str(raised.value) and "\n" not in str(raised.value)
    plan = build_action(aws_session, "dynamodb.restore", seeded.target, {}).plan()  # the newest backup, a dated name
    assert plan.params["to"].startswith(f"{seeded.target}-restored-") and "weekly-backup-20261203" in plan.summary
    assert plan.changes[1].after == 3 and plan.notes[0].startswith("Backup: weekly-backup-20261203, 3 items")


def test_a_version_restore_lists_the_versions_and_names_a_missing_one(sentra, boto, aws_session) -> None:
    from tests.support.action_cases import REPORT_KEY, seed_versions

    seeded = seed_versions(boto)
    versions = boto("s3").list_object_versions(Bucket=seeded.target, Prefix=REPORT_KEY)["Versions"]
    current = next(v["VersionId"] for v in versions if v["IsLatest"])
    for params, message in (({"key": "reports/none.pdf"}, "has no versions (no such key)"),
                            ({"key": REPORT_KEY, "version": "nope"}, "has no version 'nope'"),
                            ({"key": REPORT_KEY, "version": current}, "is the current one already")):
        with pytest.raises(BadInput) as raised:
            build_action(aws_session, "s3.restore-version", seeded.target, params).plan()
        assert message in str(raised.value) and "\n" not in str(raised.value)
    plan = build_action(aws_session, "s3.restore-version", seeded.target, {"key": REPORT_KEY}).plan()
    older = next(v["VersionId"] for v in versions if not v["IsLatest"])
    assert plan.params["version"] == older and f"versionId={older}" in plan.command
    listed = [note for note in plan.notes if "(current)" in note or note.startswith("→")]
    assert len(listed) == 2 and listed[0].endswith("(current)") and listed[1].startswith(f"→ {older} (15 B")


def test_commands_survive_the_shell(sentra, aws_session) -> None:
    reason = "it's \"flapping\"; $HOME `id` & more"
    plan = build_action(aws_session, "alarm.set-state", "sentra-lambda-errors", {"state": "ALARM", "reason": reason}).plan()
    words = shlex.split(plan.command)
    assert words[:3] == ["aws", "cloudwatch", "set-alarm-state"]
    assert words[words.index("--state-reason") + 1] == reason

    env = build_action(aws_session, "lambda.set-env", FUNCTION, {"variables": {"GREETING": "it's a \"test\""}}).plan()
    words = shlex.split(env.command)
    assert json.loads(words[words.index("--environment") + 1]) == {"Variables": {
        "SENTRA_QUEUE": "sentra-scanner-results", "LOG_LEVEL": "INFO", "GREETING": "it's a \"test\""}}


def test_the_timeout_plan_is_the_runbooks_command(sentra, aws_session) -> None:
    plan = build_action(aws_session, "lambda.set-timeout", FUNCTION, {"timeout": 600}).plan()
    assert plan.command == "aws lambda update-function-configuration --function-name customer-sentra-scanner --timeout 600"
    assert plan.summary == "Set customer-sentra-scanner's timeout from 300 s to 600 s"


def test_param_specs_come_from_the_models() -> None:
    (timeout,) = param_specs(CATALOG["lambda.set-timeout"])
    assert (timeout.name, timeout.type, timeout.minimum, timeout.maximum, timeout.required) == (
        "timeout", "integer", 1, 900, True)
    assert timeout.describe() == "timeout:integer 1..900"
    state, reason = param_specs(CATALOG["alarm.set-state"])
    assert state.choices == ("OK", "ALARM", "INSUFFICIENT_DATA") and not reason.required
    (concurrency,) = param_specs(CATALOG["lambda.set-concurrency"])
    assert concurrency.nullable and concurrency.required and concurrency.minimum == 0


@pytest.mark.parametrize("profile", ["services/demo/profiles/sentra-scanner.toml", "tests/data/profile.example.toml"])
def test_every_playbook_step_names_a_valid_action(profile: str) -> None:
    from services.profile import load_profile
    from tests.support.paths import ROOT

    steps = [step for playbook in load_profile(ROOT / profile).playbooks for step in playbook.resolution]
    assert steps
    for step in steps:
        action = build_action(None, step.action, step.target, step.params)
        assert action.id == step.action


def test_a_point_in_time_restore_makes_a_new_table_with_the_items(sentra, boto, aws_session, tmp_path) -> None:
    """dynamodb.restore point_in_time=…: restore-table-to-point-in-time into the `to` table (PITR on)."""
    from datetime import UTC, datetime

    from services.actions.executor import ActionExecutor, Confirmation
    from services.incident.timeline import Timeline
    from services.sources import Sources
    from tests.support.action_cases import TABLE, seed_table

    seed_table(boto)
    db = boto("dynamodb")
    db.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    for key in ("a", "b"):
        db.put_item(TableName=TABLE, Item={"pk": {"S": key}})
    moment = datetime.now(UTC).replace(microsecond=0).isoformat()
    executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False,
                              profile_name="demo")
    action, plan = executor.prepare("dynamodb.restore", TABLE, {"point_in_time": moment, "to": f"{TABLE}-pitr"})
    assert plan.command.startswith(f"aws dynamodb restore-table-to-point-in-time --source-table-name {TABLE} "
                                   f"--target-table-name {TABLE}-pitr --restore-date-time ")
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=TABLE))
    assert outcome.ok, (outcome.error, outcome.verification)
    assert sorted(item["pk"]["S"] for item in db.scan(TableName=f"{TABLE}-pitr")["Items"]) == ["a", "b"]
