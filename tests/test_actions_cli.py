"""``cockpit actions`` and ``cockpit plan``: output, exit codes, and that nothing runs."""
from __future__ import annotations

import subprocess
import sys

import pytest

from services.actions.catalog import CATALOG
from tests.support.action_cases import FUNCTION
from tests.support.paths import ROOT
from tui.cli.actions import parse_params
from tui.cli.main import main

PROFILE = str(ROOT / "services" / "demo" / "profiles" / "sentra-scanner.toml")


def test_actions_lists_one_line_per_action(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["actions", "--profile", PROFILE]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(CATALOG)
    by_id = {line.split()[0]: line for line in lines}
    assert "timeout:integer 1..900" in by_id["lambda.set-timeout"] and "risk low" in by_id["lambda.set-timeout"]
    assert "memory:integer 128..10240" in by_id["lambda.set-memory"]
    assert "risk destructive" in by_id["sqs.purge"]
    assert "risk high" in by_id["iam.deny-all"]


def test_plan_prints_the_plan_and_runs_nothing(sentra, boto, moto, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "lambda.set-timeout", FUNCTION, "timeout=600", "--profile", PROFILE, "--endpoint-url", moto])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert f"target:  {FUNCTION}" in lines
    assert "risk:    low · reversible" in lines
    assert "  timeout: 300 → 600" in lines
    assert "note:    Invocations already running keep the old timeout." in lines
    assert lines[-1] == f"aws lambda update-function-configuration --function-name {FUNCTION} --timeout 600"
    assert boto("lambda").get_function_configuration(FunctionName=FUNCTION)["Timeout"] == 300


def test_plan_parses_values_as_json_and_hides_secret_values(sentra, moto, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "lambda.set-env", FUNCTION, 'variables={"DB_PASSWORD": "hunter22", "LOG_LEVEL": "DEBUG"}',
                 "--profile", PROFILE, "--endpoint-url", moto])
    out = capsys.readouterr().out
    assert code == 0
    assert "  env.DB_PASSWORD: (not set) → ***" in out.splitlines()
    assert "  env.LOG_LEVEL: INFO → DEBUG" in out.splitlines()
    assert out.splitlines()[-1].startswith("aws lambda update-function-configuration ")


def test_a_high_risk_plan_says_what_confirmation_asks(sentra, moto, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "lambda.set-concurrency", FUNCTION, "concurrency=0", "--profile", PROFILE,
                 "--endpoint-url", moto]) == 0
    out = capsys.readouterr().out
    assert "risk:    high · reversible" in out
    assert f"running it asks you to type '{FUNCTION}'" in out
    assert "  reserved concurrency: (not set) → 0" in out


@pytest.mark.parametrize("words, message", [
    (["lambda.set-timeout", FUNCTION, "timeout=901"], "timeout: Input should be less than or equal to 900"),
    (["lambda.set-timeout", "no-such-function", "timeout=60"], "no Lambda function named 'no-such-function'"),
    (["lambda.reboot", FUNCTION], "unknown action 'lambda.reboot'"),
    (["lambda.set-timeout", FUNCTION, "600"], "'600': parameters are NAME=VALUE"),
])
def test_bad_input_is_one_line_and_exit_2(words, message, sentra, moto, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", *words, "--profile", PROFILE, "--endpoint-url", moto]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err
    assert captured.err.startswith("cockpit plan: bad input: ")


def test_the_installed_command_exits_2_without_a_traceback() -> None:
    result = subprocess.run([sys.executable, "-m", "tui.cli.main", "plan", "lambda.reboot", "x", "--profile", PROFILE],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "unknown action 'lambda.reboot'" in result.stderr


def test_values_are_json_when_they_parse() -> None:
    assert parse_params(["timeout=600", "egress=true", "concurrency=null", "reason=flapping alarm",
                         'variables={"A": "1"}', "cidr=203.0.113.0/24"]) == {
        "timeout": 600, "egress": True, "concurrency": None, "reason": "flapping alarm",
        "variables": {"A": "1"}, "cidr": "203.0.113.0/24"}
