"""AWS calls for the readers: an operation the endpoint lacks is ``Unsupported``, "no such thing" is recognisable.

Emulators answer an operation they do not implement with a web server's error page
(moto: a 500 page for query-protocol APIs, a 404 page for REST ones) rather than an AWS
error; the session reads the first as a malformed response and the second as bad input.
Here both become :class:`Unsupported`, remembered per session so the next refresh does
not ask again, and the reader shows "not supported by this endpoint" for that field.
"""
from __future__ import annotations

import json
import urllib.parse
import weakref
from collections.abc import Iterator
from typing import Any

from services.aws.session import AwsSession
from services.errors import BadInput, BadResponse, SourceError, Unsupported

_UNSUPPORTED: weakref.WeakKeyDictionary[AwsSession, set[str]] = weakref.WeakKeyDictionary()


def call(session: AwsSession, service: str, operation: str, **params: Any) -> dict[str, Any]:
    key = f"{service}.{operation}"
    if key in _UNSUPPORTED.get(session, set()):
        raise Unsupported(f"{operation} is not implemented by this endpoint", operation=key)
    try:
        return session.call(service, operation, **params)
    except (BadResponse, BadInput) as error:
        if _unimplemented(error):
            _UNSUPPORTED.setdefault(session, set()).add(key)
            raise Unsupported(f"{operation} is not implemented by this endpoint", operation=key) from error
        raise


def pages(session: AwsSession, service: str, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
    try:
        yield from session.paginate(service, operation, **params)
    except (BadResponse, BadInput) as error:
        if _unimplemented(error):
            raise Unsupported(f"{operation} is not implemented by this endpoint",
                              operation=f"{service}.{operation}") from error
        raise


def error_code(error: SourceError) -> str:
    """The AWS error code behind a translated error ("" when it was not an AWS error)."""
    response = getattr(error.__cause__, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def is_missing(error: SourceError, *codes: str) -> bool:
    """True when ``error`` says the thing asked for does not exist (one of ``codes``)."""
    return isinstance(error, BadInput) and error_code(error) in codes


def _unimplemented(error: SourceError) -> bool:
    cause = error.__cause__
    text = str(cause or error)
    if "has not been implemented" in text:
        return True
    page = "<!doctype html" in text.lower() or "<html" in text.lower()
    return page and any(status in text for status in ("404 Not Found", "500 Internal Server Error", "501"))


def document(value: Any) -> dict[str, Any]:
    """A policy document as a dict, whether it came parsed, as JSON, or URL-encoded JSON (IAM)."""
    if isinstance(value, dict):
        return value
    if not value:
        return {}
    text = str(value)
    if text.startswith(("%7B", "%7b")):
        text = urllib.parse.unquote(text)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadResponse(f"a policy document that is not JSON: {error}") from None
    return parsed if isinstance(parsed, dict) else {}
