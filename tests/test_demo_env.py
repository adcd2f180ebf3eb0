"""A second shell reaches the running demo's emulator: ``cockpit demo --env``, the README's ``cockpit plan`` (Keys 4)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from services.aws.session import AwsSession, AwsTarget
from services.demo.process import EmulatorProcess

ROOT = Path(__file__).resolve().parent.parent
COCKPIT = Path(sys.executable).with_name("cockpit")


def _readme_block(containing: str) -> str:
    """The README's fenced shell block that holds ``containing``: the test runs what a reader would paste."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)
    found = [block for block in blocks if containing in block]
    assert found, f"no README block with {containing!r}"
    return found[0]


def _second_shell(tmp_path: Path) -> dict[str, str]:
    """A shell with no AWS settings of its own: whatever reaches the emulator comes from the demo's env."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update({"PATH": f"{COCKPIT.parent}:{env.get('PATH', '')}", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
                "AWS_EC2_METADATA_DISABLED": "true", "XDG_STATE_HOME": os.environ["XDG_STATE_HOME"]})
    return env


@pytest.fixture
def demo_emulator():
    emulator = EmulatorProcess("sentra-scanner")
    try:
        emulator.wait_ready()
        yield emulator
    finally:
        emulator.stop()


def test_the_readme_plan_works_from_another_shell_while_the_demo_runs(demo_emulator, tmp_path) -> None:
    env = _second_shell(tmp_path)
    shown = subprocess.run([str(COCKPIT), "demo", "--env"], check=False, capture_output=True, text=True, env=env,
                           timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert f"AWS_ENDPOINT_URL={demo_emulator.endpoint}" in shown.stdout
    for name in ("AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_DEFAULT_REGION=us-east-1",
                 "COCKPIT_DEMO_PROFILE="):
        assert name in shown.stdout, name

    block = _readme_block("cockpit demo --env")
    assert "cockpit plan lambda.set-timeout customer-sentra-scanner timeout=600" in block
    result = subprocess.run(["bash", "-euc", block], check=False, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "action:  lambda.set-timeout" in result.stdout and "target:  customer-sentra-scanner" in result.stdout
    assert re.search(r"timeout: \d+ → 600", result.stdout), result.stdout
    assert "aws lambda update-function-configuration" in result.stdout


def test_the_env_file_lives_while_the_demo_runs(tmp_path) -> None:
    env = _second_shell(tmp_path)
    emulator = EmulatorProcess("sentra-scanner")
    try:
        emulator.wait_ready()
        assert emulator.env_path.exists()
        assert oct(emulator.env_path.stat().st_mode & 0o777) == "0o600"
    finally:
        emulator.stop()
    assert not emulator.env_path.exists()  # a stopped demo leaves no endpoint to paste
    gone = subprocess.run([str(COCKPIT), "demo", "--env"], check=False, capture_output=True, text=True, env=env,
                          timeout=60)
    assert gone.returncode == 1 and "no demo is running" in gone.stderr and not gone.stdout


def test_a_session_follows_aws_endpoint_url_like_the_aws_cli(moto, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    session = AwsSession(AwsTarget(region="us-east-1"))
    assert session.target.endpoint_url == moto and moto in session.target.describe()
    assert "logGroups" in session.call("logs", "describe_log_groups")
    # An explicit --endpoint-url / [aws] endpoint_url still wins.
    assert AwsSession(AwsTarget(endpoint_url="http://127.0.0.1:1")).target.endpoint_url == "http://127.0.0.1:1"
