"""``[[resources]]``: the things a runbook says to look at (``shared/design/profile.investigate.toml``).

One model for every type, so that an unknown ``type`` is one clear error on its line and a
field of another type (``alias`` on a queue) is an error on that field's line. Kept apart
from ``model.py``, which holds the rest of the contract.

This module does not import ``model.py`` (``model.py`` imports it): errors that must point
at a field of one entry are raised as a ``ValidationError`` inside the validator, which
pydantic merges under the entry's location, so the loader finds their lines.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, PydanticKnownError

ResourceType = Literal["lambda", "sqs", "dynamodb", "events-rule", "s3-bucket", "iam-role", "ses", "rds-cluster",
                       "dashboard"]
RESOURCE_TYPES: tuple[str, ...] = ResourceType.__args__  # type: ignore[attr-defined]

# Fields that only one type takes; everything else is common to all.
_TYPE_OF_FIELD = {"alias": "lambda", "keys": "s3-bucket", "needs": "iam-role"}
# ``ses`` is the account's sending: without a name, every identity is listed; with one,
# that identity (an address or a domain) must be verified.
_NAME_OPTIONAL = {"ses"}
_NEED = re.compile(r"^\s*(?P<action>[A-Za-z0-9-]+:[A-Za-z0-9*?]+)\s+(?P<resource>arn:\S+|\*)\s*$")


class PermissionNeed(BaseModel):
    """One line of an iam-role's ``needs``: the role must be allowed ``action`` on ``resource``."""

    model_config = ConfigDict(frozen=True)

    action: str
    resource: str

    def __str__(self) -> str:
        return f"{self.action} {self.resource}"


class ResourceSpec(BaseModel):
    """One ``[[resources]]`` entry; ``name`` is the AWS name (function, queue, table, rule, …)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    type: ResourceType
    name: str | None = Field(default=None, min_length=1, validate_default=True)
    alias: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]+$")
    """lambda: the alias a rollback moves."""
    keys: list[str] = Field(default_factory=list)
    """s3-bucket: keys to head (exists, size, last modified); a key ending in ``/`` is a prefix to list."""
    needs: list[str] = Field(default_factory=list)
    """iam-role: permission checks, ``"ACTION RESOURCE_ARN"`` each."""

    @field_validator("name")
    @classmethod
    def _name_required(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("type")
        if value is None and kind is not None and kind not in _NAME_OPTIONAL:
            raise PydanticKnownError("missing")
        return value

    @field_validator("alias", "keys", "needs")
    @classmethod
    def _only_for_its_type(cls, value: object, info: ValidationInfo) -> object:
        owner = _TYPE_OF_FIELD[str(info.field_name)]
        kind = info.data.get("type")
        if kind is not None and kind != owner and value:
            raise ValueError(f"{info.field_name} is a field of {owner} resources, not of {kind}")
        return value

    @field_validator("keys")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        _each(value, lambda key: bool(key) and not key.startswith("/"),
              "expected an object key, without a leading /")
        return value

    @field_validator("needs")
    @classmethod
    def _needs(cls, value: list[str]) -> list[str]:
        _each(value, lambda need: bool(_NEED.match(need)),
              'expected "ACTION RESOURCE_ARN", e.g. "s3:GetObject arn:aws:s3:::bucket/*"')
        return value

    @property
    def permission_needs(self) -> list[PermissionNeed]:
        parsed = (_NEED.match(need) for need in self.needs)
        return [PermissionNeed(action=m["action"], resource=m["resource"]) for m in parsed if m]

    @property
    def title(self) -> str:
        return self.name or self.type


def _each(items: list[str], valid: object, message: str) -> None:
    """Check every item; the first bad one is reported at its index (the loader adds ", got ITEM")."""
    for index, item in enumerate(items):
        if not valid(item):  # type: ignore[operator]
            raise _at((index,), message, item)


def _at(loc: tuple[str | int, ...], message: str, value: object) -> ValidationError:
    error = PydanticCustomError("value_error", message)  # a literal, brace-free message
    return ValidationError.from_exception_data("resources", [InitErrorDetails(type=error, loc=loc, input=value)])


def _unique_ids(resources: list[ResourceSpec]) -> list[ResourceSpec]:
    seen: set[str] = set()
    for index, resource in enumerate(resources):
        if resource.id in seen:
            raise _at((index, "id"), "duplicate resource id", resource.id)
        seen.add(resource.id)
    return resources


ResourceList = Annotated[list[ResourceSpec], AfterValidator(_unique_ids)]
"""The Profile's ``resources`` field type: entries validated one by one, then ids unique."""
