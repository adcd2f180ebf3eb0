"""DynamoDB: take an on-demand backup of a table before touching it."""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk, Verification
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, error_code, iso_time, missing_as
from services.errors import BadInput

CREATED = "created"
POINT_IN_TIME = "dynamodb.restore: point_in_time"


def backup_name_of(template: str, now: datetime | None = None) -> str:
    """A name as the runbooks write it: ``{date}`` is YYYYMMDD, ``{time}`` HHMMSS (UTC, at planning)."""
    moment = now or datetime.now(UTC)
    name = template.replace("{date}", moment.strftime("%Y%m%d")).replace("{time}", moment.strftime("%H%M%S"))
    if not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", name):
        raise BadInput(f"dynamodb.backup: backup name {name!r}: 3 to 255 of A-Z a-z 0-9 _ . - "
                       "(placeholders: {date}, {time})")
    return name


def default_backup_name(table: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return re.sub(r"[^A-Za-z0-9_.-]", "-", f"{table}-cockpit-{stamp}")[-255:]


class Backup(ReadBackAction["Backup.Params"]):
    id = "dynamodb.backup"
    title = "Back up a DynamoDB table (on-demand backup)"
    risk = Risk.LOW
    target_kind = "DynamoDB table name"

    class Params(ParamsModel):
        backup_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.{}-]{3,255}$",
                                        description="{date} and {time} are filled in, e.g. mantissa-log-state-{date}; "
                                                    "default: TABLE-cockpit-YYYYmmdd-HHMMSS")

    def table(self) -> dict[str, Any]:
        with missing_as(f"no DynamoDB table named {self.target!r}", "ResourceNotFoundException", "TableNotFoundException"):
            return self.session.call("dynamodb", "describe_table", TableName=self.target)["Table"]

    def backups(self) -> dict[str, str]:
        """Backup name → status, for this table's on-demand backups."""
        found: dict[str, str] = {}
        request: dict[str, Any] = {"TableName": self.target, "BackupType": "USER"}
        while True:
            answer = self.session.call("dynamodb", "list_backups", **request)
            for summary in answer.get("BackupSummaries", []):
                found[summary["BackupName"]] = summary.get("BackupStatus", "")
            if not answer.get("LastEvaluatedBackupArn"):
                return found
            request["ExclusiveStartBackupArn"] = answer["LastEvaluatedBackupArn"]

    def plan(self) -> Plan:
        table = self.table()
        name = backup_name_of(self.params.backup_name) if self.params.backup_name else default_backup_name(self.target)
        if name in self.backups():
            raise BadInput(f"{self.id}: table {self.target} already has a backup named {name!r}; choose another backup_name")
        size = table.get("TableSizeBytes")
        return self.make_plan(
            [FieldChange(f"backup {name}", None, CREATED)],
            command=aws_cli("dynamodb", "create-backup", ("--table-name", self.target), ("--backup-name", name)),
            summary=f"Back up table {self.target} ({table.get('ItemCount', '?')} items) as {name}",
            reversible=False, params=self.Params(backup_name=name),
            notes=("No effect on the table's performance or capacity; the backup is billed as storage.",
                   "Restore with: aws dynamodb restore-table-from-backup --target-table-name NEW --backup-arn ARN"
                   + (f" ({size} bytes)" if size is not None else "")))

    def run(self, plan: Plan) -> dict[str, Any]:
        answer = self.session.call("dynamodb", "create_backup", TableName=self.target,
                                   BackupName=self.resolved(plan).backup_name)
        details = answer.get("BackupDetails", {})
        return {"backup_arn": details.get("BackupArn"), "status": details.get("BackupStatus")}

    def observe(self, plan: Plan) -> dict[str, Any]:
        name = self.resolved(plan).backup_name
        return {f"backup {name}": CREATED if name in self.backups() else None}


