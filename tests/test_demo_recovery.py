"""The demo's recovery episodes (Recovery issue): data lost, restored from the runbook's backup, served again."""
from __future__ import annotations

from pathlib import Path

from services.actions.executor import ActionExecutor, Confirmation
from services.demo.scenarios.lambda_cost_reporting import CLIENTS, DATA_LOSS_AT, LOST, RUN_EVERY, TABLE
from services.incident.timeline import Timeline
from services.sources import Sources
from tests.support.demo_scenarios import profile_of, seed_scenario, tick


def _failed_clients(scenario, runs: int) -> list[str]:
    """Tick through ``runs`` report runs; the clients whose run said ClientNotFound."""
    failed: list[str] = []
    put = scenario.logs.put

    def spy(group, stamp, lines):
        failed.extend(line.split("no configuration for ")[1].split()[0] for line in lines if "ClientNotFound:" in line)
        return put(group, stamp, lines)

    scenario.logs.put = spy
    try:
        tick(scenario, runs * RUN_EVERY)
    finally:
        scenario.logs.put = put
    return failed


def test_002_lost_client_configurations_come_back_from_the_weekly_backup(boto, aws_session, tmp_path: Path) -> None:
    scenario = seed_scenario("lambda-cost-reporting", boto)
    try:
        profile = profile_of(scenario)
        scenario.tick_count = DATA_LOSS_AT - 1  # after the month-end incident, before the clean-up script
        assert _failed_clients(scenario, len(CLIENTS)) and scenario.data_lost
        assert set(_failed_clients(scenario, len(CLIENTS))) == set(LOST)  # every lost client fails, no other
        book = next(book for book in profile.playbooks if book.id == "data_loss")
        executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False,
                                  profile_name="demo")
        restore, set_env = book.resolution[:2]
        action, plan = executor.prepare(restore.action, restore.target, dict(restore.params))
        assert scenario.weekly_backup in plan.summary and plan.changes[1].after == len(CLIENTS)
        assert plan.command.startswith("aws dynamodb restore-table-from-backup --target-table-name "
                                       "cost-reporting-clients-restored --backup-arn ")
        outcome = executor.execute(action, plan, Confirmation(plan, typed_target=restore.target))
        assert outcome.ok and outcome.verification is not None, outcome
        assert f"with {len(CLIENTS)} items" in outcome.verification.detail
        assert _failed_clients(scenario, len(CLIENTS))  # restored, not yet used: the function still reads TABLE
        action, plan = executor.prepare(set_env.action, set_env.target, dict(set_env.params))
        assert executor.execute(action, plan, Confirmation(plan, typed_target=set_env.target)).ok
        assert _failed_clients(scenario, len(CLIENTS)) == []
        live = boto("dynamodb").scan(TableName=TABLE, Select="COUNT")["Count"]
        assert live == len(CLIENTS) - len(LOST)  # the damaged table is kept, untouched, for the review
    finally:
        scenario.close()


def test_004_the_overwritten_findings_output_comes_back_from_its_version(boto, aws_session, tmp_path: Path) -> None:
    """Runbook 004's S3 Bucket Recovery: list-object-versions, bring the earlier version back (a copy)."""
    import json

    from services.demo.scenarios.cloud_remediator_sage import BUCKET, LATEST_OUTPUT

    scenario = seed_scenario("cloud-remediator-sage", boto)
    try:
        [step] = next(book for book in profile_of(scenario).playbooks if book.id == "s3_recovery").resolution
        assert boto("s3").get_object(Bucket=BUCKET, Key=LATEST_OUTPUT)["Body"].read() == b"[]"
        executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "t.jsonl"), read_only=False,
                                  profile_name="demo")
        action, plan = executor.prepare(step.action, step.target, dict(step.params))
        assert sum(1 for note in plan.notes if "(current)" in note or note.startswith("→ ")) == 2
        assert executor.execute(action, plan, Confirmation(plan, typed_target=step.target)).ok
        restored = json.loads(boto("s3").get_object(Bucket=BUCKET, Key=LATEST_OUTPUT)["Body"].read())
        assert len(restored) == 5 and restored[0]["region"] == "us-east-1"
        versions = boto("s3").list_object_versions(Bucket=BUCKET, Prefix=LATEST_OUTPUT)["Versions"]
        assert len(versions) == 3  # nothing deleted: the empty one stays, for the review and the undo
    finally:
        scenario.close()
