"""Tell someone: ``notify.sns``, ``notify.email`` (SES) and ``notify.webhook``, the runbooks' escalation.

The plan shows the message exactly as it will be sent (``escalation_message`` writes it from
the incident and the timeline: title, severity, elapsed, last actions) and the equivalent
``aws sns publish``, ``aws ses send-email`` or ``curl -X POST``. A message cannot be unsent:
none of these has an undo. The executor records each on the timeline; the report lists who
was notified when.

A webhook's header values (and its URL) may be ``env:NAME``: read from the environment when
sending, shown as ``$NAME`` in the command (which a shell expands the same way), never on
screen or on the timeline.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import unicodedata
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from services.actions.base import Action, FieldChange, Plan, Risk, Verification
from services.actions.common import ParamsModel, aws_cli, missing_as
from services.errors import BadInput, SourceError, Unreachable
from services.incident.state import Incident, clock, parse_time
from services.profile.escalation import EMAIL, ENV_VALUE, HEADER_NAME, header_needs_env

WEBHOOK_SECONDS = 10.0
RECENT_ACTIONS = 5
OUTCOMES = {"failed": "failed", "cancelled": "cancelled", "refused": "refused"}


# ------------------------------------------------------------------ the message
def _ascii(text: str) -> str:
    """SNS subjects are ASCII without line breaks: "Lambda — timeouts" → "Lambda - timeouts"."""
    text = text.replace("—", "-").replace("–", "-").replace("→", "->")
    return " ".join(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().split())


def recent_actions(events: list[dict[str, Any]], since: datetime, limit: int = RECENT_ACTIONS) -> list[str]:
    """``10:05 docker.restart on sentrascan-api-1: verified``, for the last actions that ended since ``since``."""
    lines = []
    for event in events:
        step, action = event.get("step"), event.get("action")
        if not action or step not in ("verified", *OUTCOMES) or parse_time(event["time"]) < since:
            continue
        outcome = OUTCOMES.get(str(step)) or ("verified" if event.get("ok", True) else "NOT verified")
        when = parse_time(event["time"]).astimezone(UTC).strftime("%H:%M")
        lines.append(f"{when} {action} on {event.get('target', '')}: {outcome}")
    return lines[-limit:]


def escalation_message(incident: Incident, events: list[dict[str, Any]], *, who: str, system: str,
                       now: datetime | None = None) -> tuple[str, str]:
    """The subject and text an escalation sends: what a person called in needs first."""
    now = now or datetime.now(UTC)
    elapsed = clock(incident.duration(now))
    subject = _ascii(f"[{incident.severity}] {system}: {incident.title} ({elapsed}) - escalation to {who}")[:99]
    acknowledged = (f"{incident.acknowledged.astimezone(UTC):%H:%M} UTC by {incident.acknowledged_by}"
                    if incident.acknowledged else "not yet")
    actions = recent_actions(events, incident.opened)
    lines = [f"Incident: {incident.title}", f"System: {system}",
             f"Severity: {incident.severity} ({incident.level.name}: {incident.level.meaning})",
             f"Opened: {incident.opened.astimezone(UTC):%Y-%m-%d %H:%M} UTC by {incident.opened_by}, {elapsed} ago",
             f"Acknowledged: {acknowledged}", f"Escalated to: {who}", "",
             "Last actions:", *([f"- {line}" for line in actions] or ["- none from the cockpit yet"]), "",
             "Sent from incident-cockpit, after its confirmation screen; the whole timeline is in the cockpit."]
    if incident.services:
        lines.insert(3, f"Services: {', '.join(incident.services)}")
    return subject, "\n".join(lines)


# ------------------------------------------------------------------ parameters
class NotifyParams(ParamsModel):
    who: str | None = Field(default=None, max_length=80, description="who this tells (the escalation's name)")
    message: str = Field(min_length=1, max_length=100_000, description="the text, exactly as sent")


class SubjectParams(NotifyParams):
    subject: str = Field(min_length=1, max_length=99, pattern=r"^[ -~]+$", description="one line of ASCII")


class EmailParams(SubjectParams):
    sender: str = Field(pattern=EMAIL.pattern, description="the From address, a verified SES identity")


class WebhookParams(NotifyParams):
    headers: dict[str, str] = Field(default_factory=dict, description='{"Authorization": "env:HOOK_TOKEN"}')


class _Notify(Action):
    risk = Risk.LOW
    volatile: frozenset[str] = frozenset()
    channel = ""

    def __init__(self, session: Any, target: str, params: Any) -> None:
        super().__init__(session, target, params)
        self.answer: dict[str, Any] | None = None
        """What the service answered to the run: verify reports it (a message cannot be read back)."""

    @property
    def args(self) -> Any:
        assert isinstance(self.params, self.Params)  # build() validated them with Params
        return self.params

    def _plan(self, destination: str, command: str, notes: list[str], subject: str | None = None) -> Plan:
        who = self.args.who or destination
        changes = [FieldChange(who, "not notified", f"notified by {self.channel}: {destination}")]
        if subject is not None:
            changes.append(FieldChange("subject", None, subject))
        notes = [*notes, "A message cannot be unsent: there is no undo.",
                 "Message, exactly as sent:\n" + self.args.message]
        return Plan(self.id, self.target, self.args.model_dump(mode="json"), tuple(changes), self.risk, command,
                    f"Notify {who} by {self.channel} ({destination})", reversible=False, notes=tuple(notes))

    def verify(self, plan: Plan) -> Verification:
        if self.answer is None:
            return Verification(False, "nothing was sent")
        shown = ", ".join(f"{name} {value}" for name, value in self.answer.items())
        return Verification(True, f"{self.channel} accepted it: {shown}", dict(self.answer))


class NotifySns(_Notify):
    id = "notify.sns"
    title = "Notify by SNS: publish the incident's message to a topic"
    target_kind = "SNS topic ARN"
    channel = "SNS"
    Params = SubjectParams

    def plan(self) -> Plan:
        with missing_as(f"no SNS topic {self.target}", "NotFound", "NotFoundException"):
            self.session.call("sns", "get_topic_attributes", TopicArn=self.target)
        subscriptions = self.session.call("sns", "list_subscriptions_by_topic", TopicArn=self.target).get("Subscriptions", [])
        protocols = sorted({str(item.get("Protocol")) for item in subscriptions})
        reach = (f"{len(subscriptions)} subscription(s) get it ({', '.join(protocols)})." if subscriptions
                 else "Nobody is subscribed to this topic: the message reaches no one.")
        command = aws_cli("sns", "publish", ("--topic-arn", self.target), ("--subject", self.args.subject),
                          ("--message", self.args.message))
        return self._plan(self.target.rsplit(":", 1)[-1], command, [reach], self.args.subject)

    def run(self, plan: Plan) -> dict[str, Any]:
        answer = self.session.call("sns", "publish", TopicArn=self.target, Subject=self.args.subject,
                                   Message=self.args.message)
        self.answer = {"MessageId": answer.get("MessageId")}
        return dict(self.answer)


class NotifyEmail(_Notify):
    id = "notify.email"
    title = "Notify by email (SES): send the incident's message"
    target_kind = "email address(es), comma-separated"
    channel = "email"
    Params = EmailParams

    def recipients(self) -> list[str]:
        addresses = [part.strip() for part in str(self.target).split(",") if part.strip()]
        wrong = [address for address in addresses if not EMAIL.match(address)]
        if not addresses or wrong:
            raise BadInput(f"{self.id}: not an email address: {', '.join(wrong) or repr(self.target)}")
        return addresses

    def _content(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({"ToAddresses": self.recipients()},
                {"Subject": {"Data": self.args.subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": self.args.message, "Charset": "UTF-8"}}})

    def plan(self) -> Plan:
        sender = self.args.sender
        domain = sender.rsplit("@", 1)[-1]
        verified = self.session.call("ses", "get_identity_verification_attributes", Identities=[sender, domain])
        statuses = {name: item.get("VerificationStatus") for name, item in verified.get("VerificationAttributes", {}).items()}
        if "Success" not in (statuses.get(sender), statuses.get(domain)):
            raise BadInput(f"{self.id}: SES would refuse it: neither {sender} nor {domain} is a verified identity")
        quota = self.session.call("ses", "get_send_quota")
        destination, message = self._content()
        command = aws_cli("ses", "send-email", ("--from", sender), ("--destination", destination), ("--message", message))
        notes = [f"From {sender}; SES sent {quota.get('SentLast24Hours', 0):.0f} of {quota.get('Max24HourSend', 0):.0f} "
                 "allowed in the last 24 h."]
        return self._plan(", ".join(destination["ToAddresses"]), command, notes, self.args.subject)

    def run(self, plan: Plan) -> dict[str, Any]:
        destination, message = self._content()
        answer = self.session.call("ses", "send_email", Source=self.args.sender, Destination=destination, Message=message)
        self.answer = {"MessageId": answer.get("MessageId")}
        return dict(self.answer)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered, not followed (curl does not follow it either): a POST must not turn into a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _env(value: str, what: str) -> str | None:
    """The environment's value of ``env:NAME``; None for a literal; ``BadInput`` when unset."""
    match = ENV_VALUE.match(value)
    if match is None:
        return None
    found = os.environ.get(match.group(1))
    if not found:
        raise BadInput(f"notify.webhook: {what}: ${match.group(1)} is not set")
    return found