class Restore(ReadBackAction["Restore.Params"]):
    """Restore a table's backup (or a point in time) into a NEW table; the target table is never overwritten.

    The runbooks' disaster recovery: the service is then pointed at the restored table (or
    the data copied back), which is a deploy, not an API call; the plan says so.
    """

    id = "dynamodb.restore"
    title = "Restore a DynamoDB table from a backup or a point in time (into a new table)"
    risk = Risk.HIGH
    target_kind = "DynamoDB table name (the backed-up table)"

    class Params(ParamsModel):
        backup: str | None = Field(default=None, min_length=3, max_length=1024,
                                   description="backup name or ARN; default: the table's newest available backup")
        point_in_time: str | None = Field(default=None, description="ISO time (UTC) to restore to, instead of a backup "
                                          "(needs point-in-time recovery on the table)")
        to: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{3,255}$",
                               description="the new table's name; default: TABLE-restored-YYYYmmdd-HHMM")

    def backups(self) -> list[dict[str, Any]]:
        """The table's backups, newest first (every type: the cockpit's, the runbook's, AWS Backup's)."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {"TableName": self.target, "BackupType": "ALL"}
        while True:
            answer = self.session.call("dynamodb", "list_backups", **request)
            found += answer.get("BackupSummaries", [])
            if not answer.get("LastEvaluatedBackupArn"):
                return sorted(found, key=lambda b: str(b.get("BackupCreationDateTime", "")), reverse=True)
            request["ExclusiveStartBackupArn"] = answer["LastEvaluatedBackupArn"]

    def chosen(self) -> dict[str, Any]:
        backups = [b for b in self.backups() if b.get("BackupStatus") in (None, "AVAILABLE")]
        wanted = self.params.backup
        if wanted is None:
            if not backups:
                raise BadInput(f"{self.id}: table {self.target} has no available backup (dynamodb.backup takes one)")
            return backups[0]
        match = [b for b in backups if wanted in (b.get("BackupName"), b.get("BackupArn"))]
        if not match:
            names = ", ".join(str(b.get("BackupName")) for b in backups[:5]) or "none"
            raise BadInput(f"{self.id}: table {self.target} has no available backup {wanted!r} (newest: {names})")
        return match[0]

    def _exists(self, name: str) -> bool:
        try:
            self.session.call("dynamodb", "describe_table", TableName=name)
        except BadInput as error:
            if error_code(error) == "ResourceNotFoundException":
                return False
            raise
        return True

    def plan(self) -> Plan:
        if self.params.backup is not None and self.params.point_in_time is not None:
            raise BadInput(f"{self.id}: give backup or point_in_time, not both")
        with missing_as(f"no DynamoDB table named {self.target!r}", "ResourceNotFoundException"):
            table = self.session.call("dynamodb", "describe_table", TableName=self.target)["Table"]
        to = self.params.to or re.sub(r"[^A-Za-z0-9_.-]", "-",
                                      f"{self.target}-restored-{datetime.now(UTC):%Y%m%d-%H%M}")[-255:]
        if self._exists(to):
            raise BadInput(f"{self.id}: table {to} exists already; a restore makes a new table (give another `to`)")
        notes = ["The table is restored as a NEW table; the service keeps using the old one until it is pointed "
                 "at the new name (or the data copied back).",
                 "Restored: items, keys and indexes; not: auto scaling, TTL, streams, tags, alarms (set them again)."]
        if self.params.point_in_time is not None:
            moment = iso_time(self.params.point_in_time, POINT_IN_TIME)
            command = aws_cli("dynamodb", "restore-table-to-point-in-time", ("--source-table-name", self.target),
                              ("--target-table-name", to), ("--restore-date-time", moment.isoformat()))
            source = f"table {self.target} as of {moment:%Y-%m-%d %H:%M:%S} UTC"
            params = self.Params(point_in_time=moment.isoformat(), to=to)
            expected = table.get("ItemCount")
        else:
            backup = self.chosen()
            details = self.session.call("dynamodb", "describe_backup", BackupArn=backup["BackupArn"])
            description = details.get("BackupDescription", {}).get("BackupDetails", {})
            created = description.get("BackupCreationDateTime") or backup.get("BackupCreationDateTime")
            source_table = details.get("BackupDescription", {}).get("SourceTableDetails", {})
            expected = source_table.get("ItemCount")
            command = aws_cli("dynamodb", "restore-table-from-backup", ("--target-table-name", to),
                              ("--backup-arn", backup["BackupArn"]))
            source = (f"backup {backup.get('BackupName')} of {created:%Y-%m-%d %H:%M} UTC" if isinstance(created, datetime)
                      else f"backup {backup.get('BackupName')}")
            size = description.get("BackupSizeBytes")
            notes.insert(0, f"Backup: {backup.get('BackupName')}, {expected if expected is not None else '?'} items"
                         + (f", {size} bytes" if size is not None else "") + f", taken {created}.")
            params = self.Params(backup=backup["BackupArn"], to=to)
        return self.make_plan([FieldChange(f"table {to}", None, "ACTIVE"),
                               FieldChange(f"items in {to}", None, expected)],
                              command=command, summary=f"Restore {source} into a new table {to}",
                              reversible=False, params=params, notes=tuple(notes))

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        if params.point_in_time is not None:
            answer = self.session.call("dynamodb", "restore_table_to_point_in_time", SourceTableName=self.target,
                                       TargetTableName=params.to, RestoreDateTime=iso_time(params.point_in_time, POINT_IN_TIME))
        else:
            answer = self.session.call("dynamodb", "restore_table_from_backup", TargetTableName=params.to,
                                       BackupArn=params.backup)
        return {"table": answer.get("TableDescription", {}).get("TableName"),
                "status": answer.get("TableDescription", {}).get("TableStatus")}

    VERIFY_WAIT = 60.0  # seconds: a small table's restore; a big one says CREATING and is checked with `o`

    def verify(self, plan: Plan) -> Verification:
        """ACTIVE with the backup's item count (counted by a scan); CREATING past the wait is said, not failed."""
        to = self.resolved(plan).to or ""
        deadline = time.monotonic() + self.VERIFY_WAIT
        observed = self.observe(plan)
        while observed[f"table {to}"] == "CREATING" and time.monotonic() < deadline:
            time.sleep(1.0)  # poll the table until the restore settles
            observed = self.observe(plan)
        status, items = observed[f"table {to}"], observed[f"items in {to}"]
        expected = plan.changes[1].after
        if status == "CREATING":
            return Verification(ok=True, detail=f"{to} is still CREATING: compare its items with the backup's "
                                f"({expected}) once ACTIVE", observed=observed)
        if status != "ACTIVE":
            return Verification(ok=False, detail=f"table {to} is {status}, expected ACTIVE", observed=observed)
        if expected is not None and items != expected:
            return Verification(ok=False, detail=f"{to} has {items} items, the backup {expected}", observed=observed)
        return Verification(ok=True, detail=f"read back: {to} ACTIVE with {items} items"
                            + (" (as the backup)" if expected is not None else ""), observed=observed)

    def observe(self, plan: Plan) -> dict[str, Any]:
        to = self.resolved(plan).to or ""
        if not self._exists(to):
            return {f"table {to}": None, f"items in {to}": None}
        table = self.session.call("dynamodb", "describe_table", TableName=to)["Table"]
        items = self.session.call("dynamodb", "scan", TableName=to, Select="COUNT").get("Count")  # counted, not estimated
        return {f"table {to}": table.get("TableStatus"), f"items in {to}": items}

