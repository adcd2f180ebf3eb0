"""Does a set of IAM policy documents allow one action on one resource? Pure functions.

The part of IAM's evaluation logic that documents alone decide: an explicit Deny wins,
otherwise some Allow must cover the request, and with a permissions boundary the boundary
must allow it too. Actions match case-insensitively, resources case-sensitively, both with
IAM's ``*`` and ``?``; ``NotAction``/``NotResource`` invert the match. A requested action or
resource may itself hold wildcards ("every object under rules/"): an Allow must then cover
all of it, and a Deny that covers part of it is a warning.

Conditions are evaluated only for keys the caller knows (a rule's ``aws:SourceArn`` when
checking a Lambda's resource policy); any other condition is reported as "not evaluated",
never guessed. SCPs, session policies and resource policies of the target are not seen.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Decision = Literal["allowed", "denied", "uncertain"]
# Operators whose value comparison we can do exactly; anything else is "not evaluated".
_STRING_OPERATORS = {"stringequals": False, "stringlike": True, "arnequals": False, "arnlike": True}
_VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True, slots=True)
class Policy:
    """A document and what to call it in a finding ("inline policy read-rules")."""

    name: str
    document: Mapping[str, Any]
    boundary: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    reason: str
    statements: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def level(self) -> Literal["ok", "warn", "fail"]:
        if self.decision == "denied":
            return "fail"
        return "warn" if self.decision == "uncertain" or self.notes else "ok"

    def text(self) -> str:
        return "; ".join((self.reason, *self.notes))


@dataclass(frozen=True, slots=True)
class _Match:
    ref: str
    effect: str
    covers: bool
    touches: bool
    unknown: str  # why this statement may or may not apply ("" when it certainly does)
    boundary: bool


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = document.get("Statement", [])
    return [item for item in (raw if isinstance(raw, list) else [raw]) if isinstance(item, dict)]


def statement_label(statement: Mapping[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return f"{sid}" if sid else f"#{index + 1}"


def evaluate(action: str, resource: str, policies: Sequence[Policy], *, principal_service: str | None = None,
             context: Mapping[str, str] | None = None, implicit_resource: bool = False) -> Verdict:
    """The verdict for ``action`` on ``resource``.

    ``principal_service`` makes ``Principal`` count (resource policies, trust policies);
    ``context`` gives condition keys their values; ``implicit_resource``: a statement
    without ``Resource`` is about the document's owner (a trust policy).
    """
    known = {key.lower(): value for key, value in (context or {}).items()}
    matches = [match for policy in policies for index, statement in enumerate(statements(policy.document))
               if (match := _match(policy, index, statement, (action, resource), principal_service, known,
                                   implicit_resource))]
    certain_denies = [m.ref for m in matches if m.effect == "Deny" and m.covers and not m.unknown]
    if certain_denies:
        return Verdict("denied", f"explicit deny in {', '.join(certain_denies)}", tuple(certain_denies))
    notes = [f"a deny may apply: {m.ref} ({m.unknown})" for m in matches
             if m.effect == "Deny" and m.touches and m.unknown]
    notes += [f"{m.ref} denies part of it" for m in matches
              if m.effect == "Deny" and m.touches and not m.covers and not m.unknown]
    allowed = _allowing(matches, boundary=False)
    if not allowed:
        possible = [f"{m.ref} ({m.unknown})" for m in matches if m.effect == "Allow" and not m.boundary and m.covers]
        if possible:
            return Verdict("uncertain", f"allowed only if a condition holds: {', '.join(possible)}", (), tuple(notes))
        partly = [m.ref for m in matches if m.effect == "Allow" and not m.boundary and m.touches]
        reason = "denied: no statement grants it"
        if partly:
            reason += f" (only part of it: {', '.join(partly)})"
        return Verdict("denied", reason, (), tuple(notes))
    if any(policy.boundary for policy in policies):
        bounded = _allowing(matches, boundary=True)
        if not bounded:
            names = sorted({policy.name for policy in policies if policy.boundary})
            conditional = [m for m in matches if m.boundary and m.effect == "Allow" and m.covers]
            if not conditional:
                return Verdict("denied", f"denied: {', '.join(names)} does not allow it", (), tuple(notes))
            notes.append(f"{conditional[0].ref} allows it only if: {conditional[0].unknown}")
    refs = [m.ref for m in allowed]
    return Verdict("allowed", f"allowed by {refs[0]}", tuple(refs), tuple(notes))


def _allowing(matches: list[_Match], *, boundary: bool) -> list[_Match]:
    return [m for m in matches if m.effect == "Allow" and m.boundary == boundary and m.covers and not m.unknown]


def _match(policy: Policy, index: int, statement: Mapping[str, Any], request: tuple[str, str],
           principal_service: str | None, known: Mapping[str, str], implicit_resource: bool) -> _Match | None:
    effect = statement.get("Effect")
    if effect not in ("Allow", "Deny"):
        return None
    action, resource = request
    action_covers, action_touches = _part(statement, "Action", action.lower(), lower=True)
    resource_covers, resource_touches = _part(statement, "Resource", resource, lower=False)
    if implicit_resource and "Resource" not in statement and "NotResource" not in statement:
        resource_covers = resource_touches = True
    if not (action_touches and resource_touches):
        return None
    unknown: list[str] = []
    if principal_service is not None:
        principal = _principal_matches(statement, principal_service)
        if principal is False:
            return None
        if principal is None:
            unknown.append("NotPrincipal not evaluated")
    variables = _VARIABLE.findall(json.dumps([statement.get(k) for k in ("Resource", "NotResource")]))
    if variables:
        unknown.append(f"policy variable {variables[0]} not evaluated")
    condition = statement.get("Condition")
    if condition:
        verdict = _condition(condition, known)
        if verdict is False:
            return None
        if verdict is None:
            unknown.append(f"condition not evaluated: {condition_text(condition)}")
    ref = f"{policy.name}, statement {statement_label(statement, index)}"
    return _Match(ref, effect, action_covers and resource_covers, True, "; ".join(unknown), policy.boundary)


def _part(statement: Mapping[str, Any], key: str, wanted: str, *, lower: bool) -> tuple[bool, bool]:
    """(the statement's key covers all of ``wanted``, it covers some of it)."""
    def patterns(name: str) -> list[str]:
        value = statement.get(name)
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        return [_VARIABLE.sub("*", item.lower() if lower else item) for item in items]

    if key in statement:
        listed = patterns(key)
        return any(covers(p, wanted) for p in listed), any(overlaps(p, wanted) for p in listed)
    if f"Not{key}" in statement:
        excluded = patterns(f"Not{key}")
        return not any(overlaps(p, wanted) for p in excluded), not any(covers(p, wanted) for p in excluded)
    return False, False


def _principal_matches(statement: Mapping[str, Any], service: str) -> bool | None:
    if "NotPrincipal" in statement:
        return None
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for kind, value in principal.items():
        values = value if isinstance(value, list) else [value]
        if (kind == "AWS" and "*" in values) or (kind == "Service" and service in values):
            return True
    return False


def _condition(condition: Mapping[str, Any], known: Mapping[str, str]) -> bool | None:
    """True/False when every test is on a known key with a plain string operator; else None."""
    results: list[bool] = []
    for operator, tests in condition.items():
        like = _STRING_OPERATORS.get(str(operator).lower())
        if like is None or not isinstance(tests, dict):
            return None
        for key, expected in tests.items():
            value = known.get(str(key).lower())
            if value is None:
                return None
            options = expected if isinstance(expected, list) else [expected]
            results.append(any(covers(str(option), value) if like else str(option) == value for option in options))
    return all(results)


def condition_text(condition: Mapping[str, Any]) -> str:
    return ", ".join(f"{operator} {key}" for operator, tests in condition.items()
                     for key in (tests if isinstance(tests, dict) else {"?": None}))


def covers(pattern: str, wanted: str) -> bool:
    """Every string ``wanted`` stands for matches ``pattern`` (plain strings: an ordinary glob match)."""
    return _regex(pattern).fullmatch(wanted) is not None


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    # A pattern's "?" is one character, never a wildcard of the other side (which covers more).
    parts = [".*" if char == "*" else "[^*]" if char == "?" else re.escape(char) for char in pattern]
    return re.compile("".join(parts), re.DOTALL)


def overlaps(first: str, second: str) -> bool:
    """Some string matches both globs (``*``, ``?``): dynamic programming over both suffixes."""
    n, m = len(first), len(second)
    meet = [[False] * (m + 1) for _ in range(n + 1)]  # meet[i][j]: first[i:] and second[j:] share a string
    meet[n][m] = True
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            if i < n and first[i] == "*":
                meet[i][j] = meet[i + 1][j] or (j < m and meet[i][j + 1])
            elif j < m and second[j] == "*":
                meet[i][j] = meet[i][j + 1] or (i < n and meet[i + 1][j])
            elif i < n and j < m and (first[i] == second[j] or "?" in (first[i], second[j])):
                meet[i][j] = meet[i + 1][j + 1]
    return meet[0][0]


def simulation_verdict(result: Mapping[str, Any]) -> Verdict:
    """One ``EvaluationResults`` entry of ``iam:SimulatePrincipalPolicy`` as a verdict."""
    decision = str(result.get("EvalDecision", ""))
    matched = tuple(f"{item.get('SourcePolicyId', '?')} (line {item.get('StartPosition', {}).get('Line', '?')})"
                    for item in result.get("MatchedStatements", []))
    missing = tuple(result.get("MissingContextValues", []))
    notes = (f"condition not evaluated: missing context {', '.join(missing)}",) if missing else ()
    if decision == "allowed":
        return Verdict("allowed", f"allowed by {', '.join(matched) or 'a policy'} (iam:SimulatePrincipalPolicy)",
                       matched, notes)
    if decision == "explicitDeny":
        return Verdict("denied", f"explicit deny in {', '.join(matched) or 'a policy'} (iam:SimulatePrincipalPolicy)",
                       matched, notes)
    boundary = result.get("PermissionsBoundaryDecisionDetail", {}).get("AllowedByPermissionsBoundary")
    reason = "denied: no statement grants it (iam:SimulatePrincipalPolicy)"
    if boundary is False:
        reason = "denied by the permissions boundary (iam:SimulatePrincipalPolicy)"
    return Verdict("uncertain" if missing else "denied", reason, (), notes)
