"""The DynamoDB engine on moto's server: get-item, query by index, a bounded scan, decoded values, CLI."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from services.errors import BadInput
from services.profile import parse_profile
from services.queries import Engines, run_to_end
from services.queries.params import BadParameter
from tests.support.paths import COCKPIT

PROFILE = '''[system]
name = "Mantissa Log"
[aws]
region = "us-east-1"

[[queries]]
id = "alert"
engine = "dynamodb"
table = "mantissa-log-alerts"
key = { alert_id = "{alert_id}" }

[[queries]]
id = "open_alerts"
engine = "dynamodb"
table = "mantissa-log-alerts"
index = "by_status"
key = { status = "{status}" }
params = { status = "open" }

[[queries]]
id = "all_alerts"
engine = "dynamodb"
table = "mantissa-log-alerts"

[[queries]]
id = "scan"
engine = "dynamodb"
table = "scan-results"
key = { scan_id = "{scan}", seq = "{seq}" }

[[queries]]
id = "scan_pages"
engine = "dynamodb"
table = "scan-results"
key = { scan_id = "{scan}" }
limit = 5
'''


@pytest.fixture
def tables(boto) -> None:
    dynamodb = boto("dynamodb")
    dynamodb.create_table(
        TableName="mantissa-log-alerts", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "alert_id", "AttributeType": "S"},
                              {"AttributeName": "status", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "alert_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_status", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    alerts = [{"alert_id": {"S": f"a-{number:03d}"}, "status": {"S": "open" if number % 3 == 0 else "closed"},
               "severity": {"N": str(number % 5)}} for number in range(150)]
    for start in range(0, len(alerts), 25):  # BatchWriteItem takes 25 at a time
        dynamodb.batch_write_item(RequestItems={"mantissa-log-alerts": [{"PutRequest": {"Item": item}}
                                                                        for item in alerts[start:start + 25]]})
    dynamodb.put_item(TableName="mantissa-log-alerts", Item={
        "alert_id": {"S": "a-x"}, "status": {"S": "open"}, "score": {"N": "0.75"}, "acked": {"BOOL": False},
        "rule": {"M": {"name": {"S": "priv-esc"}, "version": {"N": "3"}}}, "ips": {"SS": ["203.0.113.9", "198.51.100.1"]},
        "trail": {"L": [{"S": "AssumeRole"}, {"N": "2"}]}, "note": {"NULL": True}})
    dynamodb.create_table(
        TableName="scan-results", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "scan_id", "AttributeType": "S"},
                              {"AttributeName": "seq", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "scan_id", "KeyType": "HASH"}, {"AttributeName": "seq", "KeyType": "RANGE"}])
    for seq in range(12):
        dynamodb.put_item(TableName="scan-results", Item={"scan_id": {"S": "s1"}, "seq": {"N": str(seq)},
                                                          "finding": {"S": f"f{seq}"}})


@pytest.fixture
def profile():
    return parse_profile(PROFILE)


def _run(profile, aws_session, query_id: str, params: dict[str, str] | None = None):
    spec = next(query for query in profile.queries if query.id == query_id)
    return run_to_end(Engines(profile, aws_session).engine_for(spec), spec, params or {}, timeout=30)


def test_get_item_by_key_decodes_every_type(tables: None, profile, aws_session) -> None:
    result = _run(profile, aws_session, "alert", {"alert_id": "a-x"})
    assert result.status == "complete", result.error
    assert result.columns[0] == "alert_id"  # the key first, then the other attributes by name
    assert result.columns[1:] == ["acked", "ips", "note", "rule", "score", "status", "trail"]
    assert result.rows == [{"alert_id": "a-x", "acked": False, "ips": ["198.51.100.1", "203.0.113.9"], "note": None,
                            "rule": {"name": "priv-esc", "version": 3}, "score": 0.75, "status": "open",
                            "trail": ["AssumeRole", 2]}]
    assert _run(profile, aws_session, "alert", {"alert_id": "missing"}).rows == []


def test_a_query_by_index_returns_only_its_matches(tables: None, profile, aws_session) -> None:
    result = _run(profile, aws_session, "open_alerts")
    assert result.status == "complete", result.error
    assert result.columns[:2] == ["status", "alert_id"]
    assert len(result.rows) == 51 and {row["status"] for row in result.rows} == {"open"}
    assert not result.truncated
    spec = next(query for query in profile.queries if query.id == "open_alerts").model_copy(update={"limit": 30})
    first = run_to_end(Engines(profile, aws_session).engine_for(spec), spec, {"status": "closed"}, timeout=30)
    assert len(first.rows) == 30 and first.truncated and {row["status"] for row in first.rows} == {"closed"}


def test_a_scan_is_bounded_to_100_items(tables: None, profile, aws_session) -> None:
    result = _run(profile, aws_session, "all_alerts")
    assert len(result.rows) == 100 and result.truncated
    assert len({row["alert_id"] for row in result.rows}) == 100


def test_a_number_key_is_sent_as_a_number_and_a_partial_key_queries(tables: None, profile, aws_session) -> None:
    [row] = _run(profile, aws_session, "scan", {"scan": "s1", "seq": "7"}).rows
    assert row == {"scan_id": "s1", "seq": 7, "finding": "f7"}
    with pytest.raises(BadParameter, match="not a number"):
        _run(profile, aws_session, "scan", {"scan": "s1", "seq": "seven"})
    pages = _run(profile, aws_session, "scan_pages", {"scan": "s1"})  # the partition key alone: a Query
    assert [row["seq"] for row in pages.rows] == [0, 1, 2, 3, 4] and pages.truncated


def test_an_unknown_index_or_a_non_key_attribute_is_bad_input(tables: None, profile, aws_session) -> None:
    spec = next(query for query in profile.queries if query.id == "open_alerts")
    engine = Engines(profile, aws_session).engine_for(spec)
    with pytest.raises(BadInput, match=r"no index 'by_owner'.*by_status"):
        engine.start(spec.model_copy(update={"index": "by_owner"}), {})
    with pytest.raises(BadInput, match="severity: not a key of index by_status"):
        engine.start(spec.model_copy(update={"key": {"status": "open", "severity": "1"}}), {})


def test_the_cli_prints_the_item_and_refuses_a_missing_parameter(tables: None, moto: str, tmp_path: Path) -> None:
    path = tmp_path / "mantissa.toml"
    path.write_text(PROFILE)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

    def cockpit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(COCKPIT), "query", *args, "--profile", str(path), "--endpoint-url", moto],
                              capture_output=True, text=True, timeout=60, env=env, check=False)

    result = cockpit("alert", "--param", "alert_id=a-x", "--json")
    assert result.returncode == 0, result.stderr
    [item] = [json.loads(line) for line in result.stdout.splitlines()]
    assert item["rule"] == {"name": "priv-esc", "version": 3} and item["note"] is None
    text = cockpit("alert", "--param", "alert_id=a-x")
    assert text.returncode == 0
    assert '{"name":"priv-esc","version":3}' in text.stdout.splitlines()[1]
    missing = cockpit("alert")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "cockpit query: query 'alert' needs a value for 'alert_id': --param alert_id=VALUE"
    number = cockpit("scan", "--param", "scan=s1", "--param", "seq=x")
    assert number.returncode == 2 and "not a number" in number.stderr
