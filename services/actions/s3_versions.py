"""S3: bring back an earlier version of an object (runbook 002's "recover S3 objects from versions").

A restore is a copy: the chosen version is copied over the key, which makes a NEW current
version with the old content (nothing is deleted, so the undo is the same copy of the
version that was current). Needs versioning on the bucket.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as
from services.errors import BadInput
from services.formatting import human_bytes

LISTED = 8  # versions shown in the plan


class RestoreVersion(ReadBackAction["RestoreVersion.Params"]):
    id = "s3.restore-version"
    title = "Restore an earlier version of an S3 object (copy it over the current one)"
    risk = Risk.LOW
    target_kind = "S3 bucket name"

    class Params(ParamsModel):
        key: str = Field(min_length=1, max_length=1024, description="the object's key, e.g. reports/2026/12/acme.pdf")
        version: str | None = Field(default=None, min_length=1, max_length=1024,
                                    description="the version id to bring back; default: the one before the current")

    def versions(self) -> list[dict[str, Any]]:
        """The key's versions and delete markers, newest first (each with ``IsDeleteMarker``)."""
        key = self.params.key
        with missing_as(f"no S3 bucket named {self.target!r}", "NoSuchBucket"):
            status = self.session.call("s3", "get_bucket_versioning", Bucket=self.target).get("Status")
        if status not in ("Enabled", "Suspended"):
            raise BadInput(f"{self.id}: versioning is not enabled on {self.target}: it keeps no earlier versions")
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {"Bucket": self.target, "Prefix": key}
        while True:
            answer = self.session.call("s3", "list_object_versions", **request)
            found += [{**v, "IsDeleteMarker": False} for v in answer.get("Versions", []) if v.get("Key") == key]
            found += [{**m, "IsDeleteMarker": True} for m in answer.get("DeleteMarkers", []) if m.get("Key") == key]
            if not answer.get("IsTruncated"):
                break
            request.update(KeyMarker=answer.get("NextKeyMarker"), VersionIdMarker=answer.get("NextVersionIdMarker"))
        if not found:
            raise BadInput(f"{self.id}: s3://{self.target}/{key} has no versions (no such key)")
        return sorted(found, key=lambda v: (v.get("IsLatest", False), v.get("LastModified")), reverse=True)

    def plan(self) -> Plan:
        versions = self.versions()
        current = versions[0]
        objects = [v for v in versions if not v["IsDeleteMarker"]]
        wanted = self.params.version
        if wanted is None:
            older = [v for v in objects if v.get("VersionId") != current.get("VersionId")]
            if not older:
                raise BadInput(f"{self.id}: s3://{self.target}/{self.params.key} has no version before the current one")
            chosen = older[0]
        else:
            match = [v for v in objects if v.get("VersionId") == wanted]
            if not match:
                raise BadInput(f"{self.id}: s3://{self.target}/{self.params.key} has no version {wanted!r}")
            chosen = match[0]
            if chosen.get("VersionId") == current.get("VersionId"):
                raise BadInput(f"{self.id}: version {wanted} is the current one already")
        listed = [f"{'→ ' if v is chosen else '  '}{_describe(v)}{'  (current)' if v is current else ''}"
                  for v in versions[:LISTED]]
        source = f"{self.target}/{self.params.key}?versionId={chosen['VersionId']}"
        # Compared by ETag (the content's MD5 for a single-part object; a copy keeps it): the version id of
        # the copy is new, its content is the chosen version's.
        return self.make_plan(
            [FieldChange(self._field(), _etag(current), _etag(chosen))],
            command=aws_cli("s3api", "copy-object", ("--bucket", self.target), ("--key", self.params.key),
                            ("--copy-source", source)),
            summary=f"Restore s3://{self.target}/{self.params.key} to version {chosen['VersionId']}",
            reversible=True, params=self.Params(key=self.params.key, version=str(chosen["VersionId"])),
            notes=("Versions, newest first:", *listed,
                   "The copy is a new current version; every version stays (undo copies back the one current now).",
                   "Not s3api restore-object: that one brings back archived (Glacier) objects, not versions.",
                   *((f"Undo brings back version {current['VersionId']}.",) if not current["IsDeleteMarker"] else
                     ("The key is deleted now (a delete marker): undo cannot delete it again.",))))

    def _field(self) -> str:
        return f"s3://{self.target}/{self.params.key} content (ETag)"

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        answer = self.session.call("s3", "copy_object", Bucket=self.target, Key=params.key,
                                   CopySource={"Bucket": self.target, "Key": params.key, "VersionId": params.version})
        return {"new version": answer.get("VersionId")}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {self._field(): _etag(self.versions()[0])}

    def inverse(self, plan: Plan) -> RestoreVersion | None:
        before = plan.changes[0].before
        if before == DELETED:
            return None  # the key was deleted before: deleting it again is not a copy
        # The version that was current: the newest non-copy version with that content, older than the restore.
        versions = [v for v in self.versions() if not v["IsDeleteMarker"] and _etag(v) == before]
        if len(versions) < 1:
            return None
        return self.sibling(RestoreVersion, self.target, {"key": self.resolved(plan).key,
                                                          "version": str(versions[0]["VersionId"])})


DELETED = "(deleted: a delete marker)"


def _etag(version: dict[str, Any]) -> str:
    return DELETED if version["IsDeleteMarker"] else str(version.get("ETag", "")).strip('"')


def _describe(version: dict[str, Any] | None) -> str:
    if version is None:
        return "(gone)"
    when = version.get("LastModified")
    stamp = when.strftime("%Y-%m-%d %H:%M:%S") if isinstance(when, datetime) else str(when)
    if version.get("IsDeleteMarker"):
        return f"{version.get('VersionId')} (delete marker, {stamp})"
    return f"{version.get('VersionId')} ({human_bytes(version.get('Size', 0))}, {stamp})"
