"""DynamoDB: take an on-demand backup of a table before touching it."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as
from services.errors import BadInput

CREATED = "created"


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
