"""``[[health]]``: a URL checked on its interval, with headers and what its JSON body must hold."""
from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from services.profile.base import Strict as _Strict


class ListExpectation(_Strict):
    """``expect_list``: the body is a JSON list; the items matching ``where`` are counted.

    ``where`` compares like ``expect`` (every key given has that value; empty: every item);
    the check passes when the count is within ``min``..``max``. Runbook 003's status check,
    "failed scans: 0", is ``{ where = { passed = false }, max = 0 }``.
    """

    where: dict[str, Any] = Field(default_factory=dict)
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> ListExpectation:
        if self.min is None and self.max is None:
            raise ValueError("expect_list needs min, max or both (how many matching items are fine)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"expect_list: min {self.min} is above max {self.max}")
        return self


class HealthSpec(_Strict):
    id: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    name: str
    url: str = Field(pattern=r"^https?://")
    headers: dict[str, str] = Field(default_factory=dict)
    """Sent with the check; a value ``env:NAME`` is read from the environment (never shown)."""
    expect: dict[str, Any] = Field(default_factory=dict)
    """The body is a JSON object with these keys and values (nested tables compared recursively)."""
    expect_list: ListExpectation | None = None
    interval: float = Field(default=15, ge=1)

    @model_validator(mode="after")
    def _one_expectation(self) -> HealthSpec:
        if self.expect and self.expect_list is not None:
            raise ValueError("give expect (a JSON object) or expect_list (a JSON list), not both")
        return self

    @property
    def ref(self) -> str:
        """What a playbook's ``health:`` names: the id, else the name."""
        return self.id or self.name

    @model_validator(mode="before")
    @classmethod
    def _name_from_id(cls, data: Any) -> Any:
        # The investigation contract names checks by id; the older form by name.
        if isinstance(data, dict) and "name" not in data and isinstance(data.get("id"), str):
            return {**data, "name": data["id"]}
        return data

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
                raise ValueError(f"{name!r} is not an HTTP header name")
            if value.startswith("env:") and not re.fullmatch(r"env:[A-Za-z_][A-Za-z0-9_]*", value):
                raise ValueError(f"header {name}: env: names an environment variable, e.g. env:API_KEY")
        return headers
