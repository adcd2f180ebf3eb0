"""An S3 bucket as runbooks 000, 001 and 004 check it: versioning, policy, and the objects the system needs.

Each of the resource's ``keys`` is headed (exists, size, last modified); a key ending in
``/`` is a prefix, listed instead ("s3 ls s3://rules/ --recursive": how many, the newest).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.aws.resources import policy_text
from services.aws.resources.calls import call, document, is_missing
from services.aws.resources.iam_eval import statements
from services.aws.resources.reading import ReadingDraft, ResourceReading, not_found, when
from services.aws.session import AwsSession
from services.errors import BadInput
from services.formatting import human_bytes
from services.profile.resources import ResourceSpec

PREFIX_LISTING = 1000  # one page: enough to say "how many, which is newest" for a runbook's prefix


def read_s3_bucket(session: AwsSession, spec: ResourceSpec, now: datetime | None = None) -> ResourceReading:
    bucket = spec.name or ""
    try:
        call(session, "s3", "head_bucket", Bucket=bucket)
    except BadInput as error:
        if is_missing(error, "404", "NoSuchBucket", "NotFound"):
            return not_found(spec, f"bucket {bucket} does not exist")
        raise
    draft = ReadingDraft(spec)
    region = draft.attempt("Region", lambda: call(session, "s3", "get_bucket_location", Bucket=bucket))
    if region is not None:
        draft.add("Region", region.get("LocationConstraint") or "us-east-1")
    versioning = draft.attempt("Versioning", lambda: call(session, "s3", "get_bucket_versioning", Bucket=bucket))
    if versioning is not None:
        status = versioning.get("Status") or "never enabled"
        mfa = ", MFA delete" if versioning.get("MFADelete") == "Enabled" else ""
        draft.add("Versioning", f"{status}{mfa}")
        if status != "Enabled":
            draft.warn(f"versioning is {status.lower()}: an overwritten or deleted object cannot be recovered")
    policy = draft.attempt("Bucket policy", lambda: _optional(session, "get_bucket_policy", bucket, "NoSuchBucketPolicy"))
    if policy is not None:
        parsed = document(policy.get("Policy"))
        draft.add("Bucket policy", policy_text.summary(parsed) if parsed else "none",
                  policy_text.statement_lines(parsed))
        denies = [statement for statement in statements(parsed) if statement.get("Effect") == "Deny"]
        if denies:
            draft.warn(f"the bucket policy has {len(denies)} Deny statement(s): they override any role's Allow")
    blocked = draft.attempt("Public access block", lambda: _optional(
        session, "get_public_access_block", bucket, "NoSuchPublicAccessBlockConfiguration"))
    if blocked is not None:
        settings = blocked.get("PublicAccessBlockConfiguration", {})
        on = [key for key, value in settings.items() if value]
        draft.add("Public access block", f"{len(on)} of 4 settings on" if settings else "none")
    for key in spec.keys:
        if key.endswith("/"):
            _prefix(session, draft, bucket, key, now)
        else:
            _key(session, draft, bucket, key, now)
    return draft.done("exists")


def _optional(session: AwsSession, operation: str, bucket: str, absent: str) -> dict[str, Any]:
    try:
        return call(session, "s3", operation, Bucket=bucket)
    except BadInput as error:
        if is_missing(error, absent):
            return {}
        raise


def _key(session: AwsSession, draft: ReadingDraft, bucket: str, key: str, now: datetime | None) -> None:
    label = f"Key {key}"

    def head() -> dict[str, Any] | None:
        try:
            return call(session, "s3", "head_object", Bucket=bucket, Key=key)
        except BadInput as error:
            if is_missing(error, "404", "NoSuchKey", "NotFound"):
                return None
            raise

    found = draft.attempt(label, lambda: [head()])
    if found is None:
        return
    head_answer = found[0]
    if head_answer is None:
        draft.add(label, "does not exist")
        draft.fail(f"s3://{bucket}/{key} does not exist")
        return
    version = f", version {head_answer['VersionId']}" if head_answer.get("VersionId") not in (None, "null") else ""
    draft.add(label, f"{human_bytes(head_answer.get('ContentLength'))}, modified "
                     f"{when(head_answer.get('LastModified'), now)}{version}")
    draft.ok(f"s3://{bucket}/{key} exists")


def _prefix(session: AwsSession, draft: ReadingDraft, bucket: str, prefix: str, now: datetime | None) -> None:
    label = f"Prefix {prefix}"
    listing = draft.attempt(label, lambda: call(session, "s3", "list_objects_v2", Bucket=bucket, Prefix=prefix,
                                                MaxKeys=PREFIX_LISTING))
    if listing is None:
        return
    objects = listing.get("Contents", [])
    if not objects:
        draft.add(label, "no objects")
        draft.fail(f"no objects under s3://{bucket}/{prefix}")
        return
    newest = max(objects, key=lambda item: item["LastModified"])
    more = "+" if listing.get("IsTruncated") else ""
    draft.add(label, f"{len(objects)}{more} objects, newest {newest['Key']} modified {when(newest['LastModified'], now)}")
    draft.ok(f"{len(objects)}{more} objects under s3://{bucket}/{prefix}")
