"""``[[incident.escalation]]``: after how long, at which severity, who is told, and how.

The runbooks' escalation on a clock: 004's on-call engineer (0–15 min), team lead (15–30 min),
manager (30+ min); 002's "if the issue persists after 30 minutes, escalate to development
team"; 003's contacts by severity. In the profile::

    [[incident.escalation]]
    after = "15m"                # since the incident was opened
    severity = ["P1", "P2"]      # default: every severity
    who = "on-call SRE"
    how = "sns"                  # sns: topic_arn · email (SES): to, from · webhook: url, headers
    topic_arn = "arn:aws:sns:us-east-1:123456789012:oncall"

A webhook header's value is ``env:NAME`` (read from the environment when sending, never
shown) or a literal; a secret-looking header (Authorization, Cookie, *Token*, *Key*…) must
be ``env:``. An escalation is done once a ``notify.*`` step to its target is verified on the
timeline after the incident was opened; the header counts down to the next one not done.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.incident.state import Incident, NextEscalation, parse_time
from services.redact import looks_secret

# The same durations as the rest of the profile; not imported from model.py, which imports this module.
AFTER = r"^\d+(\.\d+)?\s*(s|m|h|d)$"
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
ENV_VALUE = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_FOR: dict[str, str] = {"topic_arn": "sns", "to": "email", "from": "email", "url": "webhook", "headers": "webhook"}
"""Which ``how`` each destination field belongs to (headers are optional)."""


def header_needs_env(name: str) -> bool:
    return name.lower() in SECRET_HEADERS or looks_secret(name)


class EscalationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    after: str
    severity: tuple[str, ...] = ()
    """The severities this escalation is for; empty (the default): every severity of the profile's scale."""
    who: str = Field(min_length=1, max_length=80)
    how: Literal["sns", "email", "webhook"]
    topic_arn: str | None = None
    to: tuple[str, ...] | None = None
    sender: str | None = Field(default=None, alias="from")
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("after")
    @classmethod
    def _after(cls, after: str) -> str:
        if not re.match(AFTER, after.strip()):
            raise ValueError(f"not a duration: {after!r} (expected e.g. 90s, 15m, 1h)")
        return after

    @field_validator("to", mode="before")
    @classmethod
    def _one_address(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("topic_arn")
    @classmethod
    def _topic(cls, value: str) -> str:
        if not TOPIC_ARN.match(value):
            raise ValueError(f"not an SNS topic ARN: {value!r}")
        return value

    @field_validator("to", "sender")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        for address in value if isinstance(value, tuple) else (value,):
            if not EMAIL.match(address):
                raise ValueError(f"not an email address: {address!r}")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://\S+$", value) and not ENV_VALUE.match(value):
            raise ValueError(f"not an http(s) URL (nor env:NAME): {value!r}")
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not HEADER_NAME.match(name):
                raise ValueError(f"not a header name: {name!r}")
            if header_needs_env(name) and not ENV_VALUE.match(value):
                raise ValueError(f"{name}: a secret header takes its value from the environment: \"env:NAME\"")
        return headers

    @model_validator(mode="after")
    def _destination(self) -> EscalationSpec:
        """Each ``how`` has its own destination fields, and no other's."""
        given = {"topic_arn": self.topic_arn, "to": self.to, "from": self.sender, "url": self.url,
                 "headers": self.headers or None}
        needed = [name for name, how in _FOR.items() if how == self.how and not given[name] and name != "headers"]
        foreign = [name for name, value in given.items() if value and _FOR[name] != self.how]
        problems = ([f'how = "{self.how}" needs {" and ".join(needed)}'] if needed else []) + (
            [f'{", ".join(foreign)}: not for how = "{self.how}"'] if foreign else [])
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # ------------------------------------------------------------------ what the cockpit does with it
    @property
    def after_seconds(self) -> float:
        match = re.match(r"^(\d+(?:\.\d+)?)\s*([smhd])$", self.after.strip())
        assert match is not None  # the pattern was validated
        return float(match.group(1)) * _SECONDS[match.group(2)]

    @property
    def action_id(self) -> str:
        return f"notify.{self.how}"

    @property
    def target(self) -> str:
        """The notify action's target: the topic, the recipients (comma-separated) or the URL."""
        if self.how == "sns":
            return str(self.topic_arn)
        if self.how == "email":
            return ",".join(self.to or ())
        return str(self.url)

    def params(self, subject: str, message: str) -> dict[str, Any]:
        """The notify action's parameters for this escalation."""
        if self.how == "sns":
            return {"who": self.who, "subject": subject, "message": message}
        if self.how == "email":
            return {"who": self.who, "sender": self.sender, "subject": subject, "message": message}
        return {"who": self.who, "message": message, "headers": dict(self.headers)}

    def applies_to(self, incident: Incident) -> bool:
        return not self.severity or incident.severity in self.severity

    def due(self, incident: Incident) -> datetime:
        return incident.opened + timedelta(seconds=self.after_seconds)


def notified_at(rule: EscalationSpec, incident: Incident, events: list[dict[str, Any]]) -> datetime | None:
    """When this escalation's notification was verified on the timeline, for this incident."""
    for event in events:
        if (event.get("step") == "verified" and event.get("ok", True) and event.get("action") == rule.action_id
                and event.get("target") == rule.target):
            when = parse_time(event["time"])
            if when >= incident.opened:
                return when
    return None


def pending(rules: list[EscalationSpec], incident: Incident | None,
            events: list[dict[str, Any]]) -> list[EscalationSpec]:
    """The escalations of this incident's severity not notified yet, soonest first (none once resolved)."""
    if incident is None or not incident.open:
        return []
    waiting = [rule for rule in rules if rule.applies_to(incident) and notified_at(rule, incident, events) is None]
    return sorted(waiting, key=lambda rule: rule.after_seconds)


def next_escalation(rules: list[EscalationSpec], incident: Incident | None,
                    events: list[dict[str, Any]]) -> NextEscalation | None:
    """What the header counts down to."""
    waiting = pending(rules, incident, events)
    if incident is None or not waiting:
        return None
    return NextEscalation(waiting[0].who, waiting[0].due(incident))


def due_now(rules: list[EscalationSpec], incident: Incident | None, events: list[dict[str, Any]],
            now: datetime) -> list[EscalationSpec]:
    return [rule for rule in pending(rules, incident, events) if incident is not None and rule.due(incident) <= now]
