"""A DynamoDB table as runbooks 001 and 002 check it: status, billing, size, point-in-time recovery, backups."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.aws.resources.calls import call, is_missing, pages
from services.aws.resources.reading import ReadingDraft, ResourceReading, not_found, when
from services.aws.session import AwsSession
from services.errors import BadInput
from services.formatting import human_bytes
from services.profile.resources import ResourceSpec

BACKUP_AGE = timedelta(days=7)  # runbook 002 backs up weekly: an older newest backup missed one
_BAD_STATUS = {"DELETING", "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "ARCHIVING", "ARCHIVED"}


def read_dynamodb(session: AwsSession, spec: ResourceSpec, now: datetime | None = None) -> ResourceReading:
    name = spec.name or ""
    try:
        table = call(session, "dynamodb", "describe_table", TableName=name)["Table"]
    except BadInput as error:
        if is_missing(error, "ResourceNotFoundException"):
            return not_found(spec, f"table {name} does not exist")
        raise
    draft = ReadingDraft(spec)
    status = str(table.get("TableStatus", "?"))
    if status in _BAD_STATUS:
        draft.fail(f"table status {status}")
    elif status != "ACTIVE":
        draft.warn(f"table status {status}")
    draft.add("Billing mode", _billing(table))
    draft.add("Items", f"{table.get('ItemCount', '?')} (DynamoDB updates this about every 6 hours)")
    draft.add("Size", human_bytes(table.get("TableSizeBytes")) or "?")
    draft.add("Keys", ", ".join(f"{key['AttributeName']} ({key['KeyType']})" for key in table.get("KeySchema", [])))
    indexes = table.get("GlobalSecondaryIndexes", [])
    draft.add("Global indexes", f"{len(indexes)}" if indexes else "none",
              [f"{index['IndexName']}: {index.get('IndexStatus', '?')}" for index in indexes])
    for index in indexes:
        if index.get("IndexStatus", "ACTIVE") != "ACTIVE":
            draft.warn(f"index {index['IndexName']} is {index.get('IndexStatus')}")
    draft.add("Deletion protection", "on" if table.get("DeletionProtectionEnabled") else "off")
    recovery = draft.attempt("Point-in-time recovery", lambda: _point_in_time(session, name))
    if recovery is not None:
        draft.add("Point-in-time recovery", recovery)
        if not recovery.startswith("enabled"):
            draft.warn("point-in-time recovery is off: no restore to a moment before the incident")
    backups = draft.attempt("Backups", lambda: _backups(session, name))
    if backups is not None:
        _backup_fields(draft, backups, recovery, now or datetime.now(UTC))
    draft.add("ARN", table.get("TableArn", "?"))
    return draft.done(status)


def _billing(table: dict[str, Any]) -> str:
    mode = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    if mode == "PAY_PER_REQUEST":
        return "on demand (PAY_PER_REQUEST)"
    throughput = table.get("ProvisionedThroughput", {})
    return (f"provisioned: {throughput.get('ReadCapacityUnits', '?')} read, "
            f"{throughput.get('WriteCapacityUnits', '?')} write capacity units")


def _point_in_time(session: AwsSession, name: str) -> str:
    answer = call(session, "dynamodb", "describe_continuous_backups", TableName=name)
    description = answer.get("ContinuousBackupsDescription", {}).get("PointInTimeRecoveryDescription", {})
    status = description.get("PointInTimeRecoveryStatus", "DISABLED")
    if status != "ENABLED":
        return status.lower()
    earliest = description.get("EarliestRestorableDateTime")
    return f"enabled, restorable from {when(earliest)}" if earliest else "enabled"


def _backups(session: AwsSession, name: str) -> list[dict[str, Any]]:
    found = [summary for page in pages(session, "dynamodb", "list_backups", TableName=name)
             for summary in page.get("BackupSummaries", [])]
    return sorted(found, key=lambda summary: summary.get("BackupCreationDateTime") or datetime.min.replace(tzinfo=UTC))


def _backup_fields(draft: ReadingDraft, backups: list[dict[str, Any]], recovery: str | None, now: datetime) -> None:
    lines = [f"{backup.get('BackupName', '?')}  {backup.get('BackupStatus', '?')}  "
             f"{when(backup.get('BackupCreationDateTime'), now)}  {human_bytes(backup.get('BackupSizeBytes'))}".rstrip()
             for backup in reversed(backups)]
    draft.add("Backups", f"{len(backups)}" if backups else "none", lines)
    pitr = recovery is not None and recovery.startswith("enabled")
    if not backups:
        (draft.ok if pitr else draft.warn)("no on-demand backups" + (" (point-in-time recovery is on)" if pitr else ""))
        return
    newest = backups[-1].get("BackupCreationDateTime")
    if isinstance(newest, datetime) and now - newest > BACKUP_AGE:
        draft.warn(f"the newest backup is from {when(newest, now)}")
    else:
        draft.ok(f"newest backup {backups[-1].get('BackupName')} {when(newest, now)}")
