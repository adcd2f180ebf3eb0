"""The Athena engine on moto's server: results seeded through moto's API, the header row, stop, cost, CLI.

moto does not execute queries: each new execution takes the next result queued with
``POST /moto-api/static/athena/query-results``, whose first row is the header, as on AWS.
"""
from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.profile import parse_profile
from services.queries import Engines, run_to_end
from services.queries.athena import scan_cost
from tests.support.paths import COCKPIT

PROFILE = '''[system]
name = "Mantissa Log"
[aws]
region = "us-east-1"

[[queries]]
id = "ip_activity"
engine = "athena"
database = "mantissa"
workgroup = "primary"
output = "s3://mantissa-athena-results/"
query = """
SELECT eventtime, eventname, useridentity.arn, awsregion
FROM cloudtrail WHERE sourceipaddress = '{ip}' ORDER BY eventtime DESC LIMIT 100
"""
params = { ip = "203.0.113.42" }
'''
COLUMNS = ["eventtime", "eventname", "arn", "awsregion"]
EVENTS: list[list[str | None]] = [["2026-12-01T10:00:00Z", "ConsoleLogin", "arn:aws:iam::123456789012:user/eve", "us-east-1"],
          ["2026-12-01T10:02:00Z", "CreateAccessKey", None, "us-east-1"]]


def _post(endpoint: str, path: str, body: dict) -> None:
    request = urllib.request.Request(f"{endpoint}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()


def seed_results(endpoint: str, columns: list[str], rows: list[list[str | None]], *, times: int = 1) -> None:
    """Queue ``times`` results: the header row (the column names) first, then ``rows``; None is SQL NULL."""
    def row(values: list[str | None]) -> dict:
        return {"Data": [{"VarCharValue": value} if value is not None else {} for value in values]}

    result = {"rows": [row(list(columns)), *(row(values) for values in rows)],
              "column_info": [{"Name": name, "Label": name, "Type": "varchar"} for name in columns]}
    _post(endpoint, "/moto-api/static/athena/query-results", {"results": [result] * times})


@pytest.fixture
def profile():
    return parse_profile(PROFILE)


@pytest.fixture
def engines(profile, aws_session) -> Engines:
    return Engines(profile, aws_session)


@pytest.fixture
def held_queued(moto: str) -> Iterator[None]:
    """Executions stay QUEUED (moto's state manager) until the test ends."""
    _post(moto, "/moto-api/state-manager/set-transition",
          {"model_name": "athena::execution", "transition": {"progression": "manual", "times": 1_000_000}})
    try:
        yield
    finally:
        _post(moto, "/moto-api/state-manager/unset-transition", {"model_name": "athena::execution"})


def test_rows_come_without_the_header_row_and_nulls_stay_null(moto: str, profile, engines: Engines) -> None:
    seed_results(moto, COLUMNS, EVENTS)
    spec = profile.queries[0]
    result = run_to_end(engines.engine_for(spec), spec, {}, timeout=30)
    assert result.status == "complete", result.error
    assert result.columns == COLUMNS
    assert result.rows == [dict(zip(COLUMNS, values, strict=True)) for values in EVENTS]
    assert (result.stats.bytes_scanned, result.stats.cost_usd) == (0, 0)  # moto scans nothing


def test_the_parameter_reaches_athena_quoted(moto: str, profile, engines: Engines, boto) -> None:
    seed_results(moto, COLUMNS, [])
    spec = profile.queries[0]
    engine = engines.engine_for(spec)
    handle = engine.start(spec, {"ip": "198.51.100.7' OR 'x'='x"})
    sent = boto("athena").get_query_execution(QueryExecutionId=handle.query_id)["QueryExecution"]
    assert "sourceipaddress = '198.51.100.7'' OR ''x''=''x'" in sent["Query"]
    assert sent["QueryExecutionContext"] == {"Database": "mantissa"}
    assert sent["ResultConfiguration"]["OutputLocation"].startswith("s3://mantissa-athena-results/")
    result = engine.poll(handle)
    assert result.status == "complete" and result.rows == [] and result.columns == COLUMNS


def test_a_result_without_column_metadata_takes_its_names_from_the_header_row(moto: str, profile, engines) -> None:
    _post(moto, "/moto-api/static/athena/query-results", {"results": [{"rows": [
        {"Data": [{"VarCharValue": "partition"}]}, {"Data": [{"VarCharValue": "dt=2026-12-01"}]}]}]})
    spec = profile.queries[0]
    result = run_to_end(engines.engine_for(spec), spec, {}, timeout=30)
    assert result.columns == ["partition"] and result.rows == [{"partition": "dt=2026-12-01"}]


def test_rows_stop_at_the_limit(moto: str, profile, engines: Engines) -> None:
    seed_results(moto, ["n"], [[str(number)] for number in range(25)])
    spec = profile.queries[0].model_copy(update={"limit": 10})
    result = run_to_end(engines.engine_for(spec), spec, {}, timeout=30)
    assert [row["n"] for row in result.rows] == [str(number) for number in range(10)] and result.truncated


def test_stop_cancels_a_running_execution(moto: str, profile, engines: Engines, boto, held_queued: None) -> None:
    spec = profile.queries[0]
    engine = engines.engine_for(spec)
    handle = engine.start(spec, {})
    assert engine.poll(handle).status == "running"
    assert engine.stop(handle) is True
    assert engine.poll(handle).status == "cancelled"
    state = boto("athena").get_query_execution(QueryExecutionId=handle.query_id)["QueryExecution"]["Status"]["State"]
    assert state == "CANCELLED"


def test_cost_is_five_dollars_a_terabyte_billed_per_megabyte_with_a_10_mb_minimum() -> None:
    megabyte, terabyte = 1024**2, 1024**4
    assert scan_cost(terabyte) == pytest.approx(5.0)
    assert scan_cost(1) == pytest.approx(10 * megabyte / terabyte * 5)  # the 10 MB minimum
    assert scan_cost(20 * megabyte + 1) == pytest.approx(21 * megabyte / terabyte * 5)  # rounded up to the MB
    assert scan_cost(0) == 0 and scan_cost(terabyte, "failed") == 0  # nothing scanned, or failed: free


def test_the_cli_prints_one_json_object_per_row_and_exits_2_on_a_bad_parameter(moto: str, tmp_path: Path) -> None:
    seed_results(moto, COLUMNS, EVENTS)
    path = tmp_path / "mantissa.toml"
    path.write_text(PROFILE)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

    def cockpit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(COCKPIT), "query", *args, "--profile", str(path), "--endpoint-url", moto],
                              capture_output=True, text=True, timeout=60, env=env, check=False)

    result = cockpit("ip_activity", "--json", "--param", "ip=198.51.100.7")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [dict(zip(COLUMNS, values, strict=True))
                                                                         for values in EVENTS]
    assert "2 rows" in result.stderr and "$0.0000" in result.stderr
    bad = cockpit("ip_activity", "--param", "host=x")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip() == "cockpit query: query 'ip_activity' has no parameter 'host' (it takes: ip)"
