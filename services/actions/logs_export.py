"""CloudWatch Logs: export a log group's events to S3 (forensics, before retention drops them)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field, model_validator

from services.actions.base import FieldChange, Plan, Risk, Verification
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, error_code
from services.errors import BadInput

CREATED = "created"
_GONE = ("FAILED", "CANCELLED")


def _stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%SZ")



MAX_EPOCH_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: past it, dates overflow

class ExportToS3(ReadBackAction["ExportToS3.Params"]):
    id = "logs.export-to-s3"
    title = "Export a log group's events to an S3 bucket"
    risk = Risk.LOW
    target_kind = "log group name"

    class Params(ParamsModel):
        bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", description="destination S3 bucket")
        prefix: str | None = Field(default=None, max_length=512, description="key prefix; default incident-cockpit/TIME")
        hours: float = Field(default=24, gt=0, le=24 * 366, description="how far back, when from_ms is not given")
        from_ms: int | None = Field(default=None, ge=0, le=MAX_EPOCH_MS, description="start, epoch milliseconds")
        to_ms: int | None = Field(default=None, ge=0, le=MAX_EPOCH_MS, description="end, epoch milliseconds; default now")

        @model_validator(mode="after")
        def _window(self) -> ExportToS3.Params:
            if self.from_ms is not None and self.to_ms is not None and self.from_ms >= self.to_ms:
                raise ValueError("from_ms must be before to_ms")
            return self

    def _field(self, params: Params) -> str:
        return f"export to s3://{params.bucket}/{params.prefix}"

    def plan(self) -> Plan:
        params = self.params
        groups = self.session.call("logs", "describe_log_groups", logGroupNamePrefix=self.target).get("logGroups", [])
        if not any(group.get("logGroupName") == self.target for group in groups):
            raise BadInput(f"no log group named {self.target!r}")
        try:
            self.session.call("s3", "head_bucket", Bucket=params.bucket)
        except BadInput as error:
            if error_code(error) in ("404", "NoSuchBucket", "Not Found"):
                raise BadInput(f"no S3 bucket named {params.bucket!r}") from None
            raise
        now = datetime.now(UTC)
        to_ms = params.to_ms if params.to_ms is not None else int(now.timestamp() * 1000)
        from_ms = params.from_ms if params.from_ms is not None else to_ms - int(params.hours * 3_600_000)
        if from_ms >= to_ms:
            raise BadInput(f"{self.id}: the window starts ({from_ms}) after it ends ({to_ms})")
        prefix = params.prefix if params.prefix is not None else f"incident-cockpit/{now:%Y%m%d-%H%M%S}"
        resolved = self.Params(bucket=params.bucket, prefix=prefix, hours=params.hours, from_ms=from_ms, to_ms=to_ms)
        return self.make_plan(
            [FieldChange(self._field(resolved), None, CREATED)],
            command=aws_cli("logs", "create-export-task", ("--log-group-name", self.target), ("--from", from_ms),
                            ("--to", to_ms), ("--destination", params.bucket), ("--destination-prefix", prefix)),
            summary=f"Export {self.target} from {_stamp(from_ms)} to {_stamp(to_ms)} to s3://{params.bucket}/{prefix}",
            reversible=False, params=resolved,
            notes=("The bucket's policy must let logs.amazonaws.com write to it (s3:PutObject, s3:GetBucketAcl).",
                   "An account runs one export task at a time; it can take minutes to hours."))

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        answer = self.session.call("logs", "create_export_task", logGroupName=self.target, fromTime=params.from_ms,
                                   to=params.to_ms, destination=params.bucket, destinationPrefix=params.prefix)
        return {"task_id": answer.get("taskId")}

    def task(self, plan: Plan) -> dict[str, Any] | None:
        """The newest export task of this plan's group, bucket, prefix and window."""
        params = self.resolved(plan)
        answer = self.session.call("logs", "describe_export_tasks")
        matching = [task for task in answer.get("exportTasks", [])
                    if task.get("logGroupName") == self.target and task.get("destination") == params.bucket
                    and task.get("destinationPrefix") == params.prefix
                    and task.get("from") == params.from_ms and task.get("to") == params.to_ms]
        return matching[-1] if matching else None

    def observe(self, plan: Plan) -> dict[str, Any]:
        task = self.task(plan)
        status = (task or {}).get("status", {}).get("code")
        created = CREATED if task and status not in _GONE else None
        return {self._field(self.resolved(plan)): created, "status": status}

    def verify(self, plan: Plan) -> Verification:
        verification = super().verify(plan)
        status = verification.observed.get("status")
        task = self.task(plan) or {}
        message = task.get("status", {}).get("message")
        detail = f"export task {task.get('taskId', 'not found')}: {status or 'no status'}" + (f" ({message})" if message else "")
        return Verification(ok=verification.ok, detail=detail, observed=verification.observed)
