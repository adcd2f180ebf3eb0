"""CloudWatch Logs Insights: start a query, poll its results, stop it, open a record, export.

``StartQuery`` answers at once with an id; ``GetQueryResults`` is polled until the status
is final (AWS stops a query after 60 minutes). ``StopQuery`` and ``GetLogRecord`` are not
implemented by every endpoint: they raise ``Unsupported`` and the caller says so.
An obviously broken query (unbalanced quotes or brackets, an unknown command) is
refused before any call, with the place it breaks, because some endpoints accept
anything and the real one answers only "MalformedQueryException".
Some endpoints (moto) answer "Complete" with raw events whatever the query says: the
result is checked against the fields the query outputs and its simple filters, and a
``warning`` says the endpoint did not run the query instead of implying success.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.aws.session import AwsSession
from services.errors import BadInput
from services.profile.model import duration_seconds

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
    warning: str | None = None
    """Set when the rows show the endpoint did not run the query (see ``unrun_query``)."""

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


def parse_range(text: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """``1h`` (the last hour), ``14:00..15:30`` (today, local) or ISO ``A..B``; raises ValueError."""
    now = now or datetime.now().astimezone()
    text = text.strip() or "1h"
    if ".." not in text:
        return now - timedelta(seconds=duration_seconds(text)), now
    left, right = (part.strip() for part in text.split("..", 1))

    def moment(part: str) -> datetime:
        if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", part):
            hour, minute, *second = (int(piece) for piece in part.split(":"))
            return now.replace(hour=hour, minute=minute, second=second[0] if second else 0, microsecond=0)
        value = datetime.fromisoformat(part)
        return value if value.tzinfo else value.astimezone()

    return moment(left), (moment(right) if right else now)


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

    def results(self, query_id: str, query: str | None = None) -> QueryProgress:
        """The query's latest state; with its text, a final result is checked against what the query asks for."""
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
        status = str(answer.get("status", "Unknown"))
        warning = unrun_query(query, fields, rows) if query and status == "Complete" else None
        return QueryProgress(query_id, status, fields, rows, stats, warning)

    def stop(self, query_id: str) -> bool:
        """True if the endpoint stopped it; raises Unsupported where StopQuery does not exist."""
        return bool(self.session.call("logs", "stop_query", queryId=query_id).get("success", False))

    def record(self, pointer: str) -> dict[str, str]:
        """The whole record behind ``@ptr`` (``GetLogRecord``)."""
        answer = self.session.call("logs", "get_log_record", logRecordPointer=pointer)
        return {str(key): str(value) for key, value in (answer.get("logRecord") or {}).items()}


NOT_RUN = "it does not run Logs Insights queries"
_ALIAS = re.compile(r"^(?P<expr>.+?)\s+as\s+(?P<alias>[@\w.]+)$", re.IGNORECASE | re.DOTALL)
_SIMPLE_FILTER = re.compile(
    r"^(?P<name>@?[\w.]+)\s*(?P<op>=~|!=|=|\blike\b|\bnot\s+like\b)\s*"
    r"(?:/(?P<regex>(?:[^/\\]|\\.)*)/|\"(?P<dq>(?:[^\"\\]|\\.)*)\"|'(?P<sq>(?:[^'\\]|\\.)*)'"
    r"|(?P<number>-?\d+(?:\.\d+)?))$",
    re.IGNORECASE)


def output_fields(query: str) -> tuple[list[str], bool]:
    """The fields the query's rows carry, in order, and whether they are ``stats`` aggregates.

    ``fields`` adds (``expr as name`` adds ``name``), ``parse … as a, b`` adds ``a, b``,
    ``display`` replaces, ``stats aggs by groups`` replaces with its aggregates, then groups.
    """
    names: list[str] = []
    aggregated = False
    for command in _split(query, "|"):
        word, rest = _command(command)
        if word == "fields":
            names += [name for name in _named(rest) if name not in names]
        elif word == "display":
            names = _named(rest)
        elif word == "parse":
            # the last "as": not one inside the pattern
            match = re.search(r".*\bas\s+(.+)$", rest, re.IGNORECASE | re.DOTALL)
            names += [name.strip() for name in match.group(1).split(",")] if match else []
        elif word == "stats":
            parts = re.split(r"\s+by\s+", rest, maxsplit=1, flags=re.IGNORECASE)
            names = _named(parts[0]) + (_named(parts[1]) if len(parts) > 1 else [])
            aggregated = True
    return names, aggregated


