"""Runbook 001's Athena investigation as playbook steps of the mantissa-log demo.

The demo's emulator (moto's server in this process, as ``cockpit demo`` runs it in its
child) answers the runbook's SQL from the scenario's CloudTrail events; the cockpit goes
through Athena's API as in production: start, poll, results with the header row dropped.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable

from services.aws.session import AwsTarget
from services.demo.athena_tables import answer
from services.demo.catalog import scenario_profile_path
from services.demo.emulator import DEMO_CREDENTIALS, DEMO_REGION, Emulator
from services.demo.scenarios.mantissa_log import COMPROMISED_PRINCIPAL, MantissaLog
from services.profile import load_profile
from tests.support.apps import current_screen
from tests.support.demo_scenarios import jump_to_incident, tick
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.cli.main import main
from tui.screens.dashboard import DashboardScreen
from tui.screens.playbook import PlaybookScreen
from tui.screens.query import QueryScreen
from tui.screens.query_params import QueryParamsScreen

pytestmark = pytest.mark.aws


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    running = Emulator("mantissa-log", port=0)
    running.start()
    scenario = running.scenario
    assert isinstance(scenario, MantissaLog)
    jump_to_incident(scenario)  # the escalation: failed logins, then AttachUserPolicy from the attacker
    tick(scenario, 6)
    yield running
    running.stop()


@pytest.fixture
def demo_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in DEMO_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", DEMO_REGION)
    return emulator.endpoint


def test_the_ip_activity_query_finds_the_attackers_logins_and_escalation(demo_env: str, capsys) -> None:
    code = main(["query", "ip_activity", "--profile", str(scenario_profile_path("mantissa-log")),
                 "--endpoint-url", demo_env, "--region", DEMO_REGION, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = [json.loads(line) for line in out.splitlines()]
    names = {row["eventname"] for row in rows}
    assert names == {"ConsoleLogin", "AttachUserPolicy"}, names  # only the attacker's address, no header row
    assert all(row["principalid"] == COMPROMISED_PRINCIPAL for row in rows)
    assert [row["eventtime"] for row in rows] == sorted((row["eventtime"] for row in rows), reverse=True)
    # Another address: the parameter reaches the SQL, and nothing of the attacker comes back.
    assert main(["query", "ip_activity", "--profile", str(scenario_profile_path("mantissa-log")), "--endpoint-url",
                 demo_env, "--region", DEMO_REGION, "--param", "ip=10.20.4.17", "--json"]) == 0
    assert {json.loads(line)["eventname"] for line in capsys.readouterr().out.splitlines()} == {"GetObject"}


def test_the_demo_sql_reader_follows_the_runbooks_shape() -> None:
    rows = [{"eventname": "AttachUserPolicy", "eventsource": "iam.amazonaws.com", "n": 3, "u": {"id": "A"}},
            {"eventname": "GetObject", "eventsource": "s3.amazonaws.com", "n": 20, "u": {"id": "B"}},
            {"eventname": "PutRolePolicy", "eventsource": "iam.amazonaws.com", "n": 10, "u": {"id": "C"}}]
    tables = {"t": rows}.get
    sql = ("SELECT u.id, eventname, n / 2 AS n FROM t WHERE eventsource = 'iam.amazonaws.com' "
           "AND eventname IN ('AttachUserPolicy', 'PutRolePolicy') ORDER BY n DESC LIMIT 5")
    assert answer(sql, tables, lambda _: []) == (["id", "eventname", "n"], [["C", "PutRolePolicy", "10"],
                                                                            ["A", "AttachUserPolicy", "3"]])
    assert answer("SELECT * FROM missing", tables, lambda _: []) is None
    assert answer("SHOW PARTITIONS t", tables, lambda _: ["year=2026/month=12/day=03"]) == (
        ["partition"], [["year=2026/month=12/day=03"]])


async def test_the_p1_playbook_runs_the_athena_triage_from_its_diagnosis(demo_env: str, tmp_path: Path) -> None:
    profile = load_profile(scenario_profile_path("mantissa-log"))
    book = next(book for book in profile.playbooks if book.id == "p1_containment")
    assert "query:ip_activity" in book.diagnosis and "query:privilege_escalations" in book.diagnosis
    app = CockpitApp(profile, AwsTarget(region=DEMO_REGION, endpoint_url=demo_env))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        app.open_playbook("p1_containment")
        await until(pilot, lambda: isinstance(app.screen, PlaybookScreen), what="the playbook")
        await pilot.press("down", "enter")  # metric:critical_alerts, then query:ip_activity
        await until(pilot, lambda: isinstance(app.screen, QueryParamsScreen), what="the parameter form")
        await pilot.press("enter")  # the runbook's address, pre-filled
        await until(pilot, lambda: isinstance(app.screen, QueryScreen), what="the query screen")
        screen = current_screen(app, QueryScreen)
        await until(pilot, lambda: bool(screen.history.runs) and not screen.history.runs[-1].running, timeout=30,
                    what="the Athena run")
        assert screen.history.runs[-1].query_id == "ip_activity"
        table = screen.query_one("#results", DataTable)
        cells = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        assert cells and all(row[1] in ("ConsoleLogin", "AttachUserPolicy") for row in cells), cells
        assert any("AdministratorAccess" in " ".join(row) for row in cells)
