"""SQS: purge a queue, set or remove its dead-letter redrive, move a DLQ's messages back."""
from __future__ import annotations

import json
import re
from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, ParamsT, Plan, Risk, Verification
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as
from services.errors import BadInput

_MISSING = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
_QUEUE_ARN = re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:(\d{12}):([A-Za-z0-9_-]{1,80}(\.fifo)?)$")
_COUNTS = {"messages available": "ApproximateNumberOfMessages",
           "messages in flight": "ApproximateNumberOfMessagesNotVisible",
           "messages delayed": "ApproximateNumberOfMessagesDelayed"}


def queue_url(session: Any, queue: str) -> str:
    """The URL of a queue given by name, URL or ARN; ``BadInput`` when there is no such queue."""
    with missing_as(f"no SQS queue {queue!r}", *_MISSING):
        if queue.startswith(("https://", "http://")):
            session.call("sqs", "get_queue_attributes", QueueUrl=queue, AttributeNames=["QueueArn"])
            return queue
        arn = _QUEUE_ARN.match(queue)
        if arn:
            return session.call("sqs", "get_queue_url", QueueName=arn.group(2), QueueOwnerAWSAccountId=arn.group(1))["QueueUrl"]
        return session.call("sqs", "get_queue_url", QueueName=queue)["QueueUrl"]


def queue_attributes(session: Any, url: str, *names: str) -> dict[str, str]:
    with missing_as(f"no SQS queue at {url}", *_MISSING):
        return session.call("sqs", "get_queue_attributes", QueueUrl=url, AttributeNames=list(names)).get("Attributes", {})


class QueueAction(ReadBackAction[ParamsT]):
    """Base of the SQS actions: the target is a queue's name (or URL)."""

    target_kind = "SQS queue name"

    def url(self) -> str:
        return queue_url(self.session, self.target)

    def counts(self, url: str) -> dict[str, int]:
        attributes = queue_attributes(self.session, url, *_COUNTS.values())
        return {field: int(attributes.get(name, 0)) for field, name in _COUNTS.items()}


class Purge(QueueAction["Purge.Params"]):
    id = "sqs.purge"
    title = "Purge a queue (delete every message)"
    risk = Risk.DESTRUCTIVE
    volatile = frozenset(_COUNTS)

    class Params(ParamsModel):
        pass

    def plan(self) -> Plan:
        url = self.url()
        counts = self.counts(url)
        total = sum(counts.values())
        return self.make_plan(
            [FieldChange(field, count, 0) for field, count in counts.items()],
            command=aws_cli("sqs", "purge-queue", ("--queue-url", url)),
            summary=f"Delete all {total} messages in {self.target}", reversible=False,
            notes=("Deleted messages cannot be recovered.",
                   "AWS allows one purge per queue every 60 s and may take up to 60 s to finish it."))

    def run(self, plan: Plan) -> dict[str, Any]:
        self.session.call("sqs", "purge_queue", QueueUrl=self.url())
        return {"purged": self.target}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return self.counts(self.url())

    def verify(self, plan: Plan) -> Verification:
        verification = super().verify(plan)
        if verification.ok:
            return verification
        return Verification(ok=False, detail=f"{verification.detail} (AWS finishes a purge within 60 s)",
                            observed=verification.observed)


def _redrive(attributes: dict[str, str]) -> tuple[str | None, int | None]:
    raw = attributes.get("RedrivePolicy")
    if not raw:
        return None, None
    policy = json.loads(raw)
    count = policy.get("maxReceiveCount")
    return policy.get("deadLetterTargetArn"), int(count) if count is not None else None


