"""Playbooks are checked when the profile loads: a step's action, target and parameters,
and every diagnosis reference, each wrong one a ``file:line: field: problem`` line.

A playbook step that names no real action used to load and fail mid-incident, as a toast
listing every action id; now every command refuses the profile before the UI starts.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.profile import ProfileError, load_profile, parse_profile
from tests.support.paths import ROOT

EXAMPLE = ROOT / "tests" / "data" / "profile.example.toml"
TEXT = EXAMPLE.read_text()
DEMO_PROFILES = sorted((ROOT / "services" / "demo" / "profiles").glob("*.toml"))
STEP0 = "profile.toml:{line}: playbooks[0] (id 'lambda_timeouts').resolution[0]"


def _lines(text: str) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "profile.toml")
    return caught.value.lines


def _edit(*replacements: tuple[str, str]) -> str:
    text = TEXT
    for old, new in replacements:
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    return text


def test_an_unknown_action_is_one_line_with_a_suggestion() -> None:
    lines = _lines(_edit(('action = "lambda.set-timeout"', 'action = "lambda.set-timout"')))
    assert lines == [STEP0.format(line=161) + ".action: unknown action 'lambda.set-timout' "
                                              "(did you mean lambda.set-timeout?)"]


def test_an_unknown_action_without_a_near_one_points_to_the_list() -> None:
    lines = _lines(_edit(('action = "lambda.set-timeout"', 'action = "pager.call-someone"')))
    assert lines == [STEP0.format(line=161) + ".action: unknown action 'pager.call-someone' "
                                              "(cockpit actions lists them)"]


def test_an_action_id_in_the_wrong_case_is_suggested_in_the_right_one() -> None:
    lines = _lines(_edit(('action = "lambda.set-timeout"', 'action = "Lambda.Set-Timeout"')))
    assert lines == [STEP0.format(line=161) + ".action: unknown action 'Lambda.Set-Timeout' "
                                              "(did you mean lambda.set-timeout?)"]


@pytest.mark.parametrize("params, problem", [
    ("{ timeout = 9000 }", ".params.timeout: Input should be less than or equal to 900, got 9000"),
    ("{ timeout = 0 }", ".params.timeout: Input should be greater than or equal to 1, got 0"),
    ('{ timeout = "ten minutes" }', (".params.timeout: Input should be a valid integer, unable to parse string "
                                    "as an integer, got 'ten minutes'")),
    ("{ timout = 600 }", ".params.timout: unknown parameter 'timout' (lambda.set-timeout takes: timeout)"),
])
def test_parameters_are_checked_against_the_action_model_and_its_ranges(params: str, problem: str) -> None:
    lines = _lines(_edit(("params = { timeout = 600 }", f"params = {params}")))
    assert lines == [STEP0.format(line=163) + problem]


def test_a_parameter_of_an_action_that_takes_none() -> None:
    text = _edit(('action = "lambda.set-timeout"', 'action = "alarm.disable-actions"'),
                 ('target = "customer-sentra-scanner"', 'target = "sentra-lambda-duration"'))
    assert _lines(text) == [STEP0.format(line=163) + ".params.timeout: unknown parameter 'timeout' "
                                                     "(alarm.disable-actions takes no parameters)"]


def test_a_cross_field_rule_of_the_action_is_checked_too() -> None:
    text = _edit(('action = "lambda.set-timeout"', 'action = "logs.export-to-s3"'),
                 ('target = "customer-sentra-scanner"', 'target = "/aws/lambda/customer-sentra-scanner"'),
                 ("params = { timeout = 600 }", 'params = { bucket = "forensics", from_ms = 2000, to_ms = 1000 }'))
    assert _lines(text) == [STEP0.format(line=163) + ".params: from_ms must be before to_ms"]


@pytest.mark.parametrize("action, target, kind", [
    ("lambda.set-timeout", "customer sentra scanner", "a Lambda function name or ARN"),
    ("ec2.nacl-deny", "sg-0123456789abcdef0", "a network ACL id (acl-…)"),
    ("iam.deny-all", "compromised-user", "user/NAME or role/NAME"),
    ("postgres.terminate", "the blocker", "a backend pid (a number)"),
    ("sqs.purge", "results queue", "an SQS queue name, URL or ARN"),
])
def test_a_target_that_cannot_be_what_the_action_acts_on(action: str, target: str, kind: str) -> None:
    text = _edit(('action = "lambda.set-timeout"', f'action = "{action}"'),
                 ('target = "customer-sentra-scanner"', f'target = "{target}"'),
                 ("params = { timeout = 600 }", ""))
    lines = _lines(text)
    assert lines == [STEP0.format(line=162) + f".target: {target!r} is not {kind}"], lines


def test_an_empty_target_or_a_missing_parameter_is_asked_for_when_the_step_runs() -> None:
    profile = parse_profile(_edit(('target = "customer-sentra-scanner"', 'target = ""'),
                                  ("params = { timeout = 600 }", "")), "profile.toml")
    step = profile.playbooks[0].resolution[0]
    assert (step.action, step.target, step.params) == ("lambda.set-timeout", "", {})


def test_diagnosis_references_each_get_their_own_line() -> None:
    text = _edit(('diagnosis = ["metric:duration", "query:processing_errors"]',
                  'diagnosis = [\n  "metric:durration",\n  "query:processing_error",\n  "dashboard:main",\n]'))
    assert _lines(text) == [
        ("profile.toml:159: playbooks[0] (id 'lambda_timeouts').diagnosis[0]: 'metric:durration': "
        "no metric with id 'durration' (did you mean metric:duration?)"),
        ("profile.toml:160: playbooks[0] (id 'lambda_timeouts').diagnosis[1]: 'query:processing_error': "
        "no query with id 'processing_error' (did you mean query:processing_errors?)"),
        ("profile.toml:161: playbooks[0] (id 'lambda_timeouts').diagnosis[2]: 'dashboard:main': "
        "expected metric:ID, query:ID, resource:ID or health:ID"),
    ]


def test_a_diagnosis_naming_a_hidden_metric_would_open_nothing() -> None:
    lines = _lines(_edit(('diagnosis = ["metric:duration"', 'diagnosis = ["metric:errors"')))
    assert lines == [("profile.toml:158: playbooks[0] (id 'lambda_timeouts').diagnosis[0]: 'metric:errors': "
                     "metric 'errors' is hidden: it has no tile to open")]


def test_every_problem_of_every_playbook_is_reported_at_once() -> None:
    text = _edit(('action = "lambda.set-timeout"', 'action = "lambda.set-timout"'),
                 ("params = { memory = 1024 }", "params = { memory = 64 }"),
                 ("params = { concurrency = 0 }", "params = { concurency = 0 }"),
                 ('diagnosis = ["query:memory"]', 'diagnosis = ["query:memroy"]'))
    lines = _lines(text)
    assert [line.split(": ")[0] for line in lines] == ["profile.toml:161", "profile.toml:170", "profile.toml:175",
                                                       "profile.toml:187"], lines
    assert "params.memory: Input should be greater than or equal to 128, got 64" in lines[2]
    assert "params.concurency: unknown parameter 'concurency' (lambda.set-concurrency takes: concurrency)" in lines[3]


@pytest.mark.parametrize("path", [EXAMPLE, *DEMO_PROFILES], ids=lambda path: path.name)
def test_the_example_and_every_demo_profile_still_load(path: Path) -> None:
    profile = load_profile(path)
    assert profile.system.name


def test_the_demo_profiles_are_all_here() -> None:
    assert len(DEMO_PROFILES) == 5


def test_loading_a_profile_with_playbooks_imports_no_sdk() -> None:
    """The catalog is imported to check the steps; it must not pull boto3, docker or psycopg."""
    code = ("import sys\nfrom services.profile import load_profile\n"
            f"profile = load_profile({str(EXAMPLE)!r})\nassert profile.playbooks[0].resolution\n"
            "print(sorted(m for m in ('boto3', 'botocore', 'docker', 'psycopg') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("command", [["check"], ["run"], ["plan", "lambda.set-timeout", "f", "timeout=60"]])
def test_every_command_refuses_the_profile_with_exit_2_and_the_line(command: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "my.toml"
    bad.write_text(_edit(('action = "lambda.set-timeout"', 'action = "lambda.set-timout"')))
    cockpit = Path(sys.executable).with_name("cockpit")
    argv = [str(cockpit), *command, "--profile", str(bad), "--log", str(tmp_path / "log")]
    if command[0] == "plan":
        argv.remove("--log")
        argv.remove(str(tmp_path / "log"))
    result = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr[-800:]
    assert (f"{bad}:161: playbooks[0] (id 'lambda_timeouts').resolution[0].action: unknown action "
            f"'lambda.set-timout' (did you mean lambda.set-timeout?)") in result.stderr
    assert "Traceback" not in result.stderr and "known:" not in result.stderr


def test_playbook_problems_are_listed_with_the_other_fields_problems() -> None:
    """One ``cockpit check`` shows everything: a wrong statistic does not hide a wrong step."""
    lines = _lines(_edit(('stat = "Maximum"', 'stat = "Maximun"'),
                         ('action = "lambda.set-timeout"', 'action = "lambda.set-timout"')))
    assert [line.split(": ")[0] for line in lines] == ["profile.toml:35", "profile.toml:161"], lines
