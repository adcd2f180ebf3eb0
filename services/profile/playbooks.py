"""What a playbook names must exist: each step's action, target and parameters, each diagnosis reference.

Checked when the profile loads, so a typo is a ``file:line`` at ``cockpit check`` rather
than a failure in the middle of an incident. Two things may stay open on purpose, because
the step's form asks for them when it runs: an empty target and a missing parameter.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    from services.actions.base import Action
    from services.profile.model import HealthSpec, MetricSpec, Playbook, PlaybookStep, QuerySpec

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]

_NO_CONTROL = r"[^\x00-\x1f\x7f]+"
# What each action's target can look like (AWS's own naming rules), by action id or family.
# A target outside the rule cannot name anything the action can act on.
TARGETS: dict[str, tuple[str, str]] = {
    "lambda": ((r"(arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:function:|\d{12}:function:)?"
               r"[A-Za-z0-9_-]{1,64}"), "a Lambda function name or ARN"),
    "alarm": (r"[^\x00-\x1f\x7f]{1,255}", "a CloudWatch alarm name"),
    "sqs": (r"[A-Za-z0-9_-]{1,80}(\.fifo)?|https?://\S+|arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?",
            "an SQS queue name, URL or ARN"),
    "events": (r"[A-Za-z0-9._-]{1,64}", "an EventBridge rule name"),
    "iam.deactivate-key": (r"[\w+=,.@-]{1,64}", "an IAM user name"),
    "iam.activate-key": (r"[\w+=,.@-]{1,64}", "an IAM user name"),
    "iam.deny-all": (r"(user|role)/[\w+=,.@-]{1,64}", "user/NAME or role/NAME"),
    "iam.remove-deny-all": (r"(user|role)/[\w+=,.@-]{1,64}", "user/NAME or role/NAME"),
    "ec2": (r"acl-([0-9a-f]{8}|[0-9a-f]{17})", "a network ACL id (acl-…)"),
    "cognito": (r"\S{1,128}", "a Cognito username"),
    "dynamodb": (r"[A-Za-z0-9_.-]{3,255}", "a DynamoDB table name"),
    "logs": (r"[A-Za-z0-9._/#-]{1,512}", "a log group name"),
    "docker": (r"/?[A-Za-z0-9][A-Za-z0-9_.-]*", "a container name or id"),
    "postgres.cancel": (r"[1-9]\d{0,9}", "a backend pid (a number)"),
    "postgres.terminate": (r"[1-9]\d{0,9}", "a backend pid (a number)"),
}


def playbook_problems(playbooks: Sequence[Playbook], metrics: Sequence[MetricSpec] | None,
                      queries: Sequence[QuerySpec] | None, resources: Sequence[Any] | None = (),
                      health: Sequence[HealthSpec] | None = ()) -> list[Problem]:
    """Every problem of every playbook, in file order, each with the location of its field.

    ``metrics``, ``queries``, ``resources`` or ``health`` is None when it could not be read:
    references to it are not checked.
    """
    problems: list[Problem] = []
    for index, playbook in enumerate(playbooks):
        for number, reference in enumerate(playbook.diagnosis):
            message = _reference_problem(reference, metrics, queries, resources, health)
            if message:
                problems.append((("playbooks", index, "diagnosis", number), f"{reference!r}: {message}"))
        for number, step in enumerate(playbook.resolution):
            problems += _step_problems(step, ("playbooks", index, "resolution", number))
    return problems


def _reference_problem(reference: str, metrics: Sequence[MetricSpec] | None,
                       queries: Sequence[QuerySpec] | None, resources: Sequence[Any] | None,
                       health: Sequence[HealthSpec] | None) -> str | None:
    kind, _, ref = reference.partition(":")
    if ((kind == "metric" and metrics is None) or (kind == "query" and queries is None)
            or (kind == "resource" and resources is None) or (kind == "health" and health is None)):
        return None  # that section has its own errors
    if kind == "health" and health is not None:
        if any(spec.ref == ref for spec in health):
            return None
        return f"no health check with id {ref!r}" + _did_you_mean(ref, [spec.ref for spec in health], "health:")
    if kind == "resource" and resources is not None:
        if any(resource.id == ref for resource in resources):
            return None
        return f"no resource with id {ref!r}" + _did_you_mean(ref, [r.id for r in resources], "resource:")
    if kind == "metric" and metrics is not None:
        metric = next((spec for spec in metrics if spec.id == ref), None)
        if metric is None:
            return f"no metric with id {ref!r}" + _did_you_mean(ref, [m.id for m in metrics if not m.hidden], "metric:")
        if metric.hidden:  # the dashboard opens a tile's detail; a hidden metric has none
            return f"metric {ref!r} is hidden: it has no tile to open"
        return None
    if kind == "query" and queries is not None:
        if any(query.id == ref for query in queries):
            return None
        return f"no query with id {ref!r}" + _did_you_mean(ref, [q.id for q in queries], "query:")
    return "expected metric:ID, query:ID, resource:ID or health:ID"


def _did_you_mean(word: str, candidates: Sequence[str], prefix: str = "") -> str:
    by_case = {candidate.lower(): candidate for candidate in candidates}
    match = by_case.get(word.lower())
    if match is None:
        close = difflib.get_close_matches(word.lower(), list(by_case), n=1, cutoff=0.75)
        match = by_case[close[0]] if close else None
    return f" (did you mean {prefix}{match}?)" if match else ""


def _step_problems(step: PlaybookStep, loc: Loc) -> list[Problem]:
    # Imported here: only profiles with resolution steps pay for the catalog's models
    # (none of its modules imports an SDK at import time).
    from services.actions.catalog import CATALOG

    action = CATALOG.get(step.action)
    if action is None:
        hint = _did_you_mean(step.action, list(CATALOG)) or " (cockpit actions lists them)"
        return [((*loc, "action"), f"unknown action {step.action!r}{hint}")]
    problems: list[Problem] = []
    target = _target_problem(step.action, step.target)
    if target:
        problems.append(((*loc, "target"), target))
    return problems + _param_problems(action, step.params, (*loc, "params"))


def _target_problem(action_id: str, target: str) -> str | None:
    if target == "":
        return None  # left open: the step's form asks for it
    pattern, kind = TARGETS.get(action_id) or TARGETS.get(action_id.split(".", 1)[0]) or (_NO_CONTROL, "a name")
    if re.fullmatch(pattern, target):
        return None
    return f"{target!r} is not {kind}"


def _param_problems(action: type[Action], raw: dict[str, Any], loc: Loc) -> list[Problem]:
    try:
        action.Params.model_validate(raw)
    except ValidationError as error:
        problems: list[Problem] = []
        for item in error.errors():
            if item["type"] == "missing":
                continue  # left open: the step's form asks for it
            where = loc + tuple(item["loc"])
            if item["type"] == "extra_forbidden":
                known = list(action.Params.model_fields)
                takes = f"takes: {', '.join(known)}" if known else "takes no parameters"
                problems.append((where, f"unknown parameter {item['loc'][-1]!r} ({action.id} {takes})"))
                continue
            message = str(item["msg"]).removeprefix("Value error, ")
            if "input" in item and not isinstance(item["input"], (dict, list)):
                message += f", got {item['input']!r}"
            problems.append((where, message))
        return problems
    return []
