"""Runbook 001's rules backup and restore (``aws s3 sync``) as s3.backup-prefix / s3.restore-prefix, on moto."""
from __future__ import annotations

from pathlib import Path

import pytest

from services.actions.catalog import build_action
from services.actions.executor import ActionExecutor, Confirmation
from services.actions.s3_prefix import backup_root
from services.errors import BadInput
from services.incident.timeline import Timeline
from services.sources import Sources
from tests.support.resource_actions import run_cli

BUCKET = "mantissa-log-rules"
RULES = {f"aws/cloudtrail/{name}.yaml": f"name: {name}\nthreshold: 5\n".encode()
         for name in ("failed-logins", "iam-admin-policy-change", "s3-bucket-public", "root-account-usage")}


@pytest.fixture
def rules(boto) -> dict[str, bytes]:
    s3 = boto("s3")
    s3.create_bucket(Bucket=BUCKET)
    for key, body in RULES.items():
        s3.put_object(Bucket=BUCKET, Key=f"rules/{key}", Body=body)
    return RULES


def _body(boto, key: str) -> bytes | None:
    try:
        return boto("s3").get_object(Bucket=BUCKET, Key=f"rules/{key}")["Body"].read()
    except boto("s3").exceptions.NoSuchKey:
        return None


def _run(executor: ActionExecutor, action_id: str, params: dict):
    action, plan = executor.prepare(action_id, BUCKET, params)
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=BUCKET))
    assert outcome.ok, (action_id, outcome.error, outcome.verification)
    return action, plan


def test_the_rules_are_backed_up_and_what_was_lost_or_changed_comes_back(rules, boto, aws_session, moto,
                                                                         tmp_path: Path) -> None:
    executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False,
                              profile_name="demo")
    _, backup = _run(executor, "s3.backup-prefix", {"prefix": "rules/"})
    folder = backup_root(BUCKET) / backup.params["name"]
    assert backup.command == f"aws s3 sync s3://{BUCKET}/rules/ {folder}/"
    assert sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.yaml")) == sorted(RULES)
    # A bad upload: one rule deleted, one rewritten.
    lost, changed = "aws/cloudtrail/root-account-usage.yaml", "aws/cloudtrail/failed-logins.yaml"
    boto("s3").delete_object(Bucket=BUCKET, Key=f"rules/{lost}")
    boto("s3").put_object(Bucket=BUCKET, Key=f"rules/{changed}", Body=b"name: failed-logins\nthreshold: 500\n")
    _, plan = _run(executor, "s3.restore-prefix", {"prefix": "rules/"})
    assert sorted(change.field for change in plan.changes) == [f"s3://{BUCKET}/rules/{changed}",
                                                                f"s3://{BUCKET}/rules/{lost}"]
    assert not plan.reversible and "1 missing now, 1 changed" in plan.notes[0]
    assert all(_body(boto, key) == body for key, body in RULES.items())
    assert (backup_root(BUCKET) / plan.params["safety"]).is_dir()  # the state it replaced, kept
    # A change only: the restore can be undone, back to the change.
    boto("s3").put_object(Bucket=BUCKET, Key=f"rules/{changed}", Body=b"threshold: 1\n")
    action, plan = _run(executor, "s3.restore-prefix", {"prefix": "rules/"})
    assert plan.reversible and _body(boto, changed) == RULES[changed]
    inverse = action.inverse(plan)
    assert inverse is not None
    inverse.run(inverse.plan())
    assert _body(boto, changed) == b"threshold: 1\n"
    # The plan's command is the aws CLI's own sync, with the same effect.
    cli = run_cli(plan.command, moto)
    assert cli.returncode == 0, cli.stderr
    assert _body(boto, changed) == RULES[changed]


def test_nothing_to_back_up_or_restore_is_one_line(rules, boto, aws_session) -> None:
    for action_id, params, message in (
            ("s3.backup-prefix", {"prefix": "nothing/"}, f"s3://{BUCKET}/nothing/ holds no objects"),
            ("s3.restore-prefix", {"prefix": "rules/"}, "no backup of s3://mantissa-log-rules/rules/"),
            ("s3.restore-prefix", {"prefix": "rules/", "backup": "rules-20000101-000000"}, "no backup 'rules-20000101")):
        with pytest.raises(BadInput) as raised:
            build_action(aws_session, action_id, BUCKET, params).plan()
        assert message in str(raised.value) and "\n" not in str(raised.value)
