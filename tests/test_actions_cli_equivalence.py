"""A plan's ``command``, pasted into a shell running the real AWS CLI, does what the cockpit does.

For each action: seed a fresh emulator, let the cockpit plan and run it, read the state
back; reset, seed again, plan again, run the plan's command with ``.venv/bin/aws`` through
``bash -c`` (so the shell quoting is what a person's shell sees), read back; both states
must be the same, and different from the seeded one.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from services.actions.catalog import build_action
from services.actions.common import ReadBackAction
from services.aws.session import AwsSession
from services.errors import Unsupported
from tests.support.action_cases import CASES, reset, seed_sentra

AWS = Path(sys.executable).parent / "aws"


def run_cli(command: str, endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{AWS.parent}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           # a failing call must fail once, not after minutes of retries on moto's 500s
           "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
    return subprocess.run(["bash", "-c", f"{command} --endpoint-url {shlex.quote(endpoint)}"], env=env,
                          capture_output=True, text=True, timeout=120)


def _fresh(moto_endpoint: str, boto, case):
    reset(moto_endpoint)
    seed_sentra(boto)
    return case.seed(boto)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_plan_command_matches_the_cockpit_run(case, moto, boto, aws_target) -> None:
    assert AWS.exists(), "the aws CLI is required: it is in the test extra (make test installs it)"
    seeded = _fresh(moto, boto, case)
    seeded_state = case.probe(boto, seeded)
    action = build_action(AwsSession(aws_target), case.action_id, seeded.target, seeded.params)
    assert isinstance(action, ReadBackAction)  # observe(): the state both runs are compared by
    plan = action.plan()
    if not case.supported:
        with pytest.raises(Unsupported):
            action.run(plan)
        cli = run_cli(plan.command, moto)
        assert cli.returncode != 0  # the endpoint lacks it for the CLI too: no silent success
        assert "StartMessageMoveTask" in cli.stderr
        return
    action.run(plan)
    cockpit_state = (case.probe(boto, seeded), action.observe(plan))

    seeded = _fresh(moto, boto, case)
    action = build_action(AwsSession(aws_target), case.action_id, seeded.target, seeded.params)
    assert isinstance(action, ReadBackAction)
    plan = action.plan()
    cli = run_cli(plan.command, moto)
    assert cli.returncode == 0, f"{plan.command}\n{cli.stderr}"
    cli_state = (case.probe(boto, seeded), action.observe(plan))

    assert cli_state == cockpit_state
    assert cockpit_state[0] != seeded_state
    assert case.ran(cockpit_state[0])
