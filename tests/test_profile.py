"""Profiles: the contract example loads unchanged; every kind of mistake is located and exits 2."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from services.profile import ProfileError, load_profile, parse_profile
from tests.support.paths import DATA

EXAMPLE = DATA / "profile.example.toml"  # the design's contract, copied unchanged
INVESTIGATE = DATA / "profile.investigate.toml"  # part 2 of the contract, copied unchanged


def test_the_contract_example_loads_unchanged() -> None:
    profile = load_profile(EXAMPLE)
    assert profile.system.name == "Sentra Scanner"
    assert [m.id for m in profile.tiles] == ["duration", "invocations", "error_rate", "sqs_failures", "files_processed"]
    assert profile.metrics[1].hidden and profile.metrics[5].direction == "below"
    assert profile.alarms and profile.alarms.prefixes == ["sentra-", "SentraScanner-"]
    assert profile.playbooks[0].resolution[0].params == {"timeout": 600}


def test_the_demo_profile_is_the_example_plus_demo_settings(demo_profile) -> None:
    example = load_profile(EXAMPLE)
    # Plus the memory tile runbook 000's table has (Lambda Insights; the contract's example predates it).
    assert [m for m in demo_profile.metrics if m.id != "memory"] == example.metrics
    assert [m.id for m in demo_profile.metrics if m not in example.metrics] == ["memory"]
    assert demo_profile.alarms == example.alarms
    assert demo_profile.logs == example.logs and demo_profile.queries == example.queries
    assert demo_profile.cockpit.metrics_refresh == 5


def test_only_the_system_name_is_required() -> None:
    profile = parse_profile('[system]\nname = "Just logs"\n[[logs]]\ngroup = "/aws/lambda/x"\n')
    assert profile.system.name == "Just logs" and profile.metrics == [] and profile.logs[0].title == "x"


BAD = EXAMPLE.read_text()

CASES = {
    "bad toml": (BAD.replace('[alarms]', '[alarms'), r"profile.toml:\d+:\d+: invalid TOML"),
    "unknown field": (BAD.replace('hidden = true', 'hiden = true'),
                      r"profile.toml:49: metrics\[1\] \(id 'errors'\)\.hiden: unknown field 'hiden' \(expected one of: .*hidden"),
    "wrong type": (BAD.replace('period = 300', 'period = "five minutes"'),
                   r"profile.toml:\d+: metrics\[4\] \(id 'sqs_failures'\)\.period: .*integer.*got 'five minutes'"),
    "missing required": (BAD.replace('name = "Sentra Scanner"', 'title = "Sentra"'),
                         r"profile.toml:\d+: system\.name: required field is missing"),
    "threshold not a number": (BAD.replace('alert = 5\n', 'alert = "high"\n'),
                               r"profile.toml:65: metrics\[3\] \(id 'error_rate'\)\.alert: .*number.*got 'high'"),
    "expression naming unknown ids": (
        BAD.replace('100 * errors / invocations', '100 * errs / invocations'),
        r"profile.toml:63: metrics\[3\] \(id 'error_rate'\)\.expression: names unknown metric id\(s\) errs"),
    "duplicate ids": (BAD.replace('id = "invocations"', 'id = "errors"'),
                      r"metrics\[2\] \(id 'errors'\)\.id: duplicate metric id 'errors'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_wrong_profile_names_file_line_and_field(case: str, tmp_path: Path) -> None:
    text, pattern = CASES[case]
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "profile.toml")
    assert any(re.search(pattern, line) for line in caught.value.lines), caught.value.lines


def test_the_cli_prints_the_error_and_exits_2_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD.replace('alert = 5\n', 'alert = "high"\n'))
    for command in (["check"], ["run"], []):
        result = subprocess.run([sys.executable, "-m", "tui.cli.main", *command, "--profile", str(bad)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert f"{bad}:65: metrics[3] (id 'error_rate').alert:" in result.stderr
        assert "Traceback" not in result.stderr


def test_an_unreadable_profile_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(tmp_path / "missing.toml")
    assert caught.value.lines == [f"{tmp_path / 'missing.toml'}: cannot read profile: No such file or directory"]


def test_the_investigation_contract_loads() -> None:
    profile = load_profile(INVESTIGATE)
    assert profile.system.name == "Mantissa Log"
    assert [query.id for query in profile.queries] == ["ip_activity", "stuck_scans", "alert", "api_errors"]
    assert [query.engine for query in profile.queries] == ["athena", "postgres", "dynamodb", "prometheus"]
    assert profile.queries[0].params == {"ip": "203.0.113.42"} and profile.queries[2].parameters == ["alert_id"]
    assert profile.prometheus and profile.prometheus.url == "http://127.0.0.1:9090"
    assert (profile.metrics[0].source, profile.metrics[0].query) == ("prometheus", "sum(rate(errors_total[5m]))")
    assert profile.health[0].headers == {"X-API-Key": "env:SENTRASCAN_API_KEY"}
    assert [(level.id, level.respond_within) for level in profile.incident.severities] == [("P0", "5m")]
