"""Pydantic models of the profile contract (``shared/design/profile.example.toml``).

Every model forbids unknown fields, so a typo is an error with a line number rather
than a silently ignored setting.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from services.aws.metric_math import (
    MetricMathError,
    compile_arithmetic,
    is_arithmetic,
    referenced_ids,
)
from services.incident.state import SEVERITIES, Scale, Severity
from services.profile.base import Strict as _Strict
from services.profile.escalation import EscalationSpec
from services.profile.health import HealthSpec
from services.profile.playbooks import playbook_problems
from services.profile.queries import PrometheusSpec, QuerySpec, query_problems
from services.profile.resources import ResourceList
from services.profile.statistics import statistic_problem

METRIC_ID = r"^[a-z][A-Za-z0-9_]*$"
DURATION = r"^\d+(\.\d+)?\s*(s|m|h|d|w)$"
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_seconds(text: str) -> float:
    """``"10m"`` -> 600.0; the pattern is validated by the models."""
    match = re.match(r"^(\d+(?:\.\d+)?)\s*([smhdw])$", text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r} (expected e.g. 30s, 10m, 1h, 7d)")
    return float(match.group(1)) * _SECONDS[match.group(2)]


class SystemSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    runbook: str | None = None


class AwsSpec(_Strict):
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = Field(default=None, pattern=r"^https?://")
    role_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+")


class TimeoutLimits(_Strict):
    """``limits_of``: a duration tile's thresholds as fractions of a Lambda function's timeout.

    Read from the function (``get_function_configuration``) with the tiles, so a fix that
    raises the timeout (300 s to 900 s) moves the tile's ▲ and ✖ with it; the tile's own
    ``alert``/``critical`` stand until the first read, and whenever it fails.
    """

    lambda_timeout: str = Field(min_length=1, description="the function whose Timeout the limits follow")
    alert: float | None = Field(default=None, gt=0, le=10)
    critical: float | None = Field(default=None, gt=0, le=10)

    @model_validator(mode="after")
    def _some(self) -> TimeoutLimits:
        if self.alert is None and self.critical is None:
            raise ValueError("limits_of needs alert, critical or both (fractions of the timeout, e.g. 0.8)")
        return self


class MetricSpec(_Strict):
    """One tile (or a hidden input of an expression)."""

    id: str = Field(pattern=METRIC_ID)
    label: str | None = None
    namespace: str | None = None
    metric: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)
    stat: str | None = None
    period: int | None = Field(default=None, ge=1, le=86400 * 7)
    expression: str | None = None
    unit: str = ""
    alert: float | None = None
    critical: float | None = None
    direction: Literal["above", "below"] = "above"
    hidden: bool = False
    source: Literal["cloudwatch", "prometheus"] = "cloudwatch"
    query: str | None = Field(default=None, min_length=1)
    """source = "prometheus": the PromQL whose value the tile shows (instead of namespace/metric)."""
    limits_of: TimeoutLimits | None = None
    """Thresholds that follow a Lambda function's timeout (a Duration tile, unit "ms" or "s")."""

    @field_validator("stat")
    @classmethod
    def _statistic(cls, stat: str | None) -> str | None:
        problem = None if stat is None else statistic_problem(stat)
        if problem:
            raise ValueError(problem)
        return stat

    @model_validator(mode="after")
    def _source(self) -> MetricSpec:
        if self.limits_of is not None and self.unit not in ("ms", "s"):
            raise ValueError(f'limits_of follows a timeout: the tile\'s unit must be "ms" or "s", not {self.unit!r}')
        direct = [self.namespace, self.metric, self.stat, self.period]
        if self.source == "prometheus":
            given = [name for name in ("namespace", "metric", "stat", "period", "expression", "dimensions")
                     if getattr(self, name)]
            if self.query is None:
                raise ValueError('a source = "prometheus" metric needs query (PromQL)')
            if given:
                raise ValueError(f'a source = "prometheus" metric has a query, not {", ".join(given)}')
            return self
        if self.query is not None:
            raise ValueError('query is for source = "prometheus" metrics; CloudWatch ones take namespace/metric')
        if self.expression is not None:
            if any(value is not None for value in (self.namespace, self.metric)):
                raise ValueError("give either expression or namespace/metric, not both")
            if is_arithmetic(self.expression):
                try:
                    compile_arithmetic(self.expression)
                except MetricMathError as error:
                    raise ValueError(f"expression: {error}") from None
        elif any(value is None for value in direct):
            names = ("namespace", "metric", "stat", "period")
            missing = [name for name, value in zip(names, direct, strict=True) if value is None]
            raise ValueError(f"a metric needs namespace, metric, stat and period (missing: {', '.join(missing)}), "
                             "or an expression")
        if self.period is not None and self.period < 60 and self.period not in (1, 5, 10, 20, 30):
            raise ValueError(f"period {self.period} s: below 60 s CloudWatch allows only 1, 5, 10, 20 or 30")
        if self.period is not None and self.period >= 60 and self.period % 60:
            raise ValueError(f"period {self.period} s: from 60 s up it must be a multiple of 60")
        return self

    @property
    def title(self) -> str:
        return self.label or self.id