def _shown(value: str) -> str:
    """``env:NAME`` as ``$NAME``: where the value comes from, never the value."""
    match = ENV_VALUE.match(value)
    return f"${match.group(1)}" if match else value


class NotifyWebhook(_Notify):
    id = "notify.webhook"
    title = 'Notify by webhook: POST {"text": message} (Slack, Mattermost, Teams, a pager)'
    target_kind = "webhook URL (or env:NAME)"
    channel = "webhook"
    Params = WebhookParams

    def url(self) -> str:
        url = _env(self.target, "the URL") or self.target
        if not re.match(r"^https?://\S+$", url):
            raise BadInput(f"{self.id}: not an http(s) URL: {self.target!r}")
        return url

    def headers(self) -> dict[str, str]:
        """Every header with its value, for the request only."""
        resolved = {}
        for name, value in self.args.headers.items():
            if not HEADER_NAME.match(name):
                raise BadInput(f"{self.id}: not a header name: {name!r}")
            secret = _env(value, f"header {name}")
            if secret is None and header_needs_env(name):
                raise BadInput(f'{self.id}: header {name} is a secret: give it as "env:NAME", never as a value')
            resolved[name] = secret if secret is not None else value
        return resolved

    def body(self) -> str:
        return json.dumps({"text": self.args.message}, ensure_ascii=False)

    def command(self) -> str:
        def word(value: str, prefix: str = "") -> str:
            match = ENV_VALUE.match(value)  # "$NAME" in double quotes: the shell expands it, the screen never sees it
            return f'"{prefix}${match.group(1)}"' if match else shlex.quote(prefix + value)

        words = ["curl --fail --silent --show-error -X POST", shlex.quote("-H"), shlex.quote("Content-Type: application/json")]
        for name, value in self.args.headers.items():
            words += ["-H", word(value, f"{name}: ")]
        words += ["--data-raw", shlex.quote(self.body()), word(self.target)]
        return " ".join(words)

    def plan(self) -> Plan:
        self.url()
        self.headers()  # an unset variable is one line now, not a failed run later
        notes = ['The body is JSON: {"text": the message}.']
        if self.args.headers:
            notes.append("Headers: " + ", ".join(f"{name}: {_shown(value)}" for name, value in self.args.headers.items()))
        return self._plan(_shown(self.target), self.command(), notes)

    def run(self, plan: Plan) -> dict[str, Any]:
        request = urllib.request.Request(self.url(), data=self.body().encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json", "User-Agent": "incident-cockpit",
                                                  **self.headers()})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=WEBHOOK_SECONDS) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            raise SourceError(f"the webhook answered {error.code} {error.reason}", operation="webhook") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise Unreachable(f"the webhook did not answer: {reason}", operation="webhook") from None
        self.answer = {"HTTP": status}
        return dict(self.answer)


ACTIONS: tuple[type[Action], ...] = (NotifySns, NotifyEmail, NotifyWebhook)
