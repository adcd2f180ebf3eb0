"""``cockpit inspect``: the real command against moto's server (text, --json, unknown id, not found, bad profile)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from services.aws.session import AwsTarget
from tests.support.imports import imported_after
from tui.cli import inspect, loading
from tui.cli.main import build_parser

COCKPIT = str(Path(sys.executable).with_name("cockpit"))
PROFILE = '''[system]
name = "Mantissa Log"

[aws]
region = "us-east-1"

[[resources]]
id = "alerts_queue"
type = "sqs"
name = "mantissa-alerts"

[[resources]]
id = "alert_table"
type = "dynamodb"
name = "mantissa-log-alerts"
'''


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    return subprocess.run([COCKPIT, "inspect", *args], capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)


def _profile(tmp_path: Path, text: str = PROFILE) -> str:
    path = tmp_path / "mantissa.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _seed_queue(boto) -> None:
    sqs = boto("sqs")
    url = sqs.create_queue(QueueName="mantissa-alerts")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="alert")


def test_json_is_one_object_with_the_contracts_keys(moto, boto, tmp_path: Path) -> None:
    _seed_queue(boto)
    result = _run("alerts_queue", "--profile", _profile(tmp_path), "--json", "--endpoint-url", moto)
    assert result.returncode == 0, result.stderr  # a missing DLQ is a warning, not a failure
    [line] = result.stdout.splitlines()
    reading = json.loads(line)
    assert {"id", "type", "name", "fields", "findings"} <= set(reading)
    assert (reading["id"], reading["type"], reading["name"], reading["status"]) == (
        "alerts_queue", "sqs", "mantissa-alerts", "exists")
    assert reading["fields"]["Messages"]["value"] == "1 visible, 0 in flight, 0 delayed"
    assert {"level": "warn", "text": "no dead-letter queue: a message that keeps failing is retried until it "
                                     "expires (4 d)"} in reading["findings"]


def test_text_aligns_fields_and_marks_findings(moto, boto, tmp_path: Path) -> None:
    _seed_queue(boto)
    result = _run("alerts_queue", "-p", _profile(tmp_path), "--endpoint-url", moto)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "alerts_queue  sqs mantissa-alerts  exists"
    field_lines = [line for line in lines[1:] if not line.startswith(("  WARN", "  FAIL", "  ok  ", "   "))]
    value_starts = [re.match(r"  \S.*?\S {2,}(?=\S)", line) for line in field_lines]
    assert all(value_starts), field_lines  # every field line has a label, then a value
    value_columns = {start.end() for start in value_starts if start}
    assert len(value_columns) == 1  # every value starts in the same column
    assert "  Messages" in result.stdout and "1 visible, 0 in flight, 0 delayed" in result.stdout
    assert any(line.startswith("  WARN  no dead-letter queue") for line in lines)


def test_a_resource_that_does_not_exist_is_one_line_and_exit_1(moto, tmp_path: Path) -> None:
    result = _run("alert_table", "--profile", _profile(tmp_path), "--json", "--endpoint-url", moto)
    assert result.returncode == 1
    reading = json.loads(result.stdout)
    assert reading["status"] == "not found" and reading["fields"] == {}
    assert reading["findings"] == [{"level": "fail", "text": "table mantissa-log-alerts does not exist"}]


def test_an_unknown_id_is_one_line_listing_the_ids_and_exit_2(moto, tmp_path: Path) -> None:
    result = _run("alerts", "--profile", _profile(tmp_path), "--endpoint-url", moto)
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("cockpit inspect: no resource 'alerts' in ") and line.endswith(
        "(its resources: alerts_queue, alert_table)")


def test_a_bad_resource_in_the_profile_is_file_line_field_and_exit_2(tmp_path: Path) -> None:
    path = _profile(tmp_path, PROFILE.replace('type = "dynamodb"', 'type = "dynamo"'))
    result = _run("alerts_queue", "--profile", path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:14: resources[1] (id 'alert_table').type: Input should be")
    assert "Traceback" not in result.stderr


def test_an_unreachable_endpoint_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = _run("alerts_queue", "--profile", _profile(tmp_path), "--endpoint-url", "http://127.0.0.1:9",
                  timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("cockpit inspect: alerts_queue (sqs mantissa-alerts): unreachable:")
    assert len(result.stderr.splitlines()) == 1


def test_the_parser_dispatches_and_takes_the_aws_flags_without_loading_the_sdk() -> None:
    args = build_parser().parse_args(["inspect", "alerts_queue", "--profile", "p.toml", "--json",
                                      "--region", "eu-west-3", "--endpoint-url", "http://127.0.0.1:9"])
    assert args.func is inspect.run_inspect and args.resource == "alerts_queue" and args.json
    assert loading.aws_target(args, None) == AwsTarget(region="eu-west-3", endpoint_url="http://127.0.0.1:9")
    imported = imported_after("import tui.cli.main\ntui.cli.main.build_parser().parse_args(['inspect', 'x', '-p', 'p'])")
    assert "tui.cli.inspect" in imported
    assert not {name for name in imported if name.split(".")[0] in {"boto3", "botocore", "pydantic", "textual"}}


def test_a_finding_with_a_fix_prints_the_plan_command_for_it() -> None:
    from services.aws.resources import Finding, Offer, ResourceReading

    offer = Offer("iam.grant", "lambda-execution-role", (("action", "sqs:SendMessage"), ("resource", "arn:aws:sqs:r:1:q")))
    reading = ResourceReading("execution_role", "iam-role", "lambda-execution-role", "exists",
                              findings=(Finding("fail", "sqs:SendMessage on arn:aws:sqs:r:1:q: denied", offer),
                                        Finding("ok", "s3:GetObject on b/*: allowed")))
    lines = inspect.render_text(reading).splitlines()
    assert lines[-3:] == ["  FAIL  sqs:SendMessage on arn:aws:sqs:r:1:q: denied",
                          "        fix: cockpit plan iam.grant lambda-execution-role action=sqs:SendMessage "
                          "resource=arn:aws:sqs:r:1:q",
                          "  ok    s3:GetObject on b/*: allowed"]
    assert reading.as_json()["findings"][0]["offer"] == {
        "action": "iam.grant", "target": "lambda-execution-role",
        "params": {"action": "sqs:SendMessage", "resource": "arn:aws:sqs:r:1:q"}}
