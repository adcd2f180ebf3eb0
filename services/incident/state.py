"""An incident, as folded from its timeline events: severity, acknowledgement, resolution.

The timeline is the record; this module only reads it. Events of step ``incident``
carry ``event`` = opened / severity / acknowledged / resolved. The severity scale is the
profile's (``[[incident.severities]]``: 003 has P0, 002 grades "High, 15 min"), else runbook
004's ("Incident Severity Levels"), ``SEVERITIES``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Severity:
    code: str
    name: str
    meaning: str
    examples: str
    response: timedelta | None
    """Time to respond (acknowledge); None: next business day."""

    @property
    def response_text(self) -> str:
        if self.response is None:
            return "next business day"
        minutes = int(self.response.total_seconds() // 60)
        return f"{minutes} minutes" if minutes < 60 else f"{minutes // 60} hour{'s' if minutes >= 120 else ''}"


Scale = dict[str, "Severity"]

SEVERITIES: dict[str, Severity] = {
    "P1": Severity("P1", "Critical", "Complete service outage", "API down, data loss", timedelta(minutes=5)),
    "P2": Severity("P2", "High", "Significant degradation", "High error rates, slow response", timedelta(minutes=15)),
    "P3": Severity("P3", "Medium", "Partial functionality impact", "Single feature broken", timedelta(hours=1)),
    "P4": Severity("P4", "Low", "Minor issues", "Cosmetic issues, warnings", None),
}


def unknown_level(code: str) -> Severity:
    """A severity a timeline names that the scale does not (another profile's, an older scale)."""
    return Severity(code, code, "not in this profile's scale", "", None)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Incident:
    title: str
    severity: str
    opened: datetime
    opened_by: str
    services: list[str] = field(default_factory=list)
    acknowledged: datetime | None = None
    acknowledged_by: str | None = None
    resolved: datetime | None = None
    severity_changes: list[tuple[datetime, str, str]] = field(default_factory=list)
    """(when, from, to)."""
    scale: Scale = field(default_factory=lambda: SEVERITIES, repr=False)

    @property
    def open(self) -> bool:
        return self.resolved is None

    @property
    def level(self) -> Severity:
        return self.scale.get(self.severity) or unknown_level(self.severity)

    def ack_due(self) -> datetime | None:
        response = self.level.response
        return None if response is None else self.opened + response

    def duration(self, now: datetime | None = None) -> timedelta:
        return (self.resolved or now or datetime.now(UTC)) - self.opened


def fold(events: list[dict[str, Any]], scale: Scale | None = None) -> list[Incident]:
    """Every incident of a timeline, in the order they were opened, graded on ``scale`` (004's by default)."""
    scale = scale or SEVERITIES
    incidents: list[Incident] = []
    for event in events:
        if event.get("step") != "incident":
            continue
        kind = event.get("event")
        when = parse_time(event["time"])
        code = str(event.get("severity", ""))
        if code and code not in scale and event.get("severity_name"):
            # Graded on another scale (the profile's, recorded with the event): a report read from the
            # timeline alone still names it and its response time.
            respond = event.get("respond_seconds")
            scale = {**scale, code: Severity(code, str(event["severity_name"]), str(event.get("severity_meaning", "")),
                                             "", timedelta(seconds=float(respond)) if respond else None)}
        if kind == "opened":
            incidents.append(Incident(title=str(event.get("title", "")),
                                      severity=str(event.get("severity", default_severity(scale))),
                                      opened=when, opened_by=str(event.get("operator", "")),
                                      services=list(event.get("services") or []), scale=scale))
            continue
        if not incidents:
            continue
        current = incidents[-1]
        if kind == "severity" and event.get("severity") in scale:
            current.severity_changes.append((when, current.severity, event["severity"]))
            current.severity = event["severity"]
        elif kind == "acknowledged" and current.acknowledged is None:
            current.acknowledged = when
            current.acknowledged_by = str(event.get("operator", ""))
        elif kind == "resolved" and current.resolved is None:
            current.resolved = when
    return incidents


def default_severity(scale: Scale) -> str:
    """The middle of the scale (P3 of 004's four): what a form offers first."""
    codes = list(scale)
    return codes[min(len(codes) - 1, len(codes) // 2)] if codes else "P3"


def current(events: list[dict[str, Any]], scale: Scale | None = None) -> Incident | None:
    """The open incident, if any (the most recent one opened and not resolved)."""
    incidents = fold(events, scale)
    return incidents[-1] if incidents and incidents[-1].open else None


def clock(delta: timedelta) -> str:
    """``1h05m``, ``12m``, ``45s``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours}h{rest:02d}m" if hours else f"{rest}m"


@dataclass(frozen=True)
class NextEscalation:
    """The incident's next escalation (``[[incident.escalation]]``) not yet notified: who, and from when."""

    who: str
    due: datetime

    def text(self, now: datetime) -> str:
        """``esc 12m → on-call SRE``; once due, ``esc DUE → on-call SRE (e)`` (``e`` plans the notification)."""
        left = self.due - now
        return f"esc {clock(left)} → {self.who}" if left.total_seconds() > 0 else f"esc DUE → {self.who} (e)"

    def short(self, now: datetime) -> str:
        left = self.due - now
        return f"esc {clock(left)}" if left.total_seconds() > 0 else "esc DUE (e)"


def header_text(incident: Incident, now: datetime | None = None, escalation: NextEscalation | None = None) -> str:
    """What the header shows: severity, title, elapsed, the response target until acknowledged, the next escalation."""
    now = now or datetime.now(UTC)
    grade = incident.severity if incident.level.name == incident.severity else f"{incident.severity} {incident.level.name}"
    text = f"{grade} · {incident.title} · {clock(incident.duration(now))}"
    due = incident.ack_due()
    if incident.acknowledged is None and due is not None:
        left = due - now
        text += f" · ack due in {clock(left)}" if left.total_seconds() > 0 else f" · ack OVERDUE by {clock(-left)}"
    elif incident.acknowledged is None:
        text += " · not acknowledged"
    if escalation is not None:
        text += f" · {escalation.text(now)}"
    return text


def _short_clock(incident: Incident, now: datetime) -> str:
    """``P2 ack 12m`` until acknowledged (``ack OVERDUE 3m`` past the target), then ``P2 1h05m`` elapsed."""
    due = incident.ack_due()
    if incident.acknowledged is None and due is not None:
        left = due - now
        return f"{incident.severity} ack {clock(left)}" if left.total_seconds() > 0 else \
            f"{incident.severity} ack OVERDUE {clock(-left)}"
    return f"{incident.severity} {clock(incident.duration(now))}"


def header_forms(incident: Incident, now: datetime | None = None,
                 escalation: NextEscalation | None = None) -> tuple[str, ...]:
    """Shorter alternatives to ``header_text`` for narrow headers, longest first; the clock is in each.

    The escalation countdown goes before the title, and is the last to go: the shortest form
    stays the severity and clock alone, which fits 80 columns next to everything else.
    """
    now = now or datetime.now(UTC)
    short = _short_clock(incident, now)
    if escalation is None:
        return (f"{short} · {incident.title}", short)
    ahead = escalation.text(now)
    return (f"{short} · {ahead} · {incident.title}", f"{short} · {ahead}", f"{short} · {escalation.short(now)}", short)
