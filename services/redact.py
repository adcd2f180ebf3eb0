"""Keep secrets out of what the cockpit writes down: the timeline, logs, reports.

A value is secret when its *name* looks secret (``DB_PASSWORD``, ``api_key``,
``env.SENTRY_DSN``...), at any depth of a dict. Its value is replaced by ``***``, and
the same value is then masked wherever it appears in free text (a command, an error),
because ``aws lambda update-function-configuration --environment ...`` carries it too.
"""
from __future__ import annotations

import json
import re
from typing import Any

MASK = "***"
_SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|DSN|CREDENTIAL", re.IGNORECASE)
# An AWS access key *ID* names a key (CloudTrail itself logs it); the audit trail needs it
# to say which key was deactivated. The secret access key still matches "SECRET"/"KEY".
_IDENTIFIER = re.compile(r"(^|[_.\s-])access_?key_?id$", re.IGNORECASE)
_MIN_MASKED_LENGTH = 4  # masking "1" or "on" everywhere in a command would garble it, not protect it


def looks_secret(name: str) -> bool:
    """True when a field, parameter or variable named ``name`` holds a secret."""
    return bool(_SECRET_NAME.search(name)) and not _IDENTIFIER.search(name)


def redact(value: Any, secrets: set[str] | None = None) -> Any:
    """A copy of ``value`` with every secret-named entry replaced by ``***``.

    When ``secrets`` is given, the replaced string values are added to it, so that
    ``mask_text`` can remove them from free text recorded alongside.
    """
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if looks_secret(str(key)) and item is not None:
                if secrets is not None:
                    _collect(item, secrets)
                result[key] = MASK
            else:
                result[key] = redact(item, secrets)
        return result
    if isinstance(value, (list, tuple)):
        return [redact(item, secrets) for item in value]
    return value


def _collect(value: Any, secrets: set[str]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _collect(item, secrets)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, secrets)
    elif value is not None and not isinstance(value, bool):
        text = str(value)
        if len(text) >= _MIN_MASKED_LENGTH:
            secrets.add(text)


def mask_text(text: str, secrets: set[str]) -> str:
    """``text`` with every occurrence of each secret value replaced by ``***`` (longest first).

    The JSON-escaped form is masked too: a command's ``--environment '{...}'`` carries it so.
    """
    forms = {form for secret in secrets for form in (secret, json.dumps(secret)[1:-1])}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text
