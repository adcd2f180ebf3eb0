"""Runbook 000's delivery check: send one test message to a queue.

The answer is the finding: a MessageId says the cockpit's credentials can deliver there;
an AccessDenied (the executor reports it as the outcome's error) is the permission the
responder is looking for. A queue given by URL is not read first: a cross-account queue
may allow sending and nothing else.
"""
from __future__ import annotations

import json
import re
import socket
from typing import Any

from pydantic import Field, field_validator

from services.actions.base import FieldChange, Plan, Risk, Verification
from services.actions.common import ParamsModel, aws_cli
from services.actions.sqs import QueueAction, queue_url
from services.errors import AccessDenied

_XML_ERROR = re.compile(r"<Code>(.*?)</Code>.*?<Message>(.*?)</Message>", re.DOTALL)
BODY = "message body"
DEPTH = "messages in queue"


def default_body() -> str:
    """The runbook's ``Test message from $(hostname)``, as JSON a consumer can recognise and drop."""
    return json.dumps({"test": True, "source": "incident-cockpit", "message": f"Test message from {socket.gethostname()}"},
                      separators=(",", ":"))


def _one_line(error: AccessDenied) -> str:
    """The denial as one line: moto's SQS answers its XML error document inside a JSON-protocol error."""
    text = str(error.args[0]) if error.args else ""
    found = _XML_ERROR.search(text)
    return f"{found.group(1)}: {found.group(2)}" if found else " ".join(text.split())


class SendTest(QueueAction["SendTest.Params"]):
    id = "sqs.send-test"
    title = "Send a test message to a queue (runbook 000's delivery check)"
    risk = Risk.LOW
    target_kind = "SQS queue name, URL or ARN"
    volatile = frozenset({DEPTH})

    class Params(ParamsModel):
        body: str | None = Field(default=None, min_length=1, max_length=262_144,
                                 description="the message body; default: a JSON test message naming this host")
        attributes: dict[str, str] | None = Field(default=None, description='message attributes {"name": "text"}')

        @field_validator("body", mode="before")
        @classmethod
        def _text(cls, body: Any) -> Any:
            # The CLI and the form parse JSON: a body typed as {"a": 1} arrives as a dict; send it as typed.
            return json.dumps(body, separators=(",", ":")) if isinstance(body, (dict, list)) else body

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.message_id: str | None = None

    def url(self) -> str:
        if self.target.startswith(("https://", "http://")):
            return self.target
        return queue_url(self.session, self.target)

    def depth(self, url: str) -> int | None:
        """Visible + in flight + delayed; None when these credentials may not read it (sending may still work)."""
        try:
            return sum(self.counts(url).values())
        except AccessDenied:
            return None

    def _attributes(self, attributes: dict[str, str]) -> dict[str, dict[str, str]]:
        return {name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()}

    def plan(self) -> Plan:
        url = self.url()
        depth = self.depth(url)
        body = self.params.body if self.params.body is not None else default_body()
        attributes = self.params.attributes or {}
        options: list[Any] = [("--queue-url", url), ("--message-body", body)]
        if attributes:
            options.append(("--message-attributes", self._attributes(attributes)))
        notes = [f"queue URL: {url}"]
        notes += [f"attribute {name} = {value}" for name, value in attributes.items()]
        if depth is None:
            notes.append("These credentials may not read the queue's depth: only the send's answer is checked.")
        notes += ["The queue's consumers receive it like any other message: it cannot be unsent.",
                  "An AccessDenied answer is the finding: the principal may not send to this queue."]
        return self.make_plan(
            [FieldChange(BODY, None, body), FieldChange(DEPTH, depth, None if depth is None else depth + 1)],
            command=aws_cli("sqs", "send-message", *options),
            summary=f"Send one test message to {url}", reversible=False,
            params=self.Params(body=body, attributes=self.params.attributes), notes=tuple(notes))

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        request: dict[str, Any] = {"QueueUrl": self.url(), "MessageBody": params.body}
        if params.attributes:
            request["MessageAttributes"] = self._attributes(params.attributes)
        try:
            answer = self.session.call("sqs", "send_message", **request)
        except AccessDenied as error:
            raise AccessDenied(f"sending to {request['QueueUrl']}: {_one_line(error)}", operation=error.operation) from None
        self.message_id = answer.get("MessageId")
        return {"message id": self.message_id}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {BODY: self.resolved(plan).body if self.message_id else None, DEPTH: self.depth(self.url())}

    def verify(self, plan: Plan) -> Verification:
        """Sent when SQS answered a MessageId, and the depth grew where it can be read."""
        observed = self.observe(plan)
        if not self.message_id:
            return Verification(ok=False, detail="SQS answered no MessageId", observed=observed)
        before, now = plan.changes[1].before, observed[DEPTH]
        detail = f"sent: MessageId {self.message_id}"
        if before is None or now is None:
            return Verification(ok=True, detail=f"{detail}; the queue's depth is not readable", observed=observed)
        if now > before:
            return Verification(ok=True, detail=f"{detail}; {DEPTH} {before} → {now}", observed=observed)
        return Verification(ok=False, observed=observed,
                            detail=f"{detail}, but {DEPTH} is still {now} (a consumer may have received and deleted it)")
