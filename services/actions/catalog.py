"""Every action the cockpit knows, by id, and how to describe their parameters.

``CATALOG`` is what the action menu lists and what a playbook step's ``action`` names.
``param_specs`` describes an action's parameters from its pydantic model (for a form or
``cockpit actions``), so the model stays the single source of names, types and ranges.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.actions import (
    alarms,
    api_keys,
    cognito,
    dynamodb,
    ec2_nacl,
    events,
    iam,
    iam_grant,
    lambda_backup,
    lambda_config,
    lambda_invoke,
    lambda_versions,
    logs_export,
    neptune,
    notify,
    postgres_backup,
    s3_prefix,
    s3_versions,
    ses,
    sqs,
    sqs_send,
)
from services.actions import docker as docker_actions
from services.actions import postgres as postgres_actions
from services.actions.base import Action
from services.errors import BadInput

_ACTIONS: tuple[type[Action], ...] = (
    lambda_config.SetTimeout, lambda_config.SetMemory, lambda_config.SetConcurrency, lambda_config.SetEnv,
    lambda_versions.Rollback, lambda_invoke.Invoke, lambda_backup.BackupConfig, lambda_backup.RestoreConfig,
    alarms.DisableActions, alarms.EnableActions, alarms.SetState, alarms.SetThreshold,
    sqs.Purge, sqs.SetRedrive, sqs.RedriveDlq, sqs_send.SendTest,
    events.EnableRule, events.DisableRule, events.SetSchedule,
    iam.DeactivateKey, iam.ActivateKey, iam.DenyAll, iam.RemoveDenyAll, iam_grant.Grant, iam_grant.RevokeGrant,
    ec2_nacl.NaclDeny, ec2_nacl.NaclRemove,
    cognito.GlobalSignOut,
    dynamodb.Backup, dynamodb.Restore,
    neptune.RestoreCluster,
    logs_export.ExportToS3,
    ses.VerifyIdentity, s3_versions.RestoreVersion,
    s3_prefix.BackupPrefix, s3_prefix.RestorePrefix,
    *docker_actions.ACTIONS,  # docker.restart / stop / start
    *postgres_actions.ACTIONS,  # postgres.cancel / terminate / vacuum
    *api_keys.ACTIONS,  # postgres.revoke-api-key
    *postgres_backup.ACTIONS,  # postgres.dump / restore
    *notify.ACTIONS,  # notify.sns / email / webhook
)

CATALOG: dict[str, type[Action]] = {action.id: action for action in _ACTIONS}


def action_class(action_id: str) -> type[Action]:
    """The class of ``action_id``; ``BadInput`` naming the known ids when there is none."""
    try:
        return CATALOG[action_id]
    except KeyError:
        raise BadInput(f"unknown action {action_id!r}; known: {', '.join(CATALOG)}") from None


def build_action(session: Any, action_id: str, target: str, raw_params: dict[str, Any] | None = None) -> Action:
    """Look up ``action_id`` and validate its parameters (``BadInput`` on any problem)."""
    return action_class(action_id).build(session, target, dict(raw_params or {}))


@dataclass(frozen=True)
class ParamSpec:
    """One parameter as a form or a listing shows it."""

    name: str
    type: str  # integer, number, string, boolean, object, array, or "A|B"
    required: bool
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    nullable: bool = False
    description: str = ""

    def describe(self) -> str:
        """``timeout:integer 1..900``, ``reason:string =Set by incident-cockpit``, ``state:OK|ALARM``..."""
        text = f"{self.name}:{'|'.join(map(str, self.choices)) if self.choices else self.type}"
        if self.minimum is not None or self.maximum is not None:
            low = _number(self.minimum) if self.minimum is not None else ""
            high = _number(self.maximum) if self.maximum is not None else ""
            text += f" {low}..{high}"
        if self.nullable and self.required:
            text += " or null"
        if not self.required:
            text += " (optional)" if self.default is None else f" ={json.dumps(self.default)}"
        return text


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def param_specs(action: type[Action]) -> list[ParamSpec]:
    """The parameters of ``action`` in declaration order, from its model's JSON schema."""
    schema = action.Params.model_json_schema()
    required = set(schema.get("required", []))
    specs = []
    for name, prop in schema.get("properties", {}).items():
        variants = prop.get("anyOf", [prop])
        types = [v.get("type") for v in variants if v.get("type") and v.get("type") != "null"]
        concrete = next((v for v in variants if v.get("type") != "null"), prop)
        choices = tuple(concrete.get("enum", ()))
        minimum = concrete.get("minimum", concrete.get("exclusiveMinimum"))
        maximum = concrete.get("maximum", concrete.get("exclusiveMaximum"))
        specs.append(ParamSpec(name=name, type="|".join(types) or "any", required=name in required,
                               default=prop.get("default"), minimum=minimum, maximum=maximum, choices=choices,
                               nullable=any(v.get("type") == "null" for v in variants),
                               description=prop.get("description", "")))
    return specs


def describe_action(action: type[Action]) -> str:
    """One line: id, parameters, risk (and when it changes), title."""
    params = " ".join(spec.describe() for spec in param_specs(action)) or "(no parameters)"
    risk = f"risk {action.risk}"
    detail = getattr(action, "risk_detail", "")
    if detail:
        risk += f" ({detail})"
    return f"{action.id}  target: {action.target_kind}  params: {params}  {risk}  — {action.title}"
