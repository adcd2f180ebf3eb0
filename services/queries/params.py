"""Query parameters: the values a run uses, and each ``{name}`` filled in safely for its language.

A value is text from a responder (``--param ip=...``, the screen's form), so it is never
pasted into a query as it is: inside a quoted string it is escaped for that string's
quoting; outside any quotes it must be a bare token (a number, a duration such as ``5m``,
a name) or the run is refused with :class:`BadParameter` (a :class:`~services.errors.BadInput`). So ``'{ip}'`` in
SQL takes any text, and a value cannot end the string and add a clause.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from services.errors import BadInput
from services.profile.queries import PLACEHOLDER, QuerySpec

Language = Literal["sql", "promql", "insights", "plain"]


class BadParameter(BadInput):
    """A parameter the run cannot use: unknown, missing, or a value that does not fit where it goes."""


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_BARE_TOKEN = re.compile(r"[A-Za-z0-9_:.-]+")  # numbers, durations (5m), metric and field names


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``["ip=1.2.3.4", "n=5"]`` -> ``{"ip": "1.2.3.4", "n": "5"}`` (the CLI's ``--param k=v``)."""
    values: dict[str, str] = {}
    for item in items:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise BadParameter(f"--param {item!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return values


def resolve(spec: QuerySpec, given: Mapping[str, str]) -> dict[str, str]:
    """Every parameter's value: the given one, else the profile's default; unknown or missing is BadInput."""
    names = spec.parameters
    unknown = [name for name in given if name not in names]
    if unknown:
        takes = ", ".join(names) if names else "no parameters"
        raise BadParameter(f"query {spec.id!r} has no parameter {unknown[0]!r} (it takes: {takes})")
    values = {name: given[name] if name in given else spec.params.get(name) for name in names}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise BadParameter(f"query {spec.id!r} needs a value for {missing[0]!r}: --param {missing[0]}=VALUE")
    return {name: value for name, value in values.items() if value is not None}


def fill(template: str, values: Mapping[str, str], language: Language) -> str:
    """``template`` with every ``{name}`` replaced by its value, quoted for where it stands."""
    out: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(template):
        char = template[index]
        match = PLACEHOLDER.match(template, index) if char == "{" else None
        if match is not None and match.group(1) in values:
            out.append(_quoted(match.group(1), values[match.group(1)], quote, language))
            index = match.end()
            continue
        out.append(char)
        if language != "plain":
            quote = _next_quote(template, index, quote, language)
        index += 1
    return "".join(out)


def _next_quote(text: str, index: int, quote: str | None, language: Language) -> str | None:
    """The quoting in force after ``text[index]``: None, or the opening quote (``E'`` for SQL's escape strings).

    SQL escapes a quote by doubling it, which closes and reopens the string here; the
    other languages escape with a backslash.
    """
    char = text[index]
    if quote is None:
        if char not in ("'\"" if language == "sql" else "'\"`"):
            return None
        escape_string = language == "sql" and char == "'" and re.search(r"(^|[^A-Za-z0-9_])[Ee]$", text[:index])
        return "E'" if escape_string else char
    if char != quote[-1]:
        return quote
    if language != "sql" or quote == "E'":
        backslashes = len(text[:index]) - len(text[:index].rstrip("\\"))
        if backslashes % 2:
            return quote
    return None


def _quoted(name: str, value: str, quote: str | None, language: Language) -> str:
    if language == "plain":
        return value
    if quote is None:
        if (_NUMBER if language == "sql" else _BARE_TOKEN).fullmatch(value):
            return value
        what = "a number" if language == "sql" else "a number, a duration or a name"
        raise BadParameter(f"parameter {name!r}: {value!r} is not {what}, and {{{name}}} is not inside quotes")
    if language == "sql":
        if quote == "E'":  # PostgreSQL's E'...' reads backslash escapes too
            value = value.replace("\\", "\\\\")
        return value.replace(quote[-1], quote[-1] * 2)
    if quote == "`":
        if "`" in value:
            raise BadParameter(f"parameter {name!r}: a value inside `...` cannot contain `")
        return value
    return value.replace("\\", "\\\\").replace(quote, "\\" + quote)