class SetRedrive(QueueAction["SetRedrive.Params"]):
    """Send messages received too often to a dead-letter queue; ``dead_letter_queue=null`` removes it."""

    id = "sqs.set-redrive"
    title = "Set (or remove) a queue's dead-letter queue"
    risk = Risk.LOW

    class Params(ParamsModel):
        dead_letter_queue: str | None = Field(description="DLQ name, URL or ARN; null removes the redrive policy")
        max_receive_count: int = Field(default=3, ge=1, le=1000, description="receives before a message moves to the DLQ")

    def plan(self) -> Plan:
        url = self.url()
        attributes = queue_attributes(self.session, url, "RedrivePolicy", "QueueArn")
        before_arn, before_count = _redrive(attributes)
        own_arn = attributes["QueueArn"]
        params = self.params
        if params.dead_letter_queue is None:
            after_arn, after_count, policy = None, None, ""
            summary = f"Remove {self.target}'s dead-letter queue (was {before_arn})"
        else:
            dlq_url = queue_url(self.session, params.dead_letter_queue)
            after_arn, after_count = queue_attributes(self.session, dlq_url, "QueueArn")["QueueArn"], params.max_receive_count
            if after_arn == own_arn:
                raise BadInput(f"{self.id}: a queue cannot be its own dead-letter queue")
            policy = json.dumps({"deadLetterTargetArn": after_arn, "maxReceiveCount": after_count}, separators=(",", ":"))
            summary = f"Send messages received {after_count} times from {self.target} to {after_arn.rsplit(':', 1)[-1]}"
        resolved = self.Params(dead_letter_queue=after_arn, max_receive_count=params.max_receive_count)
        return self.make_plan(
            [FieldChange("dead-letter queue", before_arn, after_arn),
             FieldChange("max receive count", before_count, after_count)],
            command=aws_cli("sqs", "set-queue-attributes", ("--queue-url", url), ("--attributes", {"RedrivePolicy": policy})),
            summary=summary, reversible=True, params=resolved)

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        policy = "" if params.dead_letter_queue is None else json.dumps(
            {"deadLetterTargetArn": params.dead_letter_queue, "maxReceiveCount": params.max_receive_count},
            separators=(",", ":"))
        self.session.call("sqs", "set_queue_attributes", QueueUrl=self.url(), Attributes={"RedrivePolicy": policy})
        return {"redrive policy": policy or None}

    def observe(self, plan: Plan) -> dict[str, Any]:
        arn, count = _redrive(queue_attributes(self.session, self.url(), "RedrivePolicy"))
        return {"dead-letter queue": arn, "max receive count": count}

    def inverse(self, plan: Plan) -> SetRedrive:
        arn, count = plan.changes[0].before, plan.changes[1].before
        return self.sibling(SetRedrive, self.target, {"dead_letter_queue": arn, "max_receive_count": count or 3})


class RedriveDlq(QueueAction["RedriveDlq.Params"]):
    """Move a dead-letter queue's messages back to their source queue (an SQS message move task)."""

    id = "sqs.redrive-dlq"
    title = "Move a dead-letter queue's messages back to their source"
    risk = Risk.LOW
    target_kind = "SQS dead-letter queue name"
    volatile = frozenset({"messages in dead-letter queue"})

    class Params(ParamsModel):
        destination: str | None = Field(default=None, description="queue to move to; default: each message's source")
        max_per_second: int | None = Field(default=None, ge=1, le=500, description="messages moved per second")

    def plan(self) -> Plan:
        url = self.url()
        attributes = queue_attributes(self.session, url, "QueueArn", *_COUNTS.values())
        waiting = int(attributes.get("ApproximateNumberOfMessages", 0))
        params = self.params
        destination_arn = None
        if params.destination is not None:
            destination_url = queue_url(self.session, params.destination)
            destination_arn = queue_attributes(self.session, destination_url, "QueueArn")["QueueArn"]
        options: list[Any] = [("--source-arn", attributes["QueueArn"])]
        if destination_arn:
            options.append(("--destination-arn", destination_arn))
        if params.max_per_second:
            options.append(("--max-number-of-messages-per-second", params.max_per_second))
        return self.make_plan(
            [FieldChange("messages in dead-letter queue", waiting, 0)],
            command=aws_cli("sqs", "start-message-move-task", *options),
            summary=f"Move {waiting} messages from {self.target} back to "
                    f"{params.destination or 'their source queue'}",
            reversible=False, params=self.Params(destination=destination_arn, max_per_second=params.max_per_second),
            notes=("Messages that failed before may fail again: fix the cause first.",
                   "The move runs in the background; AWS cancels it with cancel-message-move-task."))

    def _source_arn(self) -> str:
        return queue_attributes(self.session, self.url(), "QueueArn")["QueueArn"]

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        request: dict[str, Any] = {"SourceArn": self._source_arn()}
        if params.destination:
            request["DestinationArn"] = params.destination
        if params.max_per_second:
            request["MaxNumberOfMessagesPerSecond"] = params.max_per_second
        answer = self.session.call("sqs", "start_message_move_task", **request)
        return {"task handle": answer.get("TaskHandle")}

    def observe(self, plan: Plan) -> dict[str, Any]:
        counts = self.counts(self.url())
        return {"messages in dead-letter queue": counts["messages available"]}

    def verify(self, plan: Plan) -> Verification:
        """The move is asynchronous: the newest task RUNNING or COMPLETED is the success to read back."""
        answer = self.session.call("sqs", "list_message_move_tasks", SourceArn=self._source_arn(), MaxResults=1)
        tasks = answer.get("Results", [])
        status = tasks[0].get("Status") if tasks else None
        observed = {**self.observe(plan), "move task": status}
        ok = status in ("RUNNING", "COMPLETED")
        moved = tasks[0].get("ApproximateNumberOfMessagesMoved") if tasks else None
        detail = f"move task {status or 'not found'}" + (f", {moved} moved so far" if moved is not None else "")
        if tasks and tasks[0].get("FailureReason"):
            detail += f": {tasks[0]['FailureReason']}"
        return Verification(ok=ok, detail=detail, observed=observed)
