"""``[[queries]]`` on every engine, ``[prometheus]``, and the query parameters (``shared/design/profile.investigate.toml``).

One model for every engine, as ``[[resources]]`` has one for every type: an unknown
``engine`` is one clear error on its line, and a field of another engine (``table`` on an
Athena query) is an error on that field's line. ``engine`` defaults to ``insights``, the
form ``profile.example.toml`` has always had.

Parameters: ``{name}`` in ``query`` (or in a DynamoDB ``key`` value) is a placeholder,
``params = { name = "default" }`` pre-fills it; a placeholder without a default must be
given at run time. Only ``{identifier}`` is a placeholder, so PromQL's ``{job="api"}`` and a
regex's ``{3}`` stay text.

This module does not import ``model.py`` (``model.py`` imports it).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, PydanticKnownError

DURATION = r"^\d+(\.\d+)?\s*(s|m|h|d|w)$"  # the same as model.DURATION (model.py imports this module)
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Engine = Literal["insights", "athena", "postgres", "dynamodb", "prometheus"]
ENGINES: tuple[str, ...] = Engine.__args__  # type: ignore[attr-defined]
AWS_ENGINES = frozenset({"insights", "athena", "dynamodb"})

# Fields only some engines take; the others (id, label, engine, query, params, limit) are common.
_ENGINES_OF_FIELD: dict[str, tuple[str, ...]] = {
    "groups": ("insights",), "since": ("insights",),
    "database": ("athena",), "workgroup": ("athena",), "output": ("athena",),
    "timeout": ("postgres", "prometheus"),
    "table": ("dynamodb",), "key": ("dynamodb",), "index": ("dynamodb",),
    "range": ("prometheus",), "step": ("prometheus",),
}
_DEFAULT_LIMIT = {"dynamodb": 100}  # a scan reads (and bills) what it returns: keep it small
DEFAULT_ROW_LIMIT = 10_000


def placeholders(text: str) -> list[str]:
    """The parameter names ``text`` uses, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


