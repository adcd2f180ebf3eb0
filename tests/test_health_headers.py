"""Health checks with headers (``env:`` values, never shown) and a JSON list expectation.

Against the demo's own API server on loopback, which answers runbook 003's
``GET /api/v1/scans?limit=N`` only with the right ``X-API-Key``; ``cockpit check`` and the
health pane both go through ``HealthProbe``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from services.aws.session import AwsTarget
from services.demo.health_server import HealthServer
from services.engines.health import HealthProbe, list_matches
from services.profile import ProfileError, load_profile, parse_profile
from services.profile.health import HealthSpec, ListExpectation
from tests.support.apps import notified, recording
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.cli.main import main
from tui.panes.health import HealthPane
from tui.screens.dashboard import DashboardScreen

KEY = "ak_test.Sekrit-Value-42"
SCANS: list[dict[str, object]] = [{"scan_id": "a", "scan_status": "completed", "passed": True},
         {"scan_id": "b", "scan_status": "completed", "passed": False},
         {"scan_id": "c", "scan_status": "running", "passed": None}]


@pytest.fixture
def api():
    served: list[dict[str, object]] = [dict(scan) for scan in SCANS]  # a test may fix a scan
    server = HealthServer(scans=lambda limit: served[:limit], api_key=KEY).start()
    server.served = served  # type: ignore[attr-defined]
    yield server
    server.stop()


def _scans_url(server: HealthServer, limit: int = 5) -> str:
    return server.url.replace("/api/v1/health", f"/api/v1/scans?limit={limit}")


def _spec(server: HealthServer, **extra) -> HealthSpec:
    return HealthSpec.model_validate({"id": "recent_scans", "name": "scans", "url": _scans_url(server),
                                      "headers": {"X-API-Key": "env:TEST_SCANS_KEY"}, **extra})


def test_the_header_is_read_from_the_environment_and_never_shown(api, monkeypatch) -> None:
    monkeypatch.setenv("TEST_SCANS_KEY", KEY)
    result = HealthProbe(_spec(api, expect_list={"where": {"passed": False}, "max": 0})).check()
    assert result.status == 200
    assert (result.ok, result.matched, result.detail) == (False, False, "1 of 3 where passed=false (at most 0)")
    assert KEY not in repr(result)
    # The failed scan is fixed: the same check passes.
    api.served[1]["passed"] = True
    result = HealthProbe(_spec(api, expect_list={"where": {"passed": False}, "max": 0})).check()
    assert (result.ok, result.detail) == (True, "0 of 3 where passed=false")


def test_a_wrong_key_is_the_servers_401_and_an_unset_variable_sends_nothing(api, monkeypatch) -> None:
    monkeypatch.setenv("TEST_SCANS_KEY", "not-the-key")
    result = HealthProbe(_spec(api, expect_list={"min": 1})).check()
    assert (result.ok, result.status) == (False, 401)
    monkeypatch.delenv("TEST_SCANS_KEY")
    before = api.requests
    result = HealthProbe(_spec(api, expect_list={"min": 1})).check()
    assert (result.ok, result.status, result.detail) == (False, None, "header X-API-Key: $TEST_SCANS_KEY is not set")
    assert api.requests == before  # no request went out without its key


def test_list_expectations_count_and_bound() -> None:
    assert list_matches(SCANS, ListExpectation(min=3)) == (True, "3 of 3")
    assert list_matches(SCANS, ListExpectation(where={"scan_status": "running"}, max=0)) == (
        False, '1 of 3 where scan_status="running" (at most 0)')
    assert list_matches({"items": []}, ListExpectation(max=0)) == (False, "body is not a JSON list")


@pytest.mark.parametrize(("field", "message"), [
    ('expect_list = { where = { passed = false } }', "expect_list needs min, max or both"),
    ('expect_list = { min = 3, max = 1 }', "min 3 is above max 1"),
    ('expect = { status = "ok" }\nexpect_list = { max = 0 }', "give expect (a JSON object) or expect_list"),
    ('headers = { "X-API-Key" = "env:1BAD" }', "env: names an environment variable"),
])
def test_a_wrong_health_entry_names_its_line(field: str, message: str) -> None:
    text = f'[system]\nname = "x"\n\n[[health]]\nname = "scans"\nurl = "http://127.0.0.1:9/x"\n{field}\n'
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "p.toml")
    assert any(line.startswith("p.toml:") and message in line for line in caught.value.lines), caught.value.lines


def _profile_text(url: str, scans_url: str, diagnosis: str = '"health:recent_scans"') -> str:
    return f'''[system]
name = "Scans"

[[health]]
name = "API"
url = "{url}"
expect = {{ status = "ok" }}

[[health]]
id = "recent_scans"
name = "scans"
url = "{scans_url}"
headers = {{ "X-API-Key" = "env:TEST_SCANS_KEY" }}
expect_list = {{ where = {{ passed = false }}, max = 0 }}
interval = 60

[[playbooks]]
id = "failed"
title = "Failed scans"
diagnosis = [{diagnosis}]
'''


def test_a_health_reference_must_name_a_check() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(_profile_text("http://127.0.0.1:9/h", "http://127.0.0.1:9/s", '"health:recent_scan"'), "p.toml")
    assert caught.value.lines == [
        "p.toml:20: playbooks[0] (id 'failed').diagnosis[0]: 'health:recent_scan': no health check with id "
        "'recent_scan' (did you mean health:recent_scans?)"]


def test_check_runs_the_header_check_without_showing_the_key(api, monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setenv("TEST_SCANS_KEY", KEY)
    path = tmp_path / "scans.toml"
    path.write_text(_profile_text(api.url, _scans_url(api)))
    assert main(["check", "--profile", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  health scans" in out and "1 of 3 where passed=false (at most 0)" in out
    assert "ok    health API" in out
    assert KEY not in out


async def test_the_playbooks_health_item_checks_now_and_says_the_result(api, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEST_SCANS_KEY", KEY)
    path = tmp_path / "scans.toml"
    path.write_text(_profile_text(api.url, _scans_url(api)))
    app = recording(CockpitApp)(load_profile(path), AwsTarget())
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and bool(app.screen.query(HealthPane)),
                    what="dashboard")
        health = app.screen.query_one(HealthPane)
        await until(pilot, lambda: "scans" in health.results, what="the first check")
        first = health.results["scans"]
        assert first.detail == "1 of 3 where passed=false (at most 0)"
        api.served[1]["passed"] = True  # fixed; the next scheduled check is a minute away
        app.open_playbook("failed")
        await until(pilot, lambda: "Failed scans" in screen_text(app), what="the playbook")
        assert "▸ health:recent_scans" in screen_text(app)  # the only item, highlighted
        await pilot.press("enter")
        await until(pilot, lambda: health.results["scans"].checked_at > first.checked_at, what="a check now")
        assert health.results["scans"].ok and health.results["scans"].detail == "0 of 3 where passed=false"
        await until(pilot, lambda: any(m.startswith("OK · 200 · 0 of 3") for m in notified(app)), what="the toast")
        assert "Failed scans" in screen_text(app)  # still on the playbook
        assert KEY not in screen_text(app)
