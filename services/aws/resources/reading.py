"""What a resource reader returns: plain text fields and findings, no SDK types.

A reading is what the runbook's "check" step would have shown, already judged: each
finding is one line at level ok, warn or fail. All text from the outside world passes
through ``visible`` here, once, so no reader can put an escape sequence on a screen.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from services.errors import AccessDenied, BadInput, CredentialsExpired, Unsupported
from services.formatting import age
from services.profile.resources import ResourceSpec
from services.visible_text import visible

Level = Literal["ok", "warn", "fail"]
_RANK = {"ok": 0, "warn": 1, "fail": 2}
NOT_FOUND = "not found"
NOT_SUPPORTED = "not supported by this endpoint"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Field:
    """One thing read: ``value`` fits a line; ``detail`` lines go under it (versions, statements)."""

    label: str
    value: str
    detail: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Offer:
    """An action of the catalog that would fix a finding, ready to plan (and still to be confirmed)."""

    action: str
    target: str
    params: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        return " ".join((self.action, self.target, *(value for _, value in self.params)))


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    text: str
    offer: Offer | None = None


@dataclass(frozen=True, slots=True)
class ResourceReading:
    """One resource as read now; ``status`` is the service's own word (Active, ENABLED, …) or "not found"."""

    id: str
    type: str
    name: str
    status: str
    fields: tuple[Field, ...] = ()
    findings: tuple[Finding, ...] = ()
    read_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def level(self) -> Level:
        """The worst finding: what a row's colour says."""
        return max((finding.level for finding in self.findings), key=_RANK.__getitem__, default="ok")

    @property
    def offers(self) -> list[tuple[Finding, Offer]]:
        """The findings an action of the catalog would fix, with that action."""
        return [(finding, finding.offer) for finding in self.findings if finding.offer is not None]

    def field(self, label: str) -> Field | None:
        return next((item for item in self.fields if item.label == label), None)

    def as_json(self) -> dict[str, Any]:
        """``cockpit inspect --json``: fields keyed by label, in reading order."""
        return {
            "id": self.id, "type": self.type, "name": self.name, "status": self.status, "level": self.level,
            "read_at": self.read_at.isoformat(),
            "fields": {item.label: {"value": item.value, "detail": list(item.detail)} for item in self.fields},
            "findings": [{"level": finding.level, "text": finding.text}
                         | ({"offer": {"action": finding.offer.action, "target": finding.offer.target,
                                       "params": dict(finding.offer.params)}} if finding.offer else {})
                         for finding in self.findings],
        }


class ReadingDraft:
    """Collects fields and findings while a reader works; ``done`` freezes them."""

    def __init__(self, spec: ResourceSpec, name: str | None = None) -> None:
        self.spec = spec
        self.name = name if name is not None else spec.title
        self.fields: list[Field] = []
        self.findings: list[Finding] = []

    def add(self, label: str, value: object, detail: Iterable[object] = ()) -> None:
        if any(existing.label == label for existing in self.fields):
            raise ValueError(f"field {label!r} read twice")  # labels are the JSON keys
        self.fields.append(Field(label, visible(str(value)), tuple(visible(str(line)) for line in detail)))

    def ok(self, text: str) -> None:
        self.findings.append(Finding("ok", visible(text)))

    def warn(self, text: str, offer: Offer | None = None) -> None:
        self.findings.append(Finding("warn", visible(text), offer))

    def fail(self, text: str, offer: Offer | None = None) -> None:
        self.findings.append(Finding("fail", visible(text), offer))

    def attempt(self, label: str, read: Callable[[], T]) -> T | None:
        """A secondary read: if the endpoint lacks it or we may not, say so in its field and go on.

        The resource's first read raises instead (the whole row fails); so do network
        errors, throttling and expired credentials here, since the next refresh may work.
        """
        try:
            return read()
        except Unsupported:
            self.add(label, NOT_SUPPORTED)
        except CredentialsExpired:
            raise
        except (AccessDenied, BadInput) as error:
            self.add(label, f"cannot read: {error}")
            self.warn(f"{label}: cannot read ({error})")
        return None

    def done(self, status: str) -> ResourceReading:
        return ResourceReading(id=self.spec.id, type=self.spec.type, name=visible(self.name), status=visible(status),
                               fields=tuple(self.fields), findings=tuple(self.findings))


def not_found(spec: ResourceSpec, what: str) -> ResourceReading:
    """The one-line reading of a resource that does not exist (never an exception)."""
    return ResourceReading(id=spec.id, type=spec.type, name=visible(spec.title), status=NOT_FOUND,
                           findings=(Finding("fail", visible(what)),))


def when(moment: datetime | str | None, now: datetime | None = None) -> str:
    """A time as the readings show it: local with zone, and how long ago."""
    if moment is None or moment == "":
        return "—"
    if isinstance(moment, str):
        moment = parse_time(moment)
    return f"{moment.astimezone().strftime('%Y-%m-%d %H:%M:%S %Z')} ({age(moment, now)} ago)"


def span(seconds: float) -> str:
    """A configured or measured duration: ``45 s``, ``5 min``, ``4 h``, ``4 d`` (exact when whole)."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            value = seconds / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{seconds:.0f} s"


def parse_time(text: str) -> datetime:
    """Lambda's ``2026-01-02T03:04:05.678+0000`` (and ISO forms) as an aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
