"""An SQS queue as runbook 000 checks it: depth, the oldest message, the dead-letter queue, the policy.

The age of the oldest message is not a queue attribute: it is CloudWatch's
``AWS/SQS ApproximateAgeOfOldestMessage``, read for the last 15 minutes ("n/a" without data).
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from services.aws.resources import policy_text
from services.aws.resources.calls import call, document, is_missing
from services.aws.resources.reading import ReadingDraft, ResourceReading, not_found, span
from services.aws.session import AwsSession
from services.errors import BadInput
from services.profile.resources import ResourceSpec

MISSING = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
AGE_WINDOW = timedelta(minutes=15)


def queue_url(session: AwsSession, name: str, owner: str | None = None) -> str | None:
    """The queue's URL, or None when there is no such queue."""
    params = {"QueueName": name} | ({"QueueOwnerAWSAccountId": owner} if owner else {})
    try:
        return str(call(session, "sqs", "get_queue_url", **params)["QueueUrl"])
    except BadInput as error:
        if is_missing(error, *MISSING):
            return None
        raise


def queue_attributes(session: AwsSession, url: str) -> dict[str, str]:
    return dict(call(session, "sqs", "get_queue_attributes", QueueUrl=url, AttributeNames=["All"]).get("Attributes", {}))


def read_sqs(session: AwsSession, spec: ResourceSpec) -> ResourceReading:
    name = spec.name or ""
    url = queue_url(session, name)
    if url is None:
        return not_found(spec, f"queue {name} does not exist")
    attributes = queue_attributes(session, url)
    draft = ReadingDraft(spec)
    visible = int(attributes.get("ApproximateNumberOfMessages", 0))
    in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
    delayed = int(attributes.get("ApproximateNumberOfMessagesDelayed", 0))
    draft.add("Messages", f"{visible} visible, {in_flight} in flight, {delayed} delayed")
    retention = int(attributes.get("MessageRetentionPeriod", 345600))
    read = draft.attempt("Oldest message", lambda: [_oldest_age(session, name)])  # [None]: read, no data
    if read is not None:
        oldest = read[0]
        draft.add("Oldest message", span(oldest) if oldest is not None else
                  "n/a (no ApproximateAgeOfOldestMessage in CloudWatch for the last 15 min)")
        if oldest is not None and oldest > retention / 2:
            draft.warn(f"the oldest message is {span(oldest)} old; messages expire after {span(retention)}")
    draft.add("Visibility timeout", span(int(attributes.get("VisibilityTimeout", 30))))
    draft.add("Retention", span(retention))
    draft.add("Encryption", _encryption(attributes))
    _redrive(session, draft, attributes.get("RedrivePolicy"), retention)
    policy = document(attributes.get("Policy"))
    draft.add("Queue policy", policy_text.summary(policy) if policy else "none (only this account's IAM principals)",
              policy_text.statement_lines(policy))
    draft.add("ARN", attributes.get("QueueArn", "?"))
    draft.add("URL", url)
    return draft.done("exists")


def _oldest_age(session: AwsSession, name: str) -> float | None:
    # The end is a minute ahead: the minute now under way is a bucket too (an endpoint may leave out a bucket
    # that ends after EndTime), and the newest point is the one that matters.
    end = datetime.now(UTC) + timedelta(minutes=1)
    answer = call(session, "cloudwatch", "get_metric_statistics", Namespace="AWS/SQS",
                  MetricName="ApproximateAgeOfOldestMessage", Dimensions=[{"Name": "QueueName", "Value": name}],
                  StartTime=end - AGE_WINDOW, EndTime=end, Period=60, Statistics=["Maximum"])
    points = sorted(answer.get("Datapoints", []), key=lambda point: point["Timestamp"])
    return float(points[-1]["Maximum"]) if points else None


def _encryption(attributes: dict[str, str]) -> str:
    if attributes.get("KmsMasterKeyId"):
        return f"KMS key {attributes['KmsMasterKeyId']}"
    return "SQS-managed (SSE-SQS)" if attributes.get("SqsManagedSseEnabled") == "true" else "none"


def _redrive(session: AwsSession, draft: ReadingDraft, raw: str | None, retention: int) -> None:
    if not raw:
        draft.add("Redrive policy", "none")
        draft.warn(f"no dead-letter queue: a message that keeps failing is retried until it expires ({span(retention)})")
        return
    policy = json.loads(raw)
    target = str(policy.get("deadLetterTargetArn", ""))
    parts = target.split(":")
    dlq_name, owner = (parts[5], parts[4]) if len(parts) >= 6 else (target, None)
    draft.add("Redrive policy", f"to {dlq_name} after {policy.get('maxReceiveCount', '?')} receives")

    def depth() -> str:
        url = queue_url(session, dlq_name, owner)
        if url is None:
            draft.fail(f"the dead-letter queue {dlq_name} does not exist")
            return "queue not found"
        waiting = int(queue_attributes(session, url).get("ApproximateNumberOfMessages", 0))
        if waiting:
            draft.warn(f"the dead-letter queue {dlq_name} holds {waiting} message(s)")
        return f"{waiting} message(s)"

    found = draft.attempt("Dead-letter queue depth", depth)
    if found is not None:
        draft.add("Dead-letter queue depth", found)