class AlarmsSpec(_Strict):
    prefixes: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)


class LogSpec(_Strict):
    group: str = Field(min_length=1)
    label: str | None = None

    @property
    def title(self) -> str:
        return self.label or self.group.rsplit("/", 1)[-1]


class DockerSpec(_Strict):
    host: str | None = None
    project: str | None = None


class PostgresSpec(_Strict):
    dsn_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    backup_retention_days: int = Field(default=7, ge=1, le=3650)
    """``postgres.dump`` removes this database's dumps older than this, once a new one is taken."""


class PlaybookStep(_Strict):
    action: str  # an id of services/actions/catalog.py, checked with the whole playbook
    target: str
    params: dict[str, Any] = Field(default_factory=dict)
    why: str = ""


class Playbook(_Strict):
    id: str
    title: str
    alarms: list[str] = Field(default_factory=list)
    symptoms: list[str] = Field(default_factory=list)
    diagnosis: list[str] = Field(default_factory=list)
    resolution: list[PlaybookStep] = Field(default_factory=list)


class SeveritySpec(_Strict):
    """One level of a profile's own severity scale (``[[incident.severities]]``)."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
    name: str = Field(min_length=1)
    respond_within: str | None = Field(default=None, pattern=DURATION)
    """Time to acknowledge; absent: no clock (e.g. "next business day")."""
    meaning: str = ""
    examples: str = ""


class IncidentSpec(_Strict):
    """Optional ``[incident]``: where the incident timeline goes.

    ``file`` (default) is the local JSON-lines file; ``postgres`` also writes every event
    to a table that several responders' cockpits share (DSN from ``dsn_env``, never
    stored here), and the timeline pane then shows everyone's events.
    """

    store: Literal["file", "postgres"] = "file"
    dsn_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    table: str = Field(default="cockpit_timeline", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    severities: list[SeveritySpec] = Field(default_factory=list)
    escalation: list[EscalationSpec] = Field(default_factory=list)
    """``[[incident.escalation]]``: who is notified after how long (``services/profile/escalation.py``)."""

    @model_validator(mode="after")
    def _dsn(self) -> IncidentSpec:
        if self.store == "postgres" and not self.dsn_env:
            raise ValueError('store = "postgres" needs dsn_env, the variable that holds the DSN')
        ids = [severity.id for severity in self.severities]
        duplicates = sorted({one for one in ids if ids.count(one) > 1})
        if duplicates:
            raise LocatedError(("severities",), f"duplicate severity id(s) {', '.join(duplicates)}")
        scale = self.scale
        for index, rule in enumerate(self.escalation):
            unknown = [code for code in rule.severity if code not in scale]
            if unknown:
                raise LocatedError(("escalation", index, "severity"),
                                   f"unknown severity {', '.join(map(repr, unknown))} (this profile's scale: "
                                   f"{', '.join(scale)})")
        return self

    @property
    def scale(self) -> Scale:
        """The profile's severity scale, most severe first; runbook 004's P1–P4 when it gives none."""
        if not self.severities:
            return SEVERITIES
        return {spec.id: Severity(spec.id, spec.name, spec.meaning, spec.examples,
                                  timedelta(seconds=duration_seconds(spec.respond_within)) if spec.respond_within else None)
                for spec in self.severities}


class CockpitSettings(_Strict):
    """Optional ``[cockpit]`` section: how this cockpit polls and behaves."""

    read_only: bool = False
    metrics_refresh: float | None = Field(default=None, ge=1, le=3600)
    """Seconds between metric refreshes; default: the smallest period, at least 10 s."""
    metrics_range: str = Field(default="3h", pattern=DURATION)
    alarms_refresh: float = Field(default=30, ge=1, le=3600)
    resources_refresh: float = Field(default=60, ge=5, le=3600)
    """Seconds between reads of the ``[[resources]]``, while the resources screen is open."""
    alarm_bell: Literal["any", "alarm", "off"] = "any"
    """Ring the terminal bell once per refresh in which an alarm changed state ("alarm": only into ALARM)."""
    logs_poll: float = Field(default=2, ge=0.5, le=300)
    logs_since: str = Field(default="10m", pattern=DURATION)
    logs_lookback: float = Field(default=120, ge=5, le=3600)
    """Seconds re-read behind the newest event, to catch events ingested late."""
    log_buffer: int = Field(default=100_000, ge=100, le=10_000_000)
    theme: str = Field(default="ansi-dark", pattern=r"^[a-z0-9-]+$")
    """Textual theme; the default uses the terminal's own colours (fewest bytes over SSH)."""


