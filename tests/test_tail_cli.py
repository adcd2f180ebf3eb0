"""``cockpit tail``: the real command against moto's server (JSON, text, profile labels, filter, errors)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

COCKPIT = str(Path(sys.executable).with_name("cockpit"))


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    return subprocess.run([COCKPIT, "tail", *args], capture_output=True, text=True, timeout=timeout, env=env)


def _seed(boto) -> list[str]:
    logs = boto("logs")
    now = int(time.time() * 1000)
    messages = {"/app/api": ["[INFO] started", "[ERROR] \x1b[31mboom\x1b[0m [bold]x[/bold]"],
                "/app/worker": ['{"level": "warn", "msg": "slow"}', "Task timed out after 3.00 seconds"]}
    for group, lines in messages.items():
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="2026/01/01/[$LATEST]0123456789abcdef")
        logs.put_log_events(logGroupName=group, logStreamName="2026/01/01/[$LATEST]0123456789abcdef",
                            logEvents=[{"timestamp": now - 5000 + i, "message": line} for i, line in enumerate(lines)])
    return [line for lines in messages.values() for line in lines]


def test_json_prints_every_event_once_with_its_id(moto, boto) -> None:
    sent = _seed(boto)
    result = _run("/app/api", "/app/worker", "--json", "--since", "5m", "--endpoint-url", moto, "--region", "us-east-1")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(event["message"] for event in events) == sorted(sent)  # exact, control characters included
    assert len({(event["group"], event["eventId"]) for event in events}) == 4
    assert {event["group"] for event in events} == {"/app/api", "/app/worker"}
    assert all(isinstance(event["timestamp"], int) and event["ingestionTime"] for event in events)
    stamps = [event["timestamp"] for event in events]
    assert stamps == sorted(stamps)


def test_text_uses_profile_labels_and_escapes_control_characters(moto, boto, tmp_path) -> None:
    _seed(boto)
    profile = tmp_path / "p.toml"
    profile.write_text(f'[system]\nname = "t"\n[aws]\nregion = "us-east-1"\nendpoint_url = "{moto}"\n'
                       '[[logs]]\ngroup = "/app/api"\nlabel = "api"\n[[logs]]\ngroup = "/app/worker"\nlabel = "wrk"\n')
    result = _run("--profile", str(profile), "--since", "5m")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert any(" api 01234567 [ERROR] \\x1b[31mboom\\x1b[0m [bold]x[/bold]" in line for line in lines)
    assert any(" wrk 01234567 Task timed out" in line for line in lines)
    assert "\x1b" not in result.stdout


def test_server_side_filter(moto, boto) -> None:
    _seed(boto)
    result = _run("/app/api", "/app/worker", "--filter", "ERROR", "--json", "--endpoint-url", moto, "--region", "us-east-1")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["group"] for line in result.stdout.splitlines()] == ["/app/api"]


def test_errors_and_exit_codes(moto, boto) -> None:
    _seed(boto)
    missing = _run("/no/such/group", "--endpoint-url", moto, "--region", "us-east-1")
    assert missing.returncode == 1 and "ResourceNotFound" in missing.stderr and missing.stdout == ""
    bad = _run("/app/api", "--since", "soon", "--endpoint-url", moto)
    assert bad.returncode == 2 and "--since" in bad.stderr
    none = _run("--endpoint-url", moto)
    assert none.returncode == 2 and "at least one log group" in none.stderr
