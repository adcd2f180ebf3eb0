"""A metric's ``stat`` is checked when the profile loads, against what CloudWatch accepts.

A misspelt statistic used to load; every tile then went blank and the pane blamed the
endpoint ("not supported"). Now it is the profile's error, with its line and a suggestion.
Grammar: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.profile import ProfileError, parse_profile
from services.profile.statistics import statistic_problem
from tests.support.paths import ROOT

TEXT = (ROOT / "tests" / "data" / "profile.example.toml").read_text()
DURATION = "profile.toml:35: metrics[0] (id 'duration').stat: "

VALID = ["Sum", "Average", "Minimum", "Maximum", "SampleCount", "IQM", "p99", "p99.9", "p0.0", "p100", "p0",
         "p50.0123456789", "tm90", "tm99.5", "tc90", "ts90", "wm98", "TM(10%:90%)", "TM(2%:98%)", "TM(150:1000)",
         "TM(:95%)", "TS(80%:)", "TC(0.005:0.030)", "WM(10%:90%)", "PR(:300)", "PR(100:2000)", "PR(-5:5)"]


@pytest.mark.parametrize("stat", VALID)
def test_what_cloudwatch_accepts_loads(stat: str) -> None:
    profile = parse_profile(TEXT.replace('stat = "Maximum"', f'stat = "{stat}"', 1), "profile.toml")
    assert profile.metrics[0].stat == stat
    assert statistic_problem(stat) is None


@pytest.mark.parametrize("stat, problem", [
    ("Maximun", "unknown statistic 'Maximun' (did you mean Maximum?)"),
    ("maximum", "unknown statistic 'maximum' (did you mean Maximum?)"),
    ("avg", "unknown statistic 'avg' (did you mean Average?)"),
    ("Max", "unknown statistic 'Max' (did you mean Maximum?)"),
    ("P99", "unknown statistic 'P99' (did you mean p99?)"),
    ("TM90", "unknown statistic 'TM90' (did you mean tm90?)"),
    ("tm(10%:90%)", "unknown statistic 'tm(10%:90%)' (did you mean TM(10%:90%)?)"),
    ("Maximum ", "unknown statistic 'Maximum ' (did you mean Maximum?)"),
    ("p101", "'p101': a percentile is between 0 and 100"),
    ("tm100.5", "'tm100.5': a percentile is between 0 and 100"),
    ("p99.12345678901", "'p99.12345678901': at most 10 decimal places"),
    ("TM(90%:10%)", "'TM(90%:10%)': the lower bound must be below the upper one"),
    ("TM(10%:900)", "'TM(10%:900)': give both bounds as percentages or both as values"),
    ("TM(10%:190%)", "'TM(10%:190%)': a percentile is between 0 and 100"),
    ("PR(10%:90%)", "'PR(10%:90%)': PR's bounds are values of the metric, not percentages"),
    ("TM(:)", "'TM(:)': give at least one bound"),
])
def test_a_statistic_cloudwatch_rejects_is_the_profile_s_error(stat: str, problem: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(TEXT.replace('stat = "Maximum"', f'stat = "{stat}"', 1), "profile.toml")
    assert caught.value.lines == [DURATION + problem]


def test_something_that_looks_like_no_statistic_lists_the_forms() -> None:
    problem = statistic_problem("fastest")
    assert problem is not None and problem.startswith("unknown statistic 'fastest' (expected Sum, Average, ")
    assert "p99" in problem and "TM(10%:90%)" in problem and "PR(" in problem


def test_every_bad_statistic_has_its_own_line() -> None:
    text = TEXT.replace('stat = "Maximum"', 'stat = "Maximun"', 1).replace('stat = "Sum"', 'stat = "Summ"', 1)
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "profile.toml")
    assert caught.value.lines == [DURATION + "unknown statistic 'Maximun' (did you mean Maximum?)",
                                  ("profile.toml:47: metrics[1] (id 'errors').stat: unknown statistic 'Summ' "
                                  "(did you mean Sum?)")]


def test_cockpit_check_exits_2_with_the_line_before_asking_any_endpoint(tmp_path: Path) -> None:
    bad = tmp_path / "my.toml"
    bad.write_text(TEXT.replace('stat = "Maximum"', 'stat = "Maximun"', 1))
    result = subprocess.run([str(Path(sys.executable).with_name("cockpit")), "check", "--profile", str(bad),
                             "--endpoint-url", "http://127.0.0.1:9", "--log", str(tmp_path / "log")],
                            check=False, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr[-800:]
    assert result.stderr.splitlines() == [(f"{bad}:35: metrics[0] (id 'duration').stat: unknown statistic 'Maximun' "
                                          "(did you mean Maximum?)")]
