"""CloudWatch Logs Insights: start a query, poll its results, stop it, open a record, export.

``StartQuery`` answers at once with an id; ``GetQueryResults`` is polled until the status
is final (AWS stops a query after 60 minutes). ``StopQuery`` and ``GetLogRecord`` are not
implemented by every endpoint: they raise ``Unsupported`` and the caller says so.
An obviously broken query (unbalanced quotes or brackets, an unknown command) is
refused before any call, with the place it breaks, because some endpoints accept
anything and the real one answers only "MalformedQueryException".
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from services.aws.session import AwsSession
from services.errors import BadInput

FINAL = frozenset({"Complete", "Failed", "Cancelled", "Timeout", "Unknown"})
QUERY_TIMEOUT = 60 * 60.0  # AWS ends a query after 60 minutes
COMMANDS = frozenset({"fields", "filter", "stats", "sort", "limit", "parse", "display", "dedup", "unmask",
                      "pattern", "diff", "anomaly", "filterIndex", "source", "unnest", "lookup", "SOURCE"})


@dataclass(frozen=True, slots=True)
class QueryStats:
    """What the endpoint reports while a query runs (AWS does; moto does not)."""

    records_matched: float = 0
    records_scanned: float = 0
    bytes_scanned: float = 0


@dataclass(frozen=True, slots=True)
class QueryProgress:
    """One ``GetQueryResults`` answer: status, columns in order, rows as field -> value."""

    query_id: str
    status: str
    fields: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    stats: QueryStats | None = None

    @property
    def done(self) -> bool:
        return self.status in FINAL


def check_syntax(query: str) -> str | None:
    """A reason the query cannot be right (with its line), or None. Not a full parser."""
    if not query.strip():
        return "the query is empty"
    stack: list[tuple[str, int]] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    quote: tuple[str, int] | None = None
    line = 1
    segment_starts = [0]
    for index, char in enumerate(query):
        if char == "\n":
            line += 1
        if quote is not None:
            if char == quote[0] and query[index - 1] != "\\":
                quote = None
            continue
        if char in "\"'`":
            quote = (char, line)
        elif char == "/" and _regex_may_start(query, index):
            quote = ("/", line)
        elif char in "([{":
            stack.append((char, line))
        elif char in ")]}":
            if not stack or stack[-1][0] != pairs[char]:
                return f"line {line}: unexpected {char!r}"
            stack.pop()
        elif char == "|" and not stack:
            segment_starts.append(index + 1)
    if quote is not None:
        return f"line {quote[1]}: {quote[0]} is never closed"
    if stack:
        return f"line {stack[-1][1]}: {stack[-1][0]!r} is never closed"
    for start in segment_starts:
        segment = query[start:].split("|", 1)[0]
        words = re.sub(r"#.*", "", segment).split()
        if not words:
            return "an empty command between pipes"
        if words[0] not in COMMANDS:
            return f"unknown command {words[0]!r} (known: fields, filter, stats, sort, limit, parse, display, dedup…)"
    return None


def _regex_may_start(query: str, index: int) -> bool:
    """A ``/`` opens a regex after ``like``, ``=~``, ``parse``, ``(`` or ``,``; otherwise it divides."""
    before = query[:index].rstrip()
    return bool(re.search(r"(\blike|=~|\bparse\s+@?\w+|[(,])$", before))


class InsightsClient:
    """Logs Insights over one session; every method is a blocking call (run it in a worker)."""

    def __init__(self, session: AwsSession) -> None:
        self.session = session

    def start(self, groups: Iterable[str], query: str, start: datetime, end: datetime, limit: int | None = None) -> str:
        groups = [group for group in groups if group]
        if not groups:
            raise BadInput("choose at least one log group", operation="logs.start_query")
        if end <= start:
            raise BadInput("the time range ends before it starts", operation="logs.start_query")
        problem = check_syntax(query)
        if problem:
            raise BadInput(f"MalformedQuery: {problem}", operation="logs.start_query")
        params: dict = {"logGroupNames": groups, "startTime": int(start.timestamp()),
                        "endTime": int(end.timestamp()), "queryString": query}
        if limit:
            params["limit"] = limit
        return str(self.session.call("logs", "start_query", **params)["queryId"])

    def results(self, query_id: str) -> QueryProgress:
        answer = self.session.call("logs", "get_query_results", queryId=query_id)
        fields: list[str] = []
        rows: list[dict[str, str]] = []
        for raw_row in answer.get("results", []):
            row: dict[str, str] = {}
            for cell in raw_row:
                name = str(cell.get("field", ""))
                row[name] = str(cell.get("value", ""))
                if name not in fields and name != "@ptr":
                    fields.append(name)
            rows.append(row)
        raw_stats = answer.get("statistics")
        stats = None
        if raw_stats:
            stats = QueryStats(records_matched=float(raw_stats.get("recordsMatched", 0)),
                               records_scanned=float(raw_stats.get("recordsScanned", 0)),
                               bytes_scanned=float(raw_stats.get("bytesScanned", 0)))
        return QueryProgress(query_id, str(answer.get("status", "Unknown")), fields, rows, stats)

    def stop(self, query_id: str) -> bool:
        """True if the endpoint stopped it; raises Unsupported where StopQuery does not exist."""
        return bool(self.session.call("logs", "stop_query", queryId=query_id).get("success", False))

    def record(self, pointer: str) -> dict[str, str]:
        """The whole record behind ``@ptr`` (``GetLogRecord``)."""
        answer = self.session.call("logs", "get_log_record", logRecordPointer=pointer)
        return {str(key): str(value) for key, value in (answer.get("logRecord") or {}).items()}


def to_csv(fields: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([row.get(name, "") for name in fields])
    return buffer.getvalue()


def to_json(fields: list[str], rows: list[dict[str, str]]) -> str:
    return json.dumps([{name: row.get(name, "") for name in fields} for row in rows], indent=2, ensure_ascii=False) + "\n"
