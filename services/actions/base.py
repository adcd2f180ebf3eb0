"""The action contract: validate, plan, run, verify, invert.

Every change the cockpit makes to the outside world is one ``Action`` subclass in
``services/actions/``. Nothing runs without a ``Plan`` that a person has seen: the UI
shows the plan on its confirmation screen, and only the executor (``executor.py``)
calls ``run``, which it refuses in read-only mode.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from services.errors import BadInput


class Risk(StrEnum):
    LOW = "low"
    HIGH = "high"  # confirmation requires typing the target's name
    DESTRUCTIVE = "destructive"  # same, and the plan says what cannot be undone

    @property
    def needs_typed_target(self) -> bool:
        return self is not Risk.LOW


class ActionParams(BaseModel):
    """Base of every action's parameter model: strict, no unknown parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)


ParamsT = TypeVar("ParamsT", bound=ActionParams)
"""An action's own parameter model: ``class SetTimeout(FunctionAction["SetTimeout.Params"])``."""
ActionT = TypeVar("ActionT", bound="Action[Any]")


@dataclass(frozen=True)
class FieldChange:
    """One field of the target, before and after (``None``: absent / not set)."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Plan:
    """What an action will do, computed from the target's current state.

    ``command`` is the exact equivalent a person could paste (``aws …`` with the same
    effect, or the SQL / ``docker`` command), not a paraphrase.
    """

    action_id: str
    target: str
    params: dict[str, Any]
    changes: tuple[FieldChange, ...]
    risk: Risk
    command: str
    summary: str
    reversible: bool
    notes: tuple[str, ...] = ()
    undoes: str | None = None
    """Set on the plan of an undo: the ``action_id`` whose effect it reverses."""

    @property
    def is_noop(self) -> bool:
        return bool(self.changes) and all(change.before == change.after for change in self.changes)


@dataclass(frozen=True)
class Verification:
    ok: bool
    detail: str
    observed: dict[str, Any] = field(default_factory=dict)


class Action(ABC, Generic[ParamsT]):
    """One kind of change. Subclasses set the class attributes and implement the four steps.

    ``ParamsT`` is the subclass's nested ``Params`` model, named in its base
    (``Action["Stop.Params"]``), so that ``self.params`` has that model's fields.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    risk: ClassVar[Risk]
    target_kind: ClassVar[str]
    volatile: frozenset[str] = frozenset()
    """Fields whose "before" may change between plan and run without making the plan stale."""
    Params: type[ParamsT]  # a class attribute; not ClassVar only because a ClassVar may not hold a type variable

    def __init__(self, session: Any, target: str, params: ParamsT) -> None:
        self.session = session
        self.target = target
        self.params = params

    @classmethod
    def build(cls, session: Any, target: str, raw: dict[str, Any]) -> Self:
        """Validate ``raw`` parameters; a bad value is ``BadInput`` naming the parameter."""
        if not target:
            raise BadInput(f"{cls.id}: a target ({cls.target_kind}) is required")
        try:
            params = cls.Params.model_validate(raw)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in item['loc']) or 'params'}: {item['msg']}" for item in error.errors()
            )
            raise BadInput(f"{cls.id}: {problems}") from None
        return cls(session, target, params)

    @abstractmethod
    def plan(self) -> Plan:
        """Read the current state; return before → after, risk and the equivalent command."""

    @abstractmethod
    def run(self, plan: Plan) -> dict[str, Any]:
        """Make the change with the SDK (never a shell). Returns what the API answered, summarised."""

    @abstractmethod
    def verify(self, plan: Plan) -> Verification:
        """Read back and say whether the change took."""

    def inverse(self, plan: Plan) -> Action[Any] | None:
        """The action that restores the plan's "before", or None when there is none."""
        return None
