"""Policy documents as lines a responder reads: one statement a line, nothing left out.

Conditions are kept as compact JSON: a summary that dropped one would hide the reason a
request is denied.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from services.aws.resources.iam_eval import statement_label, statements


def summary(document: Mapping[str, Any]) -> str:
    found = statements(document)
    if not found:
        return "no statements"
    allows = sum(1 for statement in found if statement.get("Effect") == "Allow")
    denies = len(found) - allows
    parts = [f"{allows} Allow"] + ([f"{denies} Deny"] if denies else [])
    return f"{len(found)} statement{'s' if len(found) != 1 else ''} ({', '.join(parts)})"


def statement_lines(document: Mapping[str, Any], prefix: str = "") -> list[str]:
    return [prefix + statement_line(statement, index) for index, statement in enumerate(statements(document))]


def statement_line(statement: Mapping[str, Any], index: int) -> str:
    words = [f"{statement_label(statement, index)}: {statement.get('Effect', '?')}"]
    for key in ("Action", "NotAction"):
        if key in statement:
            words.append(("not " if key.startswith("Not") else "") + _listed(statement[key]))
    for key in ("Resource", "NotResource"):
        if key in statement:
            words.append(("on everything but " if key.startswith("Not") else "on ") + _listed(statement[key]))
    if "Principal" in statement or "NotPrincipal" in statement:
        words.append(("to all but " if "NotPrincipal" in statement else "to ")
                     + principal_text(statement.get("Principal", statement.get("NotPrincipal"))))
    if statement.get("Condition"):
        words.append("if " + json.dumps(statement["Condition"], separators=(",", ":"), sort_keys=True))
    return " ".join(words)


def principal_text(principal: Any) -> str:
    if principal == "*":
        return "everyone (*)"
    if isinstance(principal, Mapping):
        return "; ".join(f"{kind} {_listed(value)}" for kind, value in principal.items())
    return str(principal)


def _listed(value: Any) -> str:
    return ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