def unrun_query(query: str, fields: list[str], rows: list[dict[str, str]]) -> str | None:
    """Why these rows cannot be the query's result (raw events from an endpoint that ignored it), or None.

    Only what a real Logs Insights could never answer counts: a ``stats`` result without any of its
    aggregates, or rows that fail a one-clause ``filter`` (``NAME like /re/``, ``NAME = "v"``...).
    A ``fields`` name missing from every row proves nothing: AWS omits fields no event has.
    """
    if not rows:
        return None
    expected, aggregated = output_fields(query)
    if aggregated and expected and not set(expected) & set(fields):
        tail = "results below are unfiltered events" if fields else "its rows carry only event pointers (@ptr)"
        named = ", ".join(expected[:4]) + (f" and {len(expected) - 4} more" if len(expected) > 4 else "")
        return f"the endpoint returned raw events, not the query's fields: {named} — {NOT_RUN}; {tail}"
    for command in _split(query, "|"):
        word, expression = _command(command)
        if word == "stats":
            break  # later filters see aggregates, not the events
        if word != "filter":
            continue
        check = _row_check(expression)
        if check is None:
            continue
        name, passes = check
        judged = [row for row in rows if name in row]
        failing = sum(1 for row in judged if not passes(row[name]))
        if failing:
            return (f"the endpoint returned events that `filter {expression}` excludes "
                    f"({failing} of {len(judged)} rows) — {NOT_RUN}; results below are unfiltered events")
    return None


def _row_check(expression: str) -> tuple[str, Callable[[str], bool]] | None:
    """``(field, predicate)`` for a one-clause filter on a value, or None for anything this does not judge."""
    match = _SIMPLE_FILTER.match(expression)
    if match is None:
        return None
    name, op = match.group("name"), re.sub(r"\s+", " ", match.group("op").lower())
    if match.group("regex") is not None:
        if op not in ("like", "=~", "not like"):
            return None
        try:
            pattern = re.compile(match.group("regex"))
        except re.error:
            return None  # a dialect Python does not read: no verdict

        def found(value: str) -> bool:
            return pattern.search(value) is not None
    else:
        text = next(value for value in match.group("dq", "sq", "number") if value is not None)
        substring = op in ("like", "not like")  # like "text" matches a part, = "text" the whole value
        number = match.group("number") is not None

        def found(value: str) -> bool:
            if number:
                return _as_number(value) == float(text)
            return text in value if substring else value == text
    negate = op in ("!=", "not like")
    return name, (lambda value: not found(value)) if negate else found


def _as_number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _command(segment: str) -> tuple[str, str]:
    """``"filter @message like /x/"`` → ``("filter", "@message like /x/")``."""
    word, *rest = re.split(r"\s+", segment.strip(), maxsplit=1)
    return word, rest[0].strip() if rest else ""


def _named(items: str) -> list[str]:
    """``a, f(b, c) as x`` → ``["a", "x"]``: each item's alias, or its text."""
    names = []
    for item in _split(items, ","):
        item = " ".join(item.split())
        match = _ALIAS.match(item)
        if item:
            names.append(match.group("alias") if match else item)
    return names


def _split(text: str, separator: str) -> list[str]:
    """``text`` cut at ``separator`` outside quotes, regexes and brackets; ``#`` comments dropped."""
    parts, current, depth, quote = [], [], 0, None
    index = 0
    while index < len(text):
        char = text[index]
        if quote is not None:
            current.append(char)
            if char == quote and text[index - 1] != "\\":
                quote = None
        elif char == "#":
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
            continue
        elif char in "\"'`" or (char == "/" and _regex_may_start(text, index)):
            quote = char
            current.append(char)
        elif char in "([{":
            depth += 1
            current.append(char)
        elif char in ")]}":
            depth -= 1
            current.append(char)
        elif char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def to_csv(fields: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([row.get(name, "") for name in fields])
    return buffer.getvalue()


def to_json(fields: list[str], rows: list[dict[str, str]]) -> str:
    return json.dumps([{name: row.get(name, "") for name in fields} for row in rows], indent=2, ensure_ascii=False) + "\n"
