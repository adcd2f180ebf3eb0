"""``cockpit demo`` in a real terminal (tmux): it comes up live, quits, and leaves nothing running."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import COCKPIT
from tests.support.processes import cmdline, descendants, port_open
from tests.support.waiting import wait_for


@pytest.mark.aws  # the demo starts its own moto server
def test_demo_runs_live_and_quits_cleanly(tmux, tmp_path: Path) -> None:
    session = tmux.start(f"{COCKPIT} demo", size=(120, 40), env={"XDG_STATE_HOME": str(tmp_path)})
    wait_for(lambda: "in ALARM" in session.capture() and "lines · following" in session.capture(),
             timeout=60, what="alarms and logs on screen")
    screen = session.capture()
    assert "Sentra Scanner" in screen and "Processing duration" in screen
    emulator = re.search(r"http://127\.0\.0\.1:(\d+)", screen)
    assert emulator is not None, screen
    port = int(emulator.group(1))
    assert port_open(port)
    emulators = [pid for pid in descendants(session.pane_pid) if "services.demo.emulator" in cmdline(pid)]
    assert len(emulators) == 1
    session.send("q")
    wait_for(lambda: "EXITED 0" in session.capture(), timeout=30, what="the cockpit to exit")
    wait_for(lambda: not port_open(port), timeout=10, what="the emulator's port to close")
    alive = [pid for pid in emulators if "services.demo.emulator" in cmdline(pid)]
    assert not alive, f"emulator processes left running: {alive}"


def test_demo_list() -> None:
    result = subprocess.run([str(COCKPIT), "demo", "--list"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("sentra-scanner")


@pytest.mark.aws  # the demo starts its own moto server
def test_a_terminal_hang_up_leaves_nothing_running(tmux, tmp_path: Path) -> None:
    """An SSH drop: tmux kills the pane, the cockpit and its emulator must both go."""
    session = tmux.start(f"{COCKPIT} demo", size=(100, 30), env={"XDG_STATE_HOME": str(tmp_path)}, keep=False)
    try:
        wait_for(lambda: "lines · following" in session.capture(), timeout=60, what="the demo on screen")
        ours = [session.pane_pid, *descendants(session.pane_pid)]
        assert any("services.demo.emulator" in cmdline(pid) for pid in ours)
    finally:
        session.kill()
    wait_for(lambda: not any(cmdline(pid) for pid in ours), timeout=60, what="the cockpit and its emulator to exit")
