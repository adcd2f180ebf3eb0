"""The cockpit as a process: a bug in a worker, ``kill -9`` during an action, small and plain terminals."""
from __future__ import annotations

import json
import logging
import os
import re
import signal
from pathlib import Path

import pytest

from tests.support.apps import current_screen
from tests.support.paths import COCKPIT
from tests.support.processes import cmdline, descendants
from tests.support.waiting import until, wait_for
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from widgets.alarm_table import AlarmTable
from widgets.pane_title import PaneTitle


async def test_a_worker_bug_is_shown_in_its_pane_logged_with_its_traceback_and_the_rest_goes_on(
        demo_profile, aws_target, sentra, boto, tmp_path, monkeypatch) -> None:
    from tui.cli.launch import configure_logging

    root = logging.getLogger()
    handlers = list(root.handlers)
    configure_logging(None)  # the default: under the user's state directory (XDG_STATE_HOME here)
    log_file = tmp_path / "state" / "incident-cockpit" / "cockpit.log"
    try:
        app = CockpitApp(demo_profile, aws_target)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.metrics_source is not None,
                        what="metrics connected")
            screen = current_screen(app, DashboardScreen)

            def broken(*args, **kwargs):
                raise RuntimeError("boom: a bug in the metrics source")

            monkeypatch.setattr(screen.metrics_source, "fetch", broken)
            await pilot.press("r")
            title = screen.query_one("#metrics-title", PaneTitle)
            await until(pilot, lambda: "unexpected RuntimeError: boom" in title.status, what="the bug in its pane")
            assert "retrying in" in title.status and "Traceback" not in title.status
            # The other panes keep updating: an alarm change made now shows up.
            boto("cloudwatch").set_alarm_state(AlarmName="sentra-lambda-duration", StateValue="ALARM", StateReason="x")
            table = screen.query_one(AlarmTable)
            await until(pilot, lambda: any(r.name == "sentra-lambda-duration" and r.state == "ALARM"
                                           for r in table.rows_shown), what="alarms still live")
            assert app.is_running
        for handler in root.handlers:
            handler.flush()
        text = log_file.read_text()
        assert "metrics: unexpected error" in text and "Traceback (most recent call last)" in text
        assert "RuntimeError: boom: a bug in the metrics source" in text
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()


def _start_demo(tmux, tmp_path: Path, *, size: tuple[int, int] = (120, 40), env: dict[str, str] | None = None,
                args: str = ""):
    """The demo in a tmux pane; with ``env`` also without COLORTERM, as on a plain terminal."""
    return tmux.start(f"{COCKPIT} demo {args}", size=size, env={"XDG_STATE_HOME": str(tmp_path), **(env or {})},
                      unset=("COLORTERM",) if env else ())


@pytest.mark.aws  # the demo starts its own moto server
def test_kill_9_during_an_action_leaves_a_parsable_timeline_and_no_orphan(tmux, tmp_path: Path) -> None:
    timeline = tmp_path / "timeline.jsonl"
    session = _start_demo(tmux, tmp_path, args=f"--timeline {timeline} --log {tmp_path / 'cockpit.log'}")
    wait_for(lambda: "in ALARM" in session.capture(), timeout=90, what="the demo live")
    session.send("C-p")
    wait_for(lambda: "Search for commands" in session.capture() or "Action:" in session.capture(),
             what="the command palette")
    session.send("lambda.set-timeout", literal=True)
    wait_for(lambda: "lambda.set-timeout customer-sentra-scanner" in session.capture(), what="the action listed")
    session.send("Enter")
    wait_for(lambda: "Plan" in session.capture() and "timeout" in session.capture().lower(), what="the form")
    session.send("600", literal=True)
    session.send("Enter")
    wait_for(lambda: "--timeout 600" in session.capture().replace("\n", ""), what=lambda: f"the plan: {session.capture()}")
    below = descendants(session.pane_pid)
    cockpit = [pid for pid in below if " demo " in cmdline(pid) and "cockpit" in cmdline(pid)]
    emulators = [pid for pid in below if "services.demo.emulator" in cmdline(pid)]
    assert len(cockpit) == 1 and len(emulators) == 1, (cockpit, emulators)
    session.send("Enter")  # Run (focused: a low-risk action needs no typed name)
    wait_for(lambda: timeline.exists() and b'"confirmed"' in timeline.read_bytes(), what="the confirmed step")
    os.kill(cockpit[0], signal.SIGKILL)
    wait_for(lambda: "EXITED 137" in session.capture(), timeout=30, what="the cockpit killed")
    # The emulator watches its stdin: it goes with the cockpit, no orphan left serving.
    wait_for(lambda: not any("services.demo.emulator" in cmdline(pid) for pid in emulators), timeout=30,
             what="the emulator to exit")
    raw = timeline.read_bytes()
    assert raw.endswith(b"\n")  # whole lines only: each step is one fsync'd append
    events = [json.loads(line) for line in raw.splitlines()]
    steps = [event["step"] for event in events if event.get("action") == "lambda.set-timeout"]
    assert steps[:2] == ["planned", "confirmed"]
    assert steps[-1] in ("confirmed", "started", "succeeded", "verified")  # the last step before the kill is there


@pytest.mark.aws  # the demo starts its own moto server
@pytest.mark.parametrize("env", [
    {"NO_COLOR": "1"},
    {"TERM": "xterm"},
    {"NO_COLOR": "1", "TERM": "xterm"},
], ids=["no-color", "xterm", "both"])
def test_80x24_in_tmux_plain_terminals(env: dict[str, str], tmux, tmp_path: Path) -> None:
    session = _start_demo(tmux, tmp_path, size=(80, 24), env=env)
    wait_for(lambda: "ALARM" in session.capture() and "lines" in session.capture(), timeout=90,
             what=lambda: f"the demo at 80x24: {session.capture()}")
    screen = session.capture()
    rows = screen.splitlines()
    assert len(rows) <= 24 and all(len(row) <= 80 for row in rows)
    assert "Sentra Scanner" in screen  # the header
    for title in ("METRICS", "ALARMS", "LOGS"):
        assert title in screen.upper(), title
    assert re.search(r"\bok\b|ALERT|CRIT", screen), screen  # bands spelled out: no colour needed
    assert "Traceback" not in screen
    styled = session.capture(styled=True)
    if env.get("TERM") == "xterm":  # no truecolor, no 256-colour escapes on a plain xterm
        assert "38;2;" not in styled and "48;2;" not in styled and "38;5;" not in styled
    if env.get("NO_COLOR"):  # no colour at all: the terminal's own default colours (not black on black)
        assert not re.search(r"\x1b\[[0-9;]*(?:3|4)8;[25];", styled), styled[:400]
    session.send("q")
    wait_for(lambda: "EXITED 0" in session.capture(), timeout=30, what="a clean exit")
