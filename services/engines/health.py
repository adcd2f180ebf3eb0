"""HTTP health checks: GET a URL, time it, compare the JSON body with what the profile expects.

Headers go with the request; a value ``env:NAME`` is read from the environment at each
check (a renewed key is picked up) and never appears in a result: a variable that is not
set fails the check by its name, without a request.

``HealthProbe.check`` blocks (call it from a thread) and never raises for a failing
endpoint: a refused connection, a 503 or a body that does not match are all results,
counted as failures with the time the current run of failures began.
"""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.profile.health import HealthSpec, ListExpectation

MAX_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class HealthResult:
    """One check. ``matched`` is None when the profile expects nothing of the body."""

    name: str
    url: str
    ok: bool
    status: int | None
    latency_ms: float | None
    matched: bool | None
    detail: str
    checked_at: datetime
    failures: int = 0
    """Failed checks since the last success (0 when ``ok``)."""
    failing_since: datetime | None = None
    """When the current run of failures began."""


def body_matches(body: Any, expect: dict[str, Any]) -> tuple[bool, str]:
    """Every expected key has the expected value (nested tables compared recursively)."""
    if not isinstance(body, dict):
        return False, "body is not a JSON object"
    for key, wanted in expect.items():
        if key not in body:
            return False, f"{key} missing"
        got = body[key]
        if isinstance(wanted, dict):
            ok, why = body_matches(got, wanted)
            if not ok:
                return False, f"{key}.{why}"
        elif got != wanted:
            return False, f"{key}={json.dumps(got)[:40]} (expected {json.dumps(wanted)[:40]})"
    return True, "body matches"


def list_matches(body: Any, expect: ListExpectation) -> tuple[bool, str]:
    """How many items of a JSON list match ``where``, against ``min``..``max``."""
    if not isinstance(body, list):
        return False, "body is not a JSON list"
    count = sum(1 for item in body if not expect.where or body_matches(item, expect.where)[0])
    where = " and ".join(f"{key}={json.dumps(value)}" for key, value in expect.where.items())
    what = f"{count} of {len(body)}" + (f" where {where}" if where else "")
    if expect.max is not None and count > expect.max:
        return False, f"{what} (at most {expect.max})"
    if expect.min is not None and count < expect.min:
        return False, f"{what} (at least {expect.min})"
    return True, what


class MissingVariable(Exception):
    pass


def request_headers(spec: HealthSpec) -> dict[str, str]:
    """The profile's headers with ``env:`` values read now; raises ``MissingVariable`` naming an unset one."""
    headers = {"Accept": "application/json", "User-Agent": "incident-cockpit"}
    for name, value in spec.headers.items():
        if value.startswith("env:"):
            variable = value.removeprefix("env:")
            if not os.environ.get(variable):
                raise MissingVariable(f"header {name}: ${variable} is not set")
            value = os.environ[variable]
        headers[name] = value
    return headers


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_DEFAULT = urllib.request.build_opener()


def _opener(url: str) -> urllib.request.OpenerDirector:
    """Loopback URLs never go through a proxy from the environment; others follow it."""
    host = urllib.parse.urlsplit(url).hostname or ""
    return _DIRECT if host in ("localhost", "::1") or host.startswith("127.") else _DEFAULT


class HealthProbe:
    """Checks one ``[[health]]`` entry and remembers its run of failures."""

    def __init__(self, spec: HealthSpec, *, timeout: float = 5.0) -> None:
        self.spec = spec
        self.timeout = min(timeout, spec.interval)
        self.failures = 0
        self.failing_since: datetime | None = None

    def check(self) -> HealthResult:
        started = time.monotonic()
        now = datetime.now(UTC)
        status: int | None = None
        body_bytes = b""
        try:
            request = urllib.request.Request(self.spec.url, headers=request_headers(self.spec))
        except MissingVariable as missing:
            return self._result(False, None, None, None, str(missing), now)
        try:
            with _opener(self.spec.url).open(request, timeout=self.timeout) as response:
                status = response.status
                body_bytes = response.read(MAX_BODY)
            error = None
        except urllib.error.HTTPError as http_error:
            status = http_error.code
            body_bytes = http_error.read(MAX_BODY) if http_error.fp else b""
            error = f"HTTP {status}"
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as failure:
            reason = getattr(failure, "reason", failure)
            error = f"unreachable: {reason}"
        latency = (time.monotonic() - started) * 1000 if status is not None else None
        matched: bool | None = None
        detail = error or f"HTTP {status}"
        if status is not None and (self.spec.expect or self.spec.expect_list is not None):
            try:
                body = json.loads(body_bytes or b"null")
            except ValueError:
                matched, why = False, "body is not JSON"
            else:
                matched, why = (list_matches(body, self.spec.expect_list) if self.spec.expect_list is not None
                                else body_matches(body, self.spec.expect))
            detail = f"{detail} · {why}" if error else why
        ok = error is None and (matched is None or matched)
        return self._result(ok, status, latency, matched, detail, now)

    def _result(self, ok: bool, status: int | None, latency: float | None, matched: bool | None, detail: str,
                now: datetime) -> HealthResult:
        if ok:
            self.failures, self.failing_since = 0, None
        else:
            self.failures += 1
            self.failing_since = self.failing_since or now
        return HealthResult(self.spec.name, self.spec.url, ok, status, latency, matched, detail, now,
                            self.failures, self.failing_since)
