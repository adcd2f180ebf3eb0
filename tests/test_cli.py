"""``cockpit``'s parser: each command is reached through it, the AWS flags are one set shared by all."""
from __future__ import annotations

import ast
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.aws.session import AwsTarget
from services.profile import AwsSpec
from tests.support.imports import imported_after
from tests.support.paths import ROOT
from tui.cli import actions, check, demo, incident, loading, run, tail
from tui.cli.main import build_parser, main

PROFILE = str(ROOT / "services" / "demo" / "profiles" / "sentra-scanner.toml")
AWS_FLAGS = ["--region", "eu-west-3", "--endpoint-url", "http://127.0.0.1:9", "--aws-profile", "ops"]
# The commands that talk to AWS, each with the arguments it requires
AWS_COMMANDS = {"run": ["--profile", "p.toml"], "check": ["--profile", "p.toml"],
                "plan": ["lambda.set-timeout", "f", "timeout=60", "--profile", "p.toml"], "tail": ["g"]}


@pytest.fixture
def root_logging() -> Iterator[None]:
    """``check`` points the root logger at its log file; the tests after this one keep theirs."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:], root.level = handlers, level


@pytest.mark.parametrize("words, func", [
    (["run", "--profile", "p.toml"], run.run_app),
    (["demo"], demo.run_demo),
    (["check", "--profile", "p.toml"], check.run_check),
    (["tail", "g"], tail.run_tail),
    (["actions"], actions.run_actions),
    (["plan", "a.b", "t", "--profile", "p.toml"], actions.run_plan),
    (["report", "t.jsonl"], incident.run_report),
    (["note", "hi", "--profile", "p.toml"], incident.run_note),
])
def test_each_command_dispatches_to_its_own_function(words: list[str], func) -> None:
    assert build_parser().parse_args(words).func is func


@pytest.mark.parametrize("command", sorted(AWS_COMMANDS))
def test_every_aws_command_takes_the_shared_aws_flags(command: str) -> None:
    args = build_parser().parse_args([command, *AWS_COMMANDS[command], *AWS_FLAGS])
    assert loading.aws_target(args, None) == AwsTarget(region="eu-west-3", profile="ops", endpoint_url="http://127.0.0.1:9")


@pytest.mark.parametrize("command", ["demo", "actions", "report", "note"])
def test_commands_that_do_not_talk_to_aws_reject_the_aws_flags(command: str) -> None:
    needs = {"report": ["t.jsonl"], "note": ["hi", "--profile", "p.toml"]}.get(command, [])
    with pytest.raises(SystemExit) as exited:
        main([command, *needs, "--region", "eu-west-3"])
    assert exited.value.code == 2


def test_the_flags_override_the_profile_and_the_role_comes_from_the_profile() -> None:
    args = build_parser().parse_args(["check", "--profile", "p.toml", "--region", "eu-west-3"])
    role = "arn:aws:iam::123456789012:role/oncall"
    expected = AwsTarget(region="eu-west-3", profile="prod", endpoint_url=None, role_arn=role)
    peeked = {"region": "us-east-1", "profile": "prod", "role_arn": role}  # `run` reads the TOML only
    assert loading.aws_target(args, peeked) == expected
    assert loading.aws_target(args, AwsSpec(**peeked)) == expected  # the others validate it first


def test_check_uses_the_endpoint_flag_over_the_profiles(moto: str, tmp_path: Path, root_logging, capsys) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('[system]\nname = "x"\n[aws]\nregion = "us-east-1"\nendpoint_url = "http://127.0.0.1:9"\n')
    code = main(["check", "--profile", str(profile), "--endpoint-url", moto, "--region", "eu-west-1",
                 "--log", str(tmp_path / "cockpit.log")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.split() == ["ok", "aws", "account", "123456789012", "via", "eu-west-1", "·", moto]


def test_dispatch_reaches_each_command(tmp_path: Path, root_logging, capsys) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text('[system]\nname = "x"\n')
    assert main(["actions"]) == 0
    assert capsys.readouterr().out.split()[0] == "lambda.set-timeout"
    assert main(["check", "--profile", str(empty), "--log", str(tmp_path / "cockpit.log")]) == 0
    assert capsys.readouterr().out == "nothing to check: the profile configures no source\n"
    assert main(["demo", "--list"]) == 0
    assert capsys.readouterr().out.split()[0] == "sentra-scanner"
    assert main(["tail", "--profile", str(empty)]) == 2
    assert capsys.readouterr().err.startswith("cockpit tail: name at least one log group")
    assert main(["plan", "lambda.reboot", "x", "--profile", PROFILE]) == 2
    assert capsys.readouterr().err.startswith("cockpit plan: bad input: unknown action 'lambda.reboot'")
    assert main(["report", str(tmp_path / "none.jsonl")]) == 2
    assert capsys.readouterr().err == f"cockpit report: {tmp_path / 'none.jsonl'}: no such timeline\n"
    assert main(["note", "checked", "the", "queue", "--profile", str(empty), "--timeline", str(tmp_path / "t.jsonl")]) == 0
    assert capsys.readouterr().out.rstrip().endswith(": checked the queue")
    assert json.loads((tmp_path / "t.jsonl").read_text().splitlines()[-1])["detail"] == "checked the queue"


def test_run_is_the_default_command_and_reports_a_wrong_profile(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--read-only"])
    assert exited.value.code == 2
    assert "cockpit run: error: the following arguments are required: --profile/-p" in capsys.readouterr().err
    broken = tmp_path / "broken.toml"
    broken.write_text('[system]\nname = "x"\n[metrics\n')
    with pytest.raises(SystemExit) as exited:
        main(["--profile", str(broken)])
    assert exited.value.code == 2
    assert capsys.readouterr().err.startswith(f"{broken}:3:")


def test_no_command_prints_the_help_and_an_unknown_one_exits_2(capsys) -> None:
    assert main([]) == 2
    listed = capsys.readouterr().out
    assert all(f"    {name} " in listed for name in ("run", "demo", "check", "tail", "actions", "plan", "report", "note"))
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate", "--profile", PROFILE])
    assert exited.value.code == 2
    assert "unrecognized arguments: frobnicate" in capsys.readouterr().err


def test_parsing_the_command_line_loads_no_sdk_pydantic_or_textual() -> None:
    imported = imported_after("import tui.cli.main\ntui.cli.main.build_parser().parse_args(['check', '-p', 'p'])")
    assert "tui.cli.check" in imported and "tui.cli.loading" in imported
    heavy = {"boto3", "botocore", "docker", "psycopg", "pydantic", "textual"}
    assert not {name for name in imported if name.split(".")[0] in heavy}


def test_no_command_module_imports_another() -> None:
    shared = {"tui.cli.loading", "tui.cli.launch"}
    commands = [actions, check, demo, incident, run, tail]
    for module in commands:
        assert module.__file__ is not None
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert {name for name in imported if name.startswith("tui.cli")} <= shared, module.__name__
        assert "tui.cli.loading" in imported, module.__name__
