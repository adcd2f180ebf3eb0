"""Runbook 000's Disaster Recovery, "Configuration Backup": lambda.backup-config and lambda.restore-config.

On moto's server (the seeded Sentra Scanner): the backup folder's files, the restore's
field-by-field plan, its run and undo through the executor, and the plan's command run by
the real aws CLI making the same change.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.actions.catalog import build_action
from services.actions.executor import ActionExecutor, Confirmation
from services.actions.lambda_backup import backup_root
from services.errors import BadInput
from services.incident.timeline import Timeline
from services.sources import Sources
from tests.support.resource_actions import run_cli

FUNCTION = "customer-sentra-scanner"


def _executor(aws_session, tmp_path: Path) -> ActionExecutor:
    return ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False,
                          profile_name="demo")


def _run(executor: ActionExecutor, action_id: str, params: dict | None = None):
    action, plan = executor.prepare(action_id, FUNCTION, dict(params or {}))
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=FUNCTION))
    assert outcome.ok, (action_id, outcome.error, outcome.verification)
    return plan, outcome


def test_a_backup_holds_the_configuration_the_role_policies_and_says_what_of_the_code(sentra, aws_session,
                                                                                      tmp_path) -> None:
    plan, outcome = _run(_executor(aws_session, tmp_path), "lambda.backup-config")
    name = plan.params["name"]
    assert name.startswith(f"{FUNCTION}-") and "MemorySize" in plan.notes[0] and "lambda-execution-role" in plan.notes[1]
    folder = backup_root() / name
    saved = json.loads((folder / "configuration.json").read_text())
    assert (saved["Timeout"], saved["MemorySize"]) == (300, 512)
    policies = json.loads((folder / "policies.json").read_text())
    assert policies["role"] == "lambda-execution-role" and "scanner-access" in policies["inline"]
    code = json.loads((folder / "code.json").read_text())
    # moto's presigned Code.Location points at amazonaws.com: no package, and the reason is kept.
    assert code["package"] is None and "could not be downloaded" in code["why"] and code["CodeSha256"]
    assert outcome.verification is not None and "no package" in outcome.verification.detail


def test_a_restore_is_a_field_by_field_plan_its_undo_restores_what_was_there(sentra, boto, aws_session, moto,
                                                                             tmp_path) -> None:
    executor = _executor(aws_session, tmp_path)
    _run(executor, "lambda.backup-config")
    lam = boto("lambda")
    lam.update_function_configuration(FunctionName=FUNCTION, Timeout=900, MemorySize=2048,
                                      Environment={"Variables": {"SENTRA_QUEUE": "wrong-queue"}})
    plan, _ = _run(executor, "lambda.restore-config")
    changed = {change.field: (change.before, change.after) for change in plan.changes}
    assert changed == {"Timeout": (900, 300), "MemorySize": (2048, 512),
                       "Environment": ({"Variables": {"SENTRA_QUEUE": "wrong-queue"}},
                                       {"Variables": {"SENTRA_QUEUE": "sentra-scanner-results", "LOG_LEVEL": "INFO"}})}
    config = lam.get_function_configuration(FunctionName=FUNCTION)
    assert (config["Timeout"], config["MemorySize"]) == (300, 512)
    assert plan.params["safety"] and (backup_root() / plan.params["safety"] / "configuration.json").is_file()
    # Undo: the safety backup, taken before the restore, restored.
    action = build_action(aws_session, "lambda.restore-config", FUNCTION, dict(plan.params))
    inverse = action.inverse(plan)
    assert inverse is not None
    inverse_plan = inverse.plan()
    assert {c.field: (c.before, c.after) for c in inverse_plan.changes} == {k: (a, b) for k, (b, a) in changed.items()}
    inverse.run(inverse_plan)
    assert lam.get_function_configuration(FunctionName=FUNCTION)["Timeout"] == 900
    # The plan's command, run by the aws CLI, makes the same change.
    cli = run_cli(plan.command, moto)
    assert cli.returncode == 0, cli.stderr
    config = lam.get_function_configuration(FunctionName=FUNCTION)
    assert (config["Timeout"], config["MemorySize"], config["Environment"]["Variables"]) == (
        300, 512, {"SENTRA_QUEUE": "sentra-scanner-results", "LOG_LEVEL": "INFO"})


def test_a_missing_backup_or_nothing_to_restore_is_one_line(sentra, aws_session, tmp_path) -> None:
    with pytest.raises(BadInput, match=r"has no backup \(lambda\.backup-config takes one\)"):
        build_action(aws_session, "lambda.restore-config", FUNCTION, {}).plan()
    plan, _ = _run(_executor(aws_session, tmp_path), "lambda.backup-config")
    with pytest.raises(BadInput, match="no backup 'customer-sentra-scanner-20000101-000000'"):
        build_action(aws_session, "lambda.restore-config", FUNCTION,
                     {"backup": "customer-sentra-scanner-20000101-000000"}).plan()
    with pytest.raises(BadInput, match=f"already as in {plan.params['name']}"):
        build_action(aws_session, "lambda.restore-config", FUNCTION, {}).plan()
