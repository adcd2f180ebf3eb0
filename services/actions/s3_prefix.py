"""S3: back a prefix up to a local folder and restore it (runbook 001's ``aws s3 sync`` of the rules).

``s3.backup-prefix`` copies every object under the prefix into a dated folder of the cockpit's
state directory, ``backups/s3/BUCKET/PREFIX-YYYYmmdd-HHMMSS/`` (``aws s3 sync
s3://BUCKET/PREFIX dir/``). ``s3.restore-prefix`` uploads what differs back (``aws s3 sync dir/
s3://BUCKET/PREFIX``: new and changed files; nothing is deleted, as sync without ``--delete``),
after backing up the prefix as it is now (the undo restores that).
"""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as
from services.errors import BadInput

_NAME = r"^[A-Za-z0-9._-]{1,200}-\d{8}-\d{6}(-\d+)?$"
SHOWN = 12  # files named in a plan


def backup_root(bucket: str) -> Path:
    from services.paths import state_dir

    folder = state_dir() / "backups" / "s3" / bucket
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _slug(prefix: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", prefix).strip("-") or "bucket"


def new_backup_name(bucket: str, prefix: str, now: datetime, *, safety: bool = False) -> str:
    base = f"{_slug(prefix)}-{'pre-restore-' if safety else ''}{now.astimezone(UTC):%Y%m%d-%H%M%S}"
    for attempt in range(1, 100):
        name = base if attempt == 1 else f"{base}-{attempt}"
        if not (backup_root(bucket) / name).exists():
            return name
    raise BadInput(f"too many backups named {base}*")


def local_files(folder: Path) -> dict[str, str]:
    """Relative key → MD5 (the ETag of a single-part upload) of every file under ``folder``."""
    return {path.relative_to(folder).as_posix(): hashlib.md5(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


class _PrefixAction(ReadBackAction[Any]):
    """Base of the prefix actions: the target is a bucket, ``prefix`` a parameter."""
    target_kind = "S3 bucket name"

    def objects(self, prefix: str) -> dict[str, str]:
        """Key (relative to the prefix) → ETag of every object under it."""
        found: dict[str, str] = {}
        request: dict[str, Any] = {"Bucket": self.target, "Prefix": prefix}
        with missing_as(f"no S3 bucket named {self.target!r}", "NoSuchBucket"):
            while True:
                answer = self.session.call("s3", "list_objects_v2", **request)
                for item in answer.get("Contents", []):
                    if not item["Key"].endswith("/"):
                        found[item["Key"][len(prefix):]] = str(item.get("ETag", "")).strip('"')
                if not answer.get("IsTruncated"):
                    return found
                request["ContinuationToken"] = answer["NextContinuationToken"]

    def download(self, prefix: str, folder: Path) -> int:
        objects = self.objects(prefix)
        for key in objects:
            path = folder / key
            path.parent.mkdir(parents=True, exist_ok=True)
            body = self.session.call("s3", "get_object", Bucket=self.target, Key=prefix + key)["Body"].read()
            path.write_bytes(body)
        folder.mkdir(parents=True, exist_ok=True)
        return len(objects)


def _listing(keys: list[str]) -> str:
    shown = ", ".join(keys[:SHOWN])
    return shown + (f" and {len(keys) - SHOWN} more" if len(keys) > SHOWN else "")


class BackupPrefix(_PrefixAction):
    id = "s3.backup-prefix"
    title = "Back up an S3 prefix to a dated local folder (aws s3 sync s3://BUCKET/PREFIX dir/)"
    risk = Risk.LOW

    class Params(ParamsModel):
        prefix: str = Field(min_length=1, max_length=1024, description="e.g. rules/ (ends with /)")
        name: str | None = Field(default=None, pattern=_NAME, description="the folder; default PREFIX-YYYYmmdd-HHMMSS")

    def plan(self) -> Plan:
        prefix = self.params.prefix
        objects = self.objects(prefix)
        if not objects:
            raise BadInput(f"{self.id}: s3://{self.target}/{prefix} holds no objects")
        name = self.params.name or new_backup_name(self.target, prefix, datetime.now(UTC))
        folder = backup_root(self.target) / name
        if folder.exists():
            raise BadInput(f"{self.id}: {folder} exists already")
        return self.make_plan(
            [FieldChange(f"backup {name}", None, len(objects))],
            command=aws_cli("s3", "sync", f"s3://{self.target}/{prefix}", str(folder) + "/"),
            summary=f"Back up {len(objects)} objects of s3://{self.target}/{prefix} into {folder}",
            reversible=False, params=self.Params(prefix=prefix, name=name),
            notes=(f"Objects: {_listing(sorted(objects))}.",))

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        count = self.download(params.prefix, backup_root(self.target) / str(params.name))
        return {"files": count}

    def observe(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        folder = backup_root(self.target) / str(params.name)
        return {f"backup {params.name}": len(local_files(folder)) if folder.is_dir() else None}


class RestorePrefix(_PrefixAction):
    id = "s3.restore-prefix"
    title = "Restore an S3 prefix from a local backup (aws s3 sync dir/ s3://BUCKET/PREFIX)"
    risk = Risk.HIGH

    class Params(ParamsModel):
        prefix: str = Field(min_length=1, max_length=1024, description="e.g. rules/")
        backup: str | None = Field(default=None, pattern=_NAME, description="the backup folder; default: the newest")
        safety: str | None = Field(default=None, pattern=_NAME,
                                   description="the prefix as it is now is backed up there first (undo restores it)")

    def chosen(self) -> Path:
        slug = _slug(self.params.prefix)
        root = backup_root(self.target)
        pattern = re.compile(rf"{re.escape(slug)}-\d{{8}}-\d{{6}}(-\d+)?")  # not the pre-restore ones
        found = sorted((p for p in root.iterdir() if p.is_dir() and pattern.fullmatch(p.name)), reverse=True)
        if self.params.backup is None:
            if not found:
                raise BadInput(f"{self.id}: no backup of s3://{self.target}/{self.params.prefix} (s3.backup-prefix takes one)")
            return found[0]
        folder = root / self.params.backup
        if not folder.is_dir():
            raise BadInput(f"{self.id}: no backup {self.params.backup!r} of s3://{self.target}/{self.params.prefix}")
        return folder

    def plan(self) -> Plan:
        folder = self.chosen()
        prefix = self.params.prefix
        wanted, current = local_files(folder), self.objects(prefix)
        differ = sorted(key for key, digest in wanted.items() if current.get(key) != digest)
        if not differ:
            raise BadInput(f"{self.id}: s3://{self.target}/{prefix} already holds what {folder.name} holds")
        safety = self.params.safety or new_backup_name(self.target, prefix, datetime.now(UTC), safety=True)
        missing = [key for key in differ if key not in current]
        extra = sorted(set(current) - set(wanted))
        return self.make_plan(
            [FieldChange(f"s3://{self.target}/{prefix}{key}", current.get(key), wanted[key]) for key in differ],
            command=aws_cli("s3", "sync", str(folder) + "/", f"s3://{self.target}/{prefix}"),
            summary=f"Restore {len(differ)} objects of s3://{self.target}/{prefix} from {folder.name}",
            reversible=not missing, params=self.Params(prefix=prefix, backup=folder.name, safety=safety),
            notes=(f"Uploaded: {_listing(differ)} ({len(missing)} missing now, {len(differ) - len(missing)} changed); "
                   "compared by MD5 (ETag).",
                   f"First the prefix as it is now is backed up as {safety}"
                   + (" (undo restores it)." if not missing else "; no undo: it would mean deleting the objects "
                      "the restore adds back."),
                   *((f"Kept, not in the backup (sync without --delete): {_listing(extra)}.",) if extra else ())))

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        safety = backup_root(self.target) / str(params.safety)
        if not safety.exists():
            self.download(params.prefix, safety)
        folder = backup_root(self.target) / str(params.backup)
        keys = [change.field.removeprefix(f"s3://{self.target}/{params.prefix}") for change in plan.changes]
        for key in keys:
            self.session.call("s3", "put_object", Bucket=self.target, Key=params.prefix + key,
                              Body=(folder / key).read_bytes())
        return {"uploaded": len(keys), "safety": safety.name}

    def observe(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        current = self.objects(params.prefix)
        return {change.field: current.get(change.field.removeprefix(f"s3://{self.target}/{params.prefix}"))
                for change in plan.changes}

    def inverse(self, plan: Plan) -> RestorePrefix | None:
        params = self.resolved(plan)
        if any(change.before is None for change in plan.changes):
            return None  # the restore added objects: undoing means deleting them, which a sync back does not do
        return self.sibling(RestorePrefix, self.target, {"prefix": params.prefix, "backup": params.safety})
