"""The demo's Athena tables: runbook 001's SQL answered from the scenario's own CloudTrail events.

moto runs no SQL: a query's rows come from a queue (``/moto-api/static/athena/query-results``),
whatever the query. The emulator runs moto in its own process, so it can answer instead
(``install``): each new execution whose queue is empty gets the rows this module computes
from the scenario's tables (``cloudtrail``, ``athena_query_history``, ``SHOW PARTITIONS``).
The cockpit still talks to Athena's real API; only the emulator knows the answer is local.

The SQL understood is the runbooks' shape, no more: a select list of columns (``a.b``,
``x AS y``), ``FROM table``, ``WHERE`` of ``col = 'literal'`` and ``col IN ('a', 'b')``
joined by AND (anything else, such as a partition filter on ``current_date``, matches
every row), ``ORDER BY col [DESC]`` and ``LIMIT n``. A computed item (``bytes / 1024 AS gb``) is read
from the row's column of the alias's name, which the table carries precomputed.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

Row = dict[str, Any]
Tables = Callable[[str], Sequence[Row] | None]  # table name -> rows (None: no such table)

_SELECT = re.compile(r"^\s*SELECT\s+(?P<columns>.+?)\s+FROM\s+(?P<table>[\w.\"]+)(?P<rest>.*)$", re.I | re.S)
_EQUALS = re.compile(r"([\w.]+)\s*=\s*'((?:[^']|'')*)'")
_IN = re.compile(r"([\w.]+)\s+IN\s*\(([^)]*)\)", re.I)
_ORDER = re.compile(r"ORDER\s+BY\s+([\w.]+)(\s+DESC)?", re.I)
_LIMIT = re.compile(r"LIMIT\s+(\d+)", re.I)
_PARTITIONS = re.compile(r"^\s*SHOW\s+PARTITIONS\s+([\w.]+)\s*;?\s*$", re.I)


def answer(query: str, tables: Tables, partitions: Callable[[str], Sequence[str]]) -> tuple[list[str], list[list[str]]] | None:
    """Column names and rows (as text, as Athena returns them) of ``query``; None when not understood."""
    shown = _PARTITIONS.match(query)
    if shown:
        return ["partition"], [[name] for name in partitions(shown.group(1).split(".")[-1])]
    select = _SELECT.match(query)
    if not select:
        return None
    rows = tables(select.group("table").strip('"').split(".")[-1])
    if rows is None:
        return None
    rest = select.group("rest")
    where = re.split(r"\bORDER\s+BY\b|\bLIMIT\b", rest, flags=re.I)[0]
    conditions: list[tuple[str, set[str]]] = [(column, {value.replace("''", "'")}) for column, value in _EQUALS.findall(where)]
    conditions += [(column, {item.strip().strip("'") for item in values.split(",")}) for column, values in _IN.findall(where)]
    chosen = [row for row in rows if all(str(_field(row, column)) in allowed for column, allowed in conditions
                                         if _field(row, column) is not None)]
    order = _ORDER.search(rest)
    if order:
        chosen.sort(key=lambda row: _sort_key(_field(row, order.group(1))), reverse=bool(order.group(2)))
    limit = _LIMIT.search(rest)
    if limit:
        chosen = chosen[:int(limit.group(1))]
    columns = _columns(select.group("columns"), rows)
    return [name for name, _ in columns], [[_text(_field(row, source)) for _, source in columns] for row in chosen]


def _columns(text: str, rows: Sequence[Row]) -> list[tuple[str, str]]:
    """(shown name, source column) of each select item; ``*`` is every column of the table."""
    columns: list[tuple[str, str]] = []
    for item in _split(text):
        if item == "*":
            columns += [(name, name) for name in (rows[0] if rows else {})]
            continue
        named = re.split(r"\s+AS\s+", item, maxsplit=1, flags=re.I)
        alias = named[1].strip() if len(named) == 2 else None
        source = named[0].strip()
        known = rows[0] if rows else {}
        columns.append((alias or source.split(".")[-1], alias if alias and alias in known else source))
    return columns


def _split(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    return [*items, current.strip()] if current.strip() else items


def _sort_key(value: Any) -> tuple[int, float, str]:
    return (0, float(value), "") if isinstance(value, (int, float)) else (1, 0.0, str(value or ""))


def _field(row: Row, column: str) -> Any:
    if column in row:
        return row[column]
    value: Any = row
    for part in column.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_text(item)}" for key, item in value.items()) + "}"
    return "" if value is None else str(value)


def install(tables: Tables, partitions: Callable[[str], Sequence[str]]) -> None:
    """Answer every new Athena execution of this process's moto from ``tables`` (queued results still win)."""
    from moto.athena import models

    original = models.AthenaBackend._store_predefined_query_results

    def store(self: Any, exec_id: str) -> None:
        if exec_id in self.query_results or self.query_results_queue:
            original(self, exec_id)
            return
        result = answer(self.executions[exec_id].query, tables, partitions)
        if result is None:
            return
        names, rows = result
        header = [{"Data": [{"VarCharValue": name} for name in names]}]
        body = [{"Data": [{"VarCharValue": value} for value in row]} for row in rows]
        info = [{"Name": name, "Label": name, "Type": "varchar", "CatalogName": "hive", "Nullable": "UNKNOWN"}
                for name in names]
        self.query_results[exec_id] = models.QueryResults(rows=header + body, column_info=info)

    models.AthenaBackend._store_predefined_query_results = store  # type: ignore[method-assign]