class Profile(_Strict):
    system: SystemSpec
    aws: AwsSpec | None = None
    cockpit: CockpitSettings = Field(default_factory=CockpitSettings)
    metrics: list[MetricSpec] = Field(default_factory=list)
    alarms: AlarmsSpec | None = None
    logs: list[LogSpec] = Field(default_factory=list)
    queries: list[QuerySpec] = Field(default_factory=list)
    docker: DockerSpec | None = None
    postgres: PostgresSpec | None = None
    prometheus: PrometheusSpec | None = None
    health: list[HealthSpec] = Field(default_factory=list)
    resources: ResourceList = Field(default_factory=list)
    playbooks: list[Playbook] = Field(default_factory=list)
    incident: IncidentSpec = Field(default_factory=IncidentSpec)

    @field_validator("playbooks")
    @classmethod
    def _playbooks(cls, playbooks: list[Playbook], info: ValidationInfo) -> list[Playbook]:
        # A field validator, so its problems are listed with those of other fields; metrics
        # and queries come first in the model, and are absent here when they were wrong.
        problems = playbook_problems(playbooks, info.data.get("metrics"), info.data.get("queries"),
                                     info.data.get("resources"), info.data.get("health"))
        if problems:
            raise LocatedErrors([LocatedError(loc[1:], message) for loc, message in problems])
        return playbooks

    @model_validator(mode="after")
    def _cross_references(self) -> Profile:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        ids = [metric.id for metric in self.metrics]
        seen: set[str] = set()
        for index, metric_id in enumerate(ids):
            if metric_id in seen:
                problems.append((("metrics", index, "id"), f"duplicate metric id {metric_id!r}"))
            seen.add(metric_id)
        for index, metric in enumerate(self.metrics):
            if metric.expression is not None:
                unknown = sorted(referenced_ids(metric.expression) - seen)
                if unknown:
                    problems.append((("metrics", index, "expression"), f"names unknown metric id(s) {', '.join(unknown)}"))
                if metric.id in referenced_ids(metric.expression):
                    problems.append((("metrics", index, "expression"), "an expression cannot name its own id"))
        problems += query_problems(self.queries, self.prometheus)
        if self.prometheus is None:
            problems += [(("metrics", index, "source"), 'a source = "prometheus" metric needs [prometheus] url')
                         for index, metric in enumerate(self.metrics) if metric.source == "prometheus"]
        health_refs = [spec.ref for spec in self.health]
        problems += [(("health", index, "id"), f"two health checks are called {spec.ref!r} (health: names one)")
                     for index, spec in enumerate(self.health) if health_refs.index(spec.ref) != index]
        for name in ("queries", "playbooks"):
            entries = getattr(self, name)
            known: set[str] = set()
            for index, entry in enumerate(entries):
                if entry.id in known:
                    problems.append(((name, index, "id"), f"duplicate id {entry.id!r}"))
                known.add(entry.id)
        if problems:
            raise LocatedErrors([LocatedError(loc, message) for loc, message in problems])
        return self

    @property
    def tiles(self) -> list[MetricSpec]:
        return [metric for metric in self.metrics if not metric.hidden]

    @property
    def has_aws(self) -> bool:
        return bool(self.aws is not None or any(metric.source == "cloudwatch" for metric in self.metrics)
                    or self.alarms or self.logs or any(query.uses_aws for query in self.queries) or self.resources)


class LocatedError(ValueError):
    """A cross-field error that knows which field it is about."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


class LocatedErrors(ValueError):
    """Several cross-field errors found at once: the loader prints one line each."""

    def __init__(self, errors: list[LocatedError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors
