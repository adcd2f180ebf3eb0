"""The incident timeline: one JSON line per step, written whole, fsync'd, secrets redacted."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from services.incident.timeline import Timeline, default_timeline_path, read_timeline
from services.redact import looks_secret
from tests.support.paths import ROOT
from tests.support.waiting import wait_for


def test_each_append_is_one_write_then_an_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kinds: list[str] = []  # "write" and "fsync", in call order
    written: list[bytes] = []
    real_write, real_fsync = os.write, os.fsync

    def write(fd: int, data: bytes) -> int:
        kinds.append("write")
        written.append(data)
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        kinds.append("fsync")
        real_fsync(fd)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fsync", fsync)
    timeline = Timeline(tmp_path / "t.jsonl", profile="Sentra Scanner", operator="alice")
    timeline.append("note", detail="paged by the duration alarm")
    timeline.append("planned", action="lambda.set-timeout", target="fn", params={"timeout": 600})
    writes = [data for data in written if b'"step"' in data]  # ours, not a stray thread's
    assert len(writes) == 2
    assert all(isinstance(data, bytes) and data.endswith(b"\n") and data.count(b"\n") == 1 for data in writes)
    assert kinds.index("fsync") > kinds.index("write")  # the first line is on disk before the second is written
    assert kinds[:2] == ["write", "fsync"]
    events = read_timeline(tmp_path / "t.jsonl")
    assert [e["step"] for e in events] == ["note", "planned"]
    assert events[0] == {"time": events[0]["time"], "operator": "alice", "profile": "Sentra Scanner", "step": "note",
                         "detail": "paged by the duration alarm"}
    assert events[1]["params"] == {"timeout": 600}


def test_the_file_is_private_and_shared_by_appenders(tmp_path: Path) -> None:
    path = tmp_path / "state" / "timeline.jsonl"
    first, second = Timeline(path, profile="a"), Timeline(path, profile="b")
    for index in range(5):
        first.append("note", detail=f"first {index}")
        second.append("note", detail=f"second {index}")
    assert [e["profile"] for e in read_timeline(path)] == ["a", "b"] * 5
    assert path.stat().st_mode & 0o777 == 0o600


def test_default_path_is_under_the_state_directory(tmp_path: Path) -> None:
    # conftest points XDG_STATE_HOME at the test's tmp directory
    assert default_timeline_path("x") == tmp_path / "state" / "incident-cockpit" / "timeline-x.jsonl"
    Timeline(profile="x").append("note", detail="hello")
    assert read_timeline(default_timeline_path("x"))[0]["detail"] == "hello"


@pytest.mark.parametrize("name, secret", [
    ("DB_PASSWORD", True), ("api_key", True), ("SENTRY_DSN", True), ("aws_secret_access_key", True),
    ("githubToken", True), ("env.DB_PASSWD", True), ("Credentials", True),
    ("access_key_id", False), ("AWS_ACCESS_KEY_ID", False), ("timeout", False), ("LOG_LEVEL", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_secret_values_are_redacted_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    event = Timeline(path, profile="p").append(
        "planned", action="lambda.set-env", target="fn",
        params={"variables": {"STRIPE_API_KEY": "sk_live_abcdef", "LOG_LEVEL": "DEBUG"}},
        before={"env.STRIPE_API_KEY": None, "env.LOG_LEVEL": "INFO"},
        after={"env.STRIPE_API_KEY": "sk_live_abcdef", "env.LOG_LEVEL": "DEBUG"},
        command="aws lambda update-function-configuration --environment "
                "'{\"Variables\":{\"STRIPE_API_KEY\":\"sk_live_abcdef\"}}'",
        error="rejected value sk_live_abcdef", access_key_id="AKIAEXAMPLEKEY000001")
    text = path.read_text()
    assert "sk_live_abcdef" not in text
    assert event["params"]["variables"] == {"STRIPE_API_KEY": "***", "LOG_LEVEL": "DEBUG"}
    assert event["before"]["env.STRIPE_API_KEY"] is None  # "not set" is not a secret and says what happened
    assert event["after"] == {"env.STRIPE_API_KEY": "***", "env.LOG_LEVEL": "DEBUG"}
    assert '"STRIPE_API_KEY":"***"' in event["command"] and event["error"] == "rejected value ***"
    assert event["access_key_id"] == "AKIAEXAMPLEKEY000001"  # an identifier: the record must say which key


def test_steps_are_short_kinds(tmp_path: Path) -> None:
    timeline = Timeline(tmp_path / "t.jsonl")
    timeline.append("alarm", detail="sentra-lambda-duration → ALARM")
    with pytest.raises(ValueError):
        timeline.append("Planned; rm -rf")
    assert [e["step"] for e in timeline.events()] == ["alarm"]


def test_read_timeline_names_a_damaged_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    Timeline(path).append("note", detail="ok")
    with open(path, "a") as stream:
        stream.write('{"step": "planned", "trunc')
    with pytest.raises(ValueError, match=r"t\.jsonl:2"):
        read_timeline(path)
    assert [e["step"] for e in read_timeline(path, strict=False)] == ["note"]
    assert read_timeline(tmp_path / "missing.jsonl") == []


WRITER = """
import sys
from services.incident.timeline import Timeline
timeline = Timeline(sys.argv[1], profile="Sentra Scanner")
index = 0
while True:
    index += 1
    timeline.append("note", detail="x" * (index % 5000), index=index, params={"API_TOKEN": "tok-secret-xyz"})
"""


@pytest.mark.parametrize("lines_before_kill", [1, 200, 777])
def test_kill_9_at_any_moment_leaves_only_whole_lines(lines_before_kill: int, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Lines up to 5 KB each, so a kill is likely to land mid-append, at a different line each time.
        wait_for(lambda: path.exists() and path.read_bytes().count(b"\n") >= lines_before_kill, timeout=60,
                 what=f"the writer to append {lines_before_kill} lines", interval=0.001)
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    data = path.read_bytes()
    assert data.endswith(b"\n")
    lines = data.decode().splitlines()
    events = [json.loads(line) for line in lines]
    assert len(events) >= lines_before_kill
    assert [e["index"] for e in events] == list(range(1, len(events) + 1))  # none lost or doubled before the kill
    assert "tok-secret-xyz" not in data.decode()
