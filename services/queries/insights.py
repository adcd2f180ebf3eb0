"""Logs Insights behind the common engine interface: an adapter over ``services/aws/insights.py``.

The query runs over the spec's ``groups`` for its ``since`` range (``1h``, ``14:00..15:30``);
statuses map onto the common ones, ``recordsScanned``/``recordsMatched``/``bytesScanned``
onto the stats, and an endpoint that did not run the query (moto) shows as the warning.
"""
from __future__ import annotations

import time
from collections.abc import Mapping

from services.aws.insights import InsightsClient, parse_range
from services.aws.session import AwsSession
from services.errors import BadInput
from services.profile.queries import QuerySpec
from services.queries.base import QueryHandle, QueryProgress, QueryStats, Status
from services.queries.params import BadParameter, fill, resolve

_STATES: dict[str, Status] = {"Scheduled": "running", "Running": "running", "Complete": "complete",
                              "Failed": "failed", "Timeout": "failed", "Unknown": "failed", "Cancelled": "cancelled"}


class InsightsEngine:
    name = "insights"

    def __init__(self, session: AwsSession) -> None:
        self.client = InsightsClient(session)
        self._finished: dict[str, float] = {}

    def start(self, spec: QuerySpec, params: Mapping[str, str]) -> QueryHandle:
        text = fill(spec.query, resolve(spec, params), "insights")
        try:
            begin, end = parse_range(spec.since)
        except ValueError as error:
            raise BadParameter(f"since {spec.since!r}: {error}") from None
        query_id = self.client.start(spec.groups, text, begin, end, limit=min(spec.row_limit, 10_000))
        return QueryHandle(self.name, query_id, text)

    def poll(self, handle: QueryHandle) -> QueryProgress:
        answer = self.client.results(handle.query_id, handle.text)
        status = _STATES.get(answer.status, "running")
        if status == "running":
            elapsed = time.monotonic() - handle.started
        else:
            elapsed = self._finished.setdefault(handle.query_id, time.monotonic()) - handle.started
        raw = answer.stats
        stats = QueryStats(bytes_scanned=raw.bytes_scanned, scanned=raw.records_scanned,
                           matched=raw.records_matched) if raw else QueryStats()
        error = BadInput(f"Logs Insights: the query ended {answer.status}", operation="logs.query") \
            if status == "failed" else None
        return QueryProgress(handle.query_id, status, list(answer.fields), list(answer.rows), elapsed, stats,
                             error=error, warning=answer.warning)

    def stop(self, handle: QueryHandle) -> bool:
        return self.client.stop(handle.query_id)
