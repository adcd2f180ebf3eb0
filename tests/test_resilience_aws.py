"""Resilience against AWS faults: each one is its own clear line in the pane, with backoff, and heals.

Faults real AWS produces but moto cannot (throttling, denied, expired token, garbage
answers, dropped connections) come from ``tests/fault_proxy.py`` in front of the real
moto server; the endpoint going away is a real moto server process killed and restarted.
"""
from __future__ import annotations

import random
import socket
import subprocess
import sys
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from services.errors import BadResponse, CredentialsExpired, Throttled, Unreachable
from tests.support.fault_proxy import FaultProxy
from tests.support.waiting import until, wait_for
from tui.app import CockpitApp
from tui.messages import SourceFailed
from tui.panes.logs import LogsPane
from tui.screens.dashboard import DashboardScreen
from widgets.alarm_table import AlarmTable
from widgets.log_tail import LogTail
from widgets.pane_title import PaneTitle

SOURCES = ("metrics", "alarms", "logs")


@pytest.fixture
def proxy(moto: str):
    proxy = FaultProxy(moto)
    yield proxy
    proxy.close()


def _titles(app: CockpitApp) -> dict[str, PaneTitle]:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return {source: screen.query_one(f"#{source}-title", PaneTitle) for source in SOURCES}


def _healthy(app: CockpitApp) -> bool:
    titles = _titles(app)
    return (all(title.level == "ok" for title in titles.values())
            and "alarms" in titles["alarms"].status and "tiles" in titles["metrics"].status
            and "lines" in titles["logs"].status)


async def _dashboard_with_data(app: CockpitApp, pilot, *, polling: bool = True) -> None:
    """Every pane with data; the logs in complete (polling) mode, so that each second's
    request meets the fault (an open Live Tail stream is, rightly, not cut by throttling)."""
    # Composed, not only pushed: the panes are queried next.
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and bool(app.screen.query(AlarmTable))
                and bool(app.screen.query(LogTail)), what="dashboard composed")
    await until(pilot, lambda: len(app.screen.query_one(AlarmTable).rows_shown) == 4, what="alarms")
    await until(pilot, lambda: app.screen.query_one(LogTail).line_count > 0, what="log lines")
    if polling:
        logs = app.screen.query_one(LogsPane)
        logs.action_toggle_mode()
        await until(pilot, lambda: logs.source.mode == "poll" and "live tail" not in _titles(app)["logs"].status,
                    what="logs polling")
    await until(pilot, lambda: _healthy(app), what=lambda: f"every pane ok: {[t.status for t in _titles(app).values()]}")


@pytest.mark.parametrize("mode, kind, error_type, words", [
    ("throttle", "throttled", Throttled, "ThrottlingException: Rate exceeded"),
    ("expired", "credentials expired", CredentialsExpired, "aws sso login"),
    ("malformed", "malformed response", BadResponse, "answered something not in its protocol"),
    ("drop", "unreachable", Unreachable, "Connection was closed"),
])
async def test_each_fault_is_one_clear_line_with_backoff_then_heals_by_itself(
        mode, kind, error_type, words, demo_profile, aws_target, sentra, proxy) -> None:
    failures: list[SourceFailed] = []
    app = CockpitApp(demo_profile, replace(aws_target, endpoint_url=proxy.url))
    hook = lambda message: failures.append(message) if isinstance(message, SourceFailed) else None  # noqa: E731
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await _dashboard_with_data(app, pilot)
        proxy.fault(mode)
        titles = _titles(app)
        await until(pilot, lambda: all(kind in title.status for title in titles.values()), timeout=60,
                    what=lambda: f"every pane saying {kind}: {[t.status for t in titles.values()]}")
        for source, title in titles.items():
            assert words in title.status and "retrying in" in title.status, (source, title.status)
            assert "Traceback" not in title.status and "\n" not in title.status
            assert title.level == "warning"
        assert {type(m.error) for m in failures} == {error_type}
        # Backoff: the same source's successive waits grow (2, 4, 8 s ± 20 %).
        await until(pilot, lambda: sum(m.source == "alarms" for m in failures) >= 2, timeout=60, what="a second failure")
        waits = [m.retry_in for m in failures if m.source == "alarms"]
        assert waits[0] is not None and waits[1] is not None and waits[1] > waits[0], waits
        assert sum(proxy.faulted.values()) > 0
        proxy.clear()
        await until(pilot, lambda: _healthy(app), timeout=60, what="every pane healed without a key press")
        assert app.is_running


async def test_access_denied_and_unsupported_are_their_own_lines_and_the_other_panes_go_on(
        demo_profile, aws_target, sentra, proxy) -> None:
    app = CockpitApp(demo_profile, replace(aws_target, endpoint_url=proxy.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await _dashboard_with_data(app, pilot)
        titles = _titles(app)
        proxy.fault("denied", "monitoring", "DescribeAlarms")
        proxy.fault("unsupported", "logs", "FilterLogEvents")
        await pilot.press("r")
        await until(pilot, lambda: titles["alarms"].status.startswith("access denied: AccessDeniedException: User:"),
                    what="alarms: access denied")
        await until(pilot, lambda: "not supported by this endpoint: logs.filter_log_events" in titles["logs"].status,
                    what="logs: not supported")
        assert titles["alarms"].level == titles["logs"].level == "error"  # waiting will not fix them
        assert "retrying in 60s" in titles["alarms"].status
        # Metrics are untouched and keep refreshing.
        before = titles["metrics"].status
        await pilot.press("r")
        await until(pilot, lambda: titles["metrics"].status != before, what="metrics refreshing")
        assert titles["metrics"].level == "ok"
        # Access is granted again: the next refresh shows the alarms.
        proxy.clear()
        await pilot.press("r")
        await until(pilot, lambda: titles["alarms"].level == "ok" and "alarms" in titles["alarms"].status,
                    what="alarms back")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_moto(port: int) -> subprocess.Popen:
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers() -> bool:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=2).status == 200
        except OSError:
            return False

    wait_for(answers, timeout=60, what="moto's server to answer")
    return server


def _seed(port: int) -> None:
    import boto3

    from services.demo.emulator import SERVICES
    from services.demo.scenarios.sentra_scanner import SentraScanner, utcnow

    clients = {name: boto3.client(name, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
               for name in SERVICES}
    SentraScanner(clients, rng=random.Random(3)).seed(utcnow())


async def test_the_endpoint_stopped_mid_session_and_started_again(demo_profile, aws_target) -> None:
    port = _free_port()
    server = _start_moto(port)
    try:
        _seed(port)
        app = CockpitApp(demo_profile, replace(aws_target, endpoint_url=f"http://127.0.0.1:{port}"))
        async with app.run_test(size=(120, 40)) as pilot:
            await _dashboard_with_data(app, pilot)
            server.kill()
            server.wait(timeout=30)
            titles = _titles(app)
            await until(pilot, lambda: all(t.status.startswith("unreachable") or "· unreachable" in t.status
                                           for t in titles.values()), timeout=90, what="every pane unreachable")
            assert all("retrying in" in t.status for t in titles.values())
            # Nothing froze: the UI still answers keys while the sources wait.
            await pilot.press("question_mark")
            await until(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen", what="help screen")
            await pilot.press("escape")
            server = _start_moto(port)  # same port; the emulator's state died with it
            _seed(port)
            await until(pilot, lambda: _healthy(app), timeout=90, what="every pane back by itself")
            assert len(app.screen.query_one(AlarmTable).rows_shown) == 4
    finally:
        server.kill()
        server.wait(timeout=30)
