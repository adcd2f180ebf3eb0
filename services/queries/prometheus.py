"""Prometheus: ``/api/v1/query`` (instant) and ``/api/v1/query_range`` over HTTP, results as rows.

An instant vector is one row per series (its labels, then ``value``); a range matrix is
one row per point (labels, ``time``, ``value``); a scalar or string is one row. Values are
numbers (``NaN`` and infinities stay text: JSON has no such numbers); times are ISO 8601,
UTC. The request runs in a background thread; Prometheus has no way to cancel a query,
so ``stop`` drops the answer instead of waiting for it.
"""
from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from services.errors import BadInput, BadResponse, ServerError, SourceError, Unreachable
from services.profile.model import duration_seconds
from services.profile.queries import QuerySpec
from services.queries.base import BackgroundEngine, BackgroundRun, QueryHandle, QueryStats, Row
from services.queries.params import fill, resolve

DEFAULT_TIMEOUT = 30.0
RANGE_POINTS = 120  # a range query without step: about this many points per series


def default_step(range_seconds: float) -> float:
    """A step giving about ``RANGE_POINTS`` points, in whole seconds (Prometheus allows at most 11 000)."""
    return float(max(1, math.ceil(range_seconds / RANGE_POINTS)))


class PrometheusClient:
    """The HTTP API of one server; errors become the typed errors of ``services.errors``."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def get(self, path: str, params: Mapping[str, str], *, timeout: float | None = None) -> dict[str, Any]:
        """The ``data`` of a successful answer; ``warnings`` are returned under ``"warnings"``."""
        address = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        operation = f"prometheus {path}"
        try:
            with urllib.request.urlopen(address, timeout=timeout or self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            body = error.read()
            answer = _json(body)
            message = str(answer.get("error") or error.reason) if answer else str(error.reason)
            kind = str(answer.get("errorType", "")) if answer else ""
            if error.code in (400, 422):
                raise BadInput(f"{kind + ': ' if kind else ''}{message}", operation=operation) from None
            if error.code >= 500:
                raise ServerError(message, status=error.code, code=kind, operation=operation) from None
            raise SourceError(f"HTTP {error.code}: {message}", operation=operation) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise Unreachable(f"{self.url}: {reason}", operation=operation) from None
        answer = _json(body)
        if answer is None or answer.get("status") != "success" or not isinstance(answer.get("data"), dict):
            raise BadResponse(f"{self.url}{path} did not answer the Prometheus API", operation=operation)
        return {**answer["data"], "warnings": answer.get("warnings") or []}


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return answer if isinstance(answer, dict) else None


class PrometheusEngine(BackgroundEngine):
    name = "prometheus"

    def __init__(self, url: str | None) -> None:
        super().__init__()
        self.url = url

    def start(self, spec: QuerySpec, params: Mapping[str, str]) -> QueryHandle:
        text = fill(spec.query, resolve(spec, params), "promql")
        if not self.url:
            raise BadInput(f"query {spec.id!r} is a prometheus query and the profile has no [prometheus] url")
        timeout = duration_seconds(spec.timeout) if spec.timeout else DEFAULT_TIMEOUT
        client = PrometheusClient(self.url, timeout=timeout + 5)  # the server's own timeout answers first
        request = {"query": text, "timeout": f"{timeout:g}s"}
        path = "/api/v1/query"
        if spec.range:
            span = duration_seconds(spec.range)
            now = time.time()
            step = duration_seconds(spec.step) if spec.step else default_step(span)
            request |= {"start": f"{now - span:.3f}", "end": f"{now:.3f}", "step": f"{step:g}"}
            path = "/api/v1/query_range"
        limit = spec.row_limit

        def work(run: BackgroundRun) -> tuple[list[str], list[Row], QueryStats, bool, str | None]:
            data = client.get(path, request)
            columns, rows = result_rows(data)
            warning = "; ".join(str(item) for item in data["warnings"]) or None
            return columns, rows[:limit], QueryStats(matched=len(rows)), len(rows) > limit, warning

        return self._launch(BackgroundRun(work, name="prometheus-query"), text)


def result_rows(data: dict[str, Any]) -> tuple[list[str], list[Row]]:
    """Columns and rows of a ``data`` object: vector, matrix, scalar or string."""
    kind = data.get("resultType")
    result = data.get("result")
    if kind in ("scalar", "string") and isinstance(result, list) and len(result) == 2:
        return ["time", "value"], [{"time": _time(result[0]), "value": _value(result[1])}]
    if kind not in ("vector", "matrix") or not isinstance(result, list):
        raise BadResponse(f"unknown result type {kind!r}", operation="prometheus")
    labels = sorted({name for series in result for name in series.get("metric", {})},
                    key=lambda name: (name != "__name__", name))
    rows: list[Row] = []
    for series in result:
        metric = series.get("metric", {})
        base = {name: metric.get(name) for name in labels}
        if kind == "vector":
            _stamp, value = series.get("value", [None, None])
            rows.append({**base, "value": _value(value)})
        else:
            rows += [{**base, "time": _time(stamp), "value": _value(value)} for stamp, value in series.get("values", [])]
    return labels + (["value"] if kind == "vector" else ["time", "value"]), rows


def _value(text: Any) -> Any:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return text
    if not math.isfinite(number):
        return str(text)
    return int(number) if number.is_integer() and "." not in str(text) and "e" not in str(text).lower() else number


def _time(stamp: Any) -> str | None:
    try:
        return datetime.fromtimestamp(float(stamp), UTC).isoformat().replace("+00:00", "Z")
    except (TypeError, ValueError, OverflowError):
        return None
