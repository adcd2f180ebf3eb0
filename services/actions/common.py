"""What every action family shares.

- ``aws_cli``: the exact AWS CLI v1 command equivalent to a run, shell-quoted;
- ``ParamsModel``: parameter models where an empty value (``None``) means "the default";
- ``ReadBackAction``: an action whose planned fields can be read back, so that
  ``verify`` is one generic comparison of the plan's "after" with what AWS says now;
- ``missing_as``: turn the service's "no such resource" into a one-line ``BadInput``.
"""
from __future__ import annotations

import json
import shlex
import types
import typing
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import model_validator

from services.actions.base import Action, ActionParams, ActionT, FieldChange, ParamsT, Plan, Risk, Verification
from services.errors import BadInput, SourceError

Option = tuple[str, Any] | str


def aws_cli(service: str, operation: str, *options: Option) -> str:
    """``aws SERVICE OPERATION --name value ...`` with every word quoted for a POSIX shell.

    An option is ``("--name", value)`` or a bare flag (``"--ingress"``). Dicts and lists
    become compact JSON (the CLI's own syntax for structures); booleans ``true``/``false``.
    """
    words = ["aws", service, operation]
    for option in options:
        if isinstance(option, str):
            words.append(option)
            continue
        name, value = option
        words += [name, _cli_text(value)]
    return " ".join(shlex.quote(word) for word in words)


def _cli_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def format_value(value: Any) -> str:
    """A field's value for a person: ``None`` is "(not set)", structures are JSON."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(", ", ": "))
    return str(value)


def error_code(error: SourceError) -> str:
    """The AWS error code of a translated error (its message starts with ``CODE: ``)."""
    return str(error.args[0]).split(":", 1)[0].strip() if error.args else ""


@contextmanager
def missing_as(message: str, *codes: str) -> Iterator[None]:
    """Inside the block, an AWS "not found" error with one of ``codes`` becomes ``BadInput(message)``."""
    try:
        yield
    except BadInput as error:
        if error_code(error) in codes:
            raise BadInput(message, operation=error.operation) from None
        raise


def _admits_none(annotation: Any) -> bool:
    if annotation is None or annotation is type(None):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return type(None) in typing.get_args(annotation)
    if origin is typing.Annotated:
        return _admits_none(typing.get_args(annotation)[0])
    return False


class ParamsModel(ActionParams):
    """Parameters where ``None`` means "not given" unless ``None`` is itself a value.

    A form leaves a field empty (``None``); for ``max_receive_count: int = 3`` that means
    3, while for ``concurrency: int | None`` ``None`` is a choice (remove the reservation).
    """

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items()
                    if not (value is None and key in cls.model_fields
                            and not _admits_none(cls.model_fields[key].annotation))}
        return data


class ReadBackAction(Action[ParamsT]):
    """An action whose plan lists fields that ``observe`` can read back from AWS.

    Contract: ``plan().params`` are the parameters with every default resolved (a
    generated backup name, a chosen rule number, a time window): building the same
    action from them and planning again against unchanged state gives the same plan.
    ``run`` uses those resolved parameters, never fresh defaults.
    """

    risk_detail: ClassVar[str] = ""
    """When the risk depends on the parameters, how (shown in the catalog)."""

    def resolved(self, plan: Plan) -> ParamsT:
        """The plan's resolved parameters, as this action's model."""
        return self.Params.model_validate(plan.params)

    @abstractmethod
    def observe(self, plan: Plan) -> dict[str, Any]:
        """The current value of each of the plan's fields, named as in ``plan.changes``."""

    def verify(self, plan: Plan) -> Verification:
        observed = self.observe(plan)
        wrong = [f"{change.field} is {format_value(observed.get(change.field))}, expected {format_value(change.after)}"
                 for change in plan.changes if observed.get(change.field) != change.after]
        if wrong:
            return Verification(ok=False, detail="; ".join(wrong), observed=observed)
        shown = ", ".join(f"{name} = {format_value(value)}" for name, value in observed.items())
        return Verification(ok=True, detail=f"read back: {shown}", observed=observed)

    def make_plan(self, changes: list[FieldChange], *, command: str, summary: str, reversible: bool,
                  params: ParamsT | None = None, risk: Risk | None = None, notes: tuple[str, ...] = ()) -> Plan:
        """A ``Plan`` for this action; ``params`` are the resolved parameters (default: as given)."""
        return Plan(action_id=self.id, target=self.target,
                    params=(params or self.params).model_dump(mode="json"), changes=tuple(changes),
                    risk=risk or self.risk, command=command, summary=summary, reversible=reversible, notes=notes)

    def sibling(self, action: type[ActionT], target: str, params: dict[str, Any]) -> ActionT:
        """Another action on the same session (an inverse), validated like any other."""
        return action.build(self.session, target, params)


def iso_time(text: str, what: str) -> datetime:
    """A time parameter (ISO 8601, ``Z`` or an offset; none: UTC); ``BadInput`` naming ``what`` otherwise."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{what}: {text!r} is not an ISO time (e.g. 2026-12-03T10:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