class PrometheusSpec(BaseModel):
    """``[prometheus]``: the server the ``prometheus`` queries (and metrics) ask."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https?://[^/\s]+")


class QuerySpec(BaseModel):
    """One saved query; which fields it takes depends on ``engine``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    label: str | None = None
    engine: Engine = "insights"
    query: str = Field(default="", validate_default=True)
    """insights: Logs Insights; athena, postgres: SQL; prometheus: PromQL. Not for dynamodb."""
    limit: int | None = Field(default=None, ge=1, le=100_000)
    """At most this many rows are read (dynamodb default 100, others 10 000)."""
    # insights
    groups: list[str] = Field(default_factory=list, validate_default=True)
    since: str = Field(default="1h", pattern=DURATION)
    # athena
    database: str | None = Field(default=None, min_length=1)
    workgroup: str | None = Field(default=None, min_length=1)
    output: str | None = Field(default=None, pattern=r"^s3://[^/\s]+")
    # postgres (statement_timeout, default 30 s) and prometheus (the server's query timeout)
    timeout: str | None = Field(default=None, pattern=DURATION)
    # dynamodb: key alone is a get-item (or a query on the partition key), index + key a query, neither a scan
    table: str | None = Field(default=None, min_length=3, validate_default=True)
    key: dict[str, str | int | float] = Field(default_factory=dict)
    index: str | None = Field(default=None, min_length=3)
    # prometheus: instant by default; range = "1h" asks /api/v1/query_range, step its resolution
    range: str | None = Field(default=None, pattern=DURATION)
    step: str | None = Field(default=None, pattern=DURATION)
    # last: its check reads query and key
    params: dict[str, str] = Field(default_factory=dict)

    @field_validator("groups", "since", "database", "workgroup", "output", "timeout", "table", "key", "index",
                     "range", "step")
    @classmethod
    def _only_for_its_engines(cls, value: Any, info: ValidationInfo) -> Any:
        owners = _ENGINES_OF_FIELD[str(info.field_name)]
        engine = info.data.get("engine")
        given = value not in (None, [], {})
        # Defaults are empty (since's is not validated), so a value here was written in the profile.
        if engine is not None and engine not in owners and given:
            raise ValueError(f"{info.field_name} is a field of {' and '.join(owners)} queries, not of {engine}")
        return value

    @field_validator("query")
    @classmethod
    def _query(cls, value: str, info: ValidationInfo) -> str:
        engine = info.data.get("engine")
        if engine == "dynamodb" and value:
            raise ValueError("a dynamodb query has no query text: it reads by table, key and index")
        if engine is not None and engine != "dynamodb" and not value.strip():
            raise PydanticKnownError("missing")
        return value

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("engine") == "insights" and not [group for group in value if group]:
            raise PydanticKnownError("missing")
        return value

    @field_validator("table")
    @classmethod
    def _table(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("engine") == "dynamodb" and value is None:
            raise PydanticKnownError("missing")
        return value

    @field_validator("key")
    @classmethod
    def _key(cls, value: dict[str, str | int | float]) -> dict[str, str | int | float]:
        for name, item in value.items():
            if isinstance(item, bool):
                raise _at((name,), "a key value is a string or a number", item)
        return value

    @field_validator("index")
    @classmethod
    def _index(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not info.data.get("key"):
            raise ValueError("index needs key: the index's partition key (and sort key) to query")
        return value

    @field_validator("step")
    @classmethod
    def _step(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("range") is None:
            raise ValueError('step is the resolution of a range query: give range too (e.g. range = "1h")')
        return value

    @field_validator("params", mode="before")
    @classmethod
    def _params_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):  # TOML numbers are defaults too: `params = { hours = 1 }`
            return {name: str(item) if isinstance(item, int | float) and not isinstance(item, bool) else item
                    for name, item in value.items()}
        return value

    @field_validator("params")
    @classmethod
    def _params_used(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        used = set(placeholders(info.data.get("query") or ""))
        used |= {name for item in (info.data.get("key") or {}).values() if isinstance(item, str)
                 for name in placeholders(item)}
        for name in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise _at((name,), "a parameter name is letters, digits and _ (it is written {name})", name)
            if name not in used:
                raise _at((name,), f"parameter {name!r} is not used: nothing says {{{name}}}", value[name])
        return value

    @property
    def title(self) -> str:
        return self.label or self.id

    @property
    def row_limit(self) -> int:
        return self.limit or _DEFAULT_LIMIT.get(self.engine, DEFAULT_ROW_LIMIT)

    @property
    def uses_aws(self) -> bool:
        return self.engine in AWS_ENGINES

    @property
    def parameters(self) -> list[str]:
        """Every placeholder, in order: the query's, then the key values'."""
        names = placeholders(self.query)
        for item in self.key.values():
            if isinstance(item, str):
                names += [name for name in placeholders(item) if name not in names]
        return names


def query_problems(queries: Sequence[QuerySpec], prometheus: PrometheusSpec | None) -> list[tuple[tuple[str | int, ...], str]]:
    """A prometheus query without ``[prometheus] url`` can never run.

    A postgres query without ``[postgres]`` is not an error here: the investigation
    contract itself adds postgres queries to a profile that has ``[postgres]`` elsewhere,
    so running one without it is refused then (``BadInput``), naming the section.
    """
    if prometheus is not None:
        return []
    return [(("queries", index, "engine"), "a prometheus query needs [prometheus] url")
            for index, query in enumerate(queries) if query.engine == "prometheus"]


def _at(loc: tuple[str | int, ...], message: str, value: object) -> ValidationError:
    error = PydanticCustomError("value_error", message)  # no context: braces stay text
    return ValidationError.from_exception_data("queries", [InitErrorDetails(type=error, loc=loc, input=value)])
