"""DynamoDB: get-item by key, query by index (or by the partition key), a bounded scan.

``key`` names attributes and values; the table's description says each key attribute's
type, so ``alert_id = "42"`` is sent as a number when the key is one. A key that is the
whole primary key is a GetItem; a key on an index (``index``), or only the table's
partition key, is a Query (equality on the key attributes given); no key is a Scan. The
plan is made in ``start`` from the table's description, so a wrong key fails at once. Query
and scan stop at the query's ``limit`` (default 100 items), whatever the table holds.
Items come back with their type descriptors decoded: plain strings, numbers, lists, maps.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from services.aws.session import AwsSession
from services.errors import BadInput
from services.profile.queries import QuerySpec
from services.queries.base import BackgroundEngine, BackgroundRun, Cancelled, QueryHandle, QueryStats, Row
from services.queries.params import BadParameter, fill, resolve

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def decode(value: dict[str, Any]) -> Any:
    """One attribute value in DynamoDB's typed form (``{"S": "x"}``, ``{"N": "1"}``...) as a plain value."""
    kind, item = next(iter(value.items()))
    if kind == "S":
        return item
    if kind == "N":
        return _number(item)
    if kind == "B":
        return base64.b64encode(item).decode() if isinstance(item, bytes | bytearray) else str(item)
    if kind == "BOOL":
        return bool(item)
    if kind == "NULL":
        return None
    if kind == "M":
        return {name: decode(inner) for name, inner in item.items()}
    if kind == "L":
        return [decode(inner) for inner in item]
    if kind == "SS":
        return sorted(item)
    if kind == "NS":
        return sorted((_number(number) for number in item), key=float)
    if kind == "BS":
        return sorted(base64.b64encode(inner).decode() if isinstance(inner, bytes | bytearray) else str(inner)
                      for inner in item)
    return item


def _number(text: str) -> int | float:
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


class DynamoEngine(BackgroundEngine):
    name = "dynamodb"

    def __init__(self, session: AwsSession) -> None:
        super().__init__()
        self.session = session
        self._tables: dict[str, dict[str, Any]] = {}

    def start(self, spec: QuerySpec, params: Mapping[str, str]) -> QueryHandle:
        """Plans the read now (the table's key schema: a wrong key or value fails here), reads in the background."""
        values = resolve(spec, params)
        key = {name: fill(item, values, "plain") if isinstance(item, str) else str(item) for name, item in spec.key.items()}
        operation, request, shown = self._plan(str(spec.table), key, spec.index)
        described = f"{operation} {spec.table}" + (f" index {spec.index}" if spec.index else "") + "".join(
            f" {name}={value}" for name, value in key.items())
        limit = spec.row_limit

        def work(run: BackgroundRun) -> tuple[list[str], list[Row], QueryStats, bool, str | None]:
            if operation == "get_item":
                answer = self.session.call("dynamodb", "get_item", **request)
                items = [answer["Item"]] if "Item" in answer else []
                return _table(items, shown, QueryStats(scanned=len(items), matched=len(items)), False)
            return self._pages(run, operation, request, shown, limit)

        return self._launch(BackgroundRun(work, name="dynamodb-query"), described)

    def _describe(self, table: str) -> dict[str, Any]:
        if table not in self._tables:
            self._tables[table] = self.session.call("dynamodb", "describe_table", TableName=table)["Table"]
        return self._tables[table]

    def _plan(self, table: str, key: dict[str, str], index: str | None) -> tuple[str, dict[str, Any], list[str]]:
        """``(operation, request, key attributes first)`` for the key and index given."""
        described = self._describe(table)
        types = {item["AttributeName"]: item["AttributeType"] for item in described.get("AttributeDefinitions", [])}
        table_keys = _key_names(described.get("KeySchema", []))
        if index is None:
            if not key:
                return "scan", {"TableName": table}, table_keys
            if set(key) == set(table_keys):
                return "get_item", {"TableName": table, "Key": _typed(key, types)}, table_keys
            return "query", _query(table, None, table_keys, key, types), table_keys
        indexes = described.get("GlobalSecondaryIndexes", []) + described.get("LocalSecondaryIndexes", [])
        found = next((item for item in indexes if item["IndexName"] == index), None)
        if found is None:
            known = ", ".join(item["IndexName"] for item in indexes) or "none"
            raise BadInput(f"table {table} has no index {index!r} (its indexes: {known})", operation="dynamodb.query")
        index_keys = _key_names(found["KeySchema"])
        shown = list(dict.fromkeys(index_keys + table_keys))
        return "query", _query(table, index, index_keys, key, types), shown

    def _pages(self, run: BackgroundRun, operation: str, request: dict[str, Any], keys: list[str],
               limit: int) -> tuple[list[str], list[Row], QueryStats, bool, str | None]:
        """Query or scan page by page until ``limit`` items (or the end); a stop is heard between pages."""
        items: list[dict[str, Any]] = []
        scanned = 0
        while True:
            if run.stopping.is_set():
                raise Cancelled
            answer = self.session.call("dynamodb", operation, **request, Limit=limit - len(items))
            items += answer.get("Items", [])
            scanned += int(answer.get("ScannedCount", 0))
            more = "LastEvaluatedKey" in answer
            if not more or len(items) >= limit:
                return _table(items, keys, QueryStats(scanned=scanned, matched=len(items)), more)
            request = {**request, "ExclusiveStartKey": answer["LastEvaluatedKey"]}


def _query(table: str, index: str | None, keys: list[str], key: dict[str, str], types: dict[str, str]) -> dict[str, Any]:
    """A Query request: equality on each key attribute given (the partition key at least)."""
    where = f"index {index}" if index else f"table {table}"
    if keys[0] not in key:
        raise BadInput(f"a query on {where} needs its partition key {keys[0]!r} in key", operation="dynamodb.query")
    extra = sorted(set(key) - set(keys))
    if extra:
        raise BadInput(f"{', '.join(extra)}: not a key of {where} (its keys: {', '.join(keys)})",
                       operation="dynamodb.query")
    typed = _typed(key, types)
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": " AND ".join(f"#k{number} = :v{number}" for number in range(len(key))),
        "ExpressionAttributeNames": {f"#k{number}": name for number, name in enumerate(key)},
        "ExpressionAttributeValues": {f":v{number}": typed[name] for number, name in enumerate(key)}}
    if index:
        request["IndexName"] = index
    return request


def _key_names(schema: list[dict[str, str]]) -> list[str]:
    """The partition (HASH) key first, then the sort key."""
    return [item["AttributeName"] for item in sorted(schema, key=lambda item: item.get("KeyType") != "HASH")]


def _typed(key: dict[str, str], types: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each key value in the attribute's type (the table's definitions say which)."""
    typed: dict[str, dict[str, Any]] = {}
    for name, value in key.items():
        kind = types.get(name, "S")
        if kind == "N" and not _NUMBER.fullmatch(value):
            raise BadParameter(f"key {name}: {value!r} is not a number (the table's {name} is a number)")
        typed[name] = {kind: value.encode() if kind == "B" else value}
    return typed


def _table(items: list[dict[str, Any]], keys: list[str], stats: QueryStats,
           truncated: bool) -> tuple[list[str], list[Row], QueryStats, bool, str | None]:
    """Columns: the key attributes, then every other attribute any item has, by name."""
    rows = [{name: decode(value) for name, value in item.items()} for item in items]
    present = {name for row in rows for name in row}
    columns = list(dict.fromkeys(name for name in keys if name in present))
    columns += sorted(present - set(columns))
    return columns, [{name: row.get(name) for name in columns} for row in rows], stats, truncated, None
