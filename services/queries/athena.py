"""Athena: StartQueryExecution, GetQueryExecution, GetQueryResults (paginated), StopQueryExecution.

Athena returns the column names as the first row of the first results page: that row
is the header, not data, and later pages have no header. Data scanned is read from the
execution's statistics and priced at $5 per TB, as Athena bills it (rounded up to the
megabyte, at least 10 MB per query that scanned anything; failed queries are free).
Calls go through :class:`~services.aws.session.AwsSession`, so botocore's errors arrive
as the typed errors of ``services.errors``.
"""
from __future__ import annotations

import math
import time
from collections.abc import Mapping

from services.aws.session import AwsSession
from services.errors import BadInput
from services.profile.queries import QuerySpec
from services.queries.base import QueryHandle, QueryProgress, QueryStats, Row, Status
from services.queries.params import fill, resolve

PRICE_PER_TB = 5.0
_TB = 1024**4
_MB = 1024**2
_MINIMUM_BILLED = 10 * _MB
_STATES: dict[str, Status] = {"QUEUED": "running", "RUNNING": "running", "SUCCEEDED": "complete",
                              "FAILED": "failed", "CANCELLED": "cancelled"}


def scan_cost(bytes_scanned: float, status: str = "complete") -> float:
    """US dollars for a query that scanned ``bytes_scanned``: per MB rounded up, 10 MB minimum, $5 per TB."""
    if bytes_scanned <= 0 or status == "failed":
        return 0.0
    billed = max(math.ceil(bytes_scanned / _MB) * _MB, _MINIMUM_BILLED)
    return billed / _TB * PRICE_PER_TB


class AthenaEngine:
    name = "athena"

    def __init__(self, session: AwsSession) -> None:
        self.session = session
        self._finished: dict[str, float] = {}
        self._limits: dict[str, int] = {}
        self._results_of: dict[str, tuple[list[str], list[Row], bool]] = {}
        """Final results, read once: a later poll (the screen's) does not page through them again."""

    def start(self, spec: QuerySpec, params: Mapping[str, str]) -> QueryHandle:
        text = fill(spec.query, resolve(spec, params), "sql")
        request: dict = {"QueryString": text}
        if spec.database:
            request["QueryExecutionContext"] = {"Database": spec.database}
        if spec.workgroup:
            request["WorkGroup"] = spec.workgroup
        if spec.output:
            request["ResultConfiguration"] = {"OutputLocation": spec.output}
        answer = self.session.call("athena", "start_query_execution", **request)
        query_id = str(answer["QueryExecutionId"])
        self._limits[query_id] = spec.row_limit
        return QueryHandle(self.name, query_id, text)

    def poll(self, handle: QueryHandle) -> QueryProgress:
        execution = self.session.call("athena", "get_query_execution",
                                      QueryExecutionId=handle.query_id)["QueryExecution"]
        state = str(execution.get("Status", {}).get("State", "QUEUED"))
        status = _STATES.get(state, "running")
        statistics = execution.get("Statistics") or {}
        scanned = float(statistics.get("DataScannedInBytes") or 0)
        stats = QueryStats(bytes_scanned=scanned, cost_usd=scan_cost(scanned, status))
        if status == "running":
            return QueryProgress(handle.query_id, status, elapsed=time.monotonic() - handle.started, stats=stats)
        elapsed = self._finished.setdefault(handle.query_id, time.monotonic()) - handle.started
        if status != "complete":
            reason = str(execution.get("Status", {}).get("StateChangeReason") or state.lower())
            error = BadInput(f"Athena: {reason}", operation="athena.query") if status == "failed" else None
            return QueryProgress(handle.query_id, status, elapsed=elapsed, stats=stats, error=error)
        if handle.query_id not in self._results_of:
            self._results_of[handle.query_id] = self._results(handle.query_id, self._limits.get(handle.query_id, 10_000))
        columns, rows, truncated = self._results_of[handle.query_id]
        return QueryProgress(handle.query_id, status, columns, rows, elapsed, stats, truncated=truncated)

    def _results(self, query_id: str, limit: int) -> tuple[list[str], list[Row], bool]:
        columns: list[str] = []
        rows: list[Row] = []
        token: str | None = None
        first = True
        while True:
            request: dict = {"QueryExecutionId": query_id, "MaxResults": 1000}
            if token:
                request["NextToken"] = token
            page = self.session.call("athena", "get_query_results", **request)
            result = page.get("ResultSet") or {}
            if first:
                columns = [str(info.get("Label") or info.get("Name") or f"_col{index}")
                           for index, info in enumerate((result.get("ResultSetMetadata") or {}).get("ColumnInfo") or [])]
            raw = result.get("Rows") or []
            if first and raw and columns and _values(raw[0]) == columns:
                raw = raw[1:]  # the header row: the column names, first row of the first page only
            elif first and raw and not columns:
                columns = [str(name) for name in _values(raw[0])]  # no metadata: the header row names them
                raw = raw[1:]
            first = False
            for item in raw:
                values = _values(item)
                rows.append({name: values[index] if index < len(values) else None for index, name in enumerate(columns)})
                if len(rows) >= limit:
                    return columns, rows, bool(page.get("NextToken")) or item is not raw[-1]
            token = page.get("NextToken")
            if not token:
                return columns, rows, False

    def stop(self, handle: QueryHandle) -> bool:
        try:
            self.session.call("athena", "stop_query_execution", QueryExecutionId=handle.query_id)
        except BadInput:
            return False  # already final: Athena refuses to stop it
        return True


def _values(row: dict) -> list[str | None]:
    """One row's cells; a cell without ``VarCharValue`` is SQL NULL."""
    return [cell.get("VarCharValue") if isinstance(cell, dict) else None for cell in row.get("Data") or []]

