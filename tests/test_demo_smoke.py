"""``cockpit demo`` in a real terminal (tmux): it comes up live, quits, and leaves nothing running."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from tests.waiting import wait_for


def _capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc), so other demos on the machine are not counted."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_demo_runs_live_and_quits_cleanly(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is required (the README's test command installs it)"
    cockpit = Path(sys.executable).with_name("cockpit")
    session = f"cockpit-smoke-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path)}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                    "-e", f"XDG_STATE_HOME={tmp_path}", f"{cockpit} demo; echo EXITED $?; sleep 60"],
                   check=True, env=env)
    try:
        wait_for(lambda: "in ALARM" in _capture(session) and "lines · following" in _capture(session),
                 timeout=60, what="alarms and logs on screen")
        screen = _capture(session)
        assert "Sentra Scanner" in screen and "Processing duration" in screen
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)", screen).group(1))
        assert _port_open(port)
        pane_pid = int(subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"],
                                      capture_output=True, text=True, check=True).stdout.split()[0])
        emulators = [pid for pid in _descendants(pane_pid) if "services.demo.emulator" in _cmdline(pid)]
        assert len(emulators) == 1
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        wait_for(lambda: "EXITED 0" in _capture(session), timeout=30, what="the cockpit to exit")
        wait_for(lambda: not _port_open(port), timeout=10, what="the emulator's port to close")
        alive = [pid for pid in emulators if "services.demo.emulator" in _cmdline(pid)]
        assert not alive, f"emulator processes left running: {alive}"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_demo_list() -> None:
    result = subprocess.run([str(Path(sys.executable).with_name("cockpit")), "demo", "--list"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("sentra-scanner")


def test_a_terminal_hang_up_leaves_nothing_running(tmp_path: Path) -> None:
    """An SSH drop: tmux kills the pane, the cockpit and its emulator must both go."""
    cockpit = Path(sys.executable).with_name("cockpit")
    session = f"cockpit-hup-{uuid.uuid4().hex[:8]}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                    "-e", f"XDG_STATE_HOME={tmp_path}", f"exec {cockpit} demo"], check=True)
    try:
        wait_for(lambda: "lines · following" in _capture(session), timeout=60, what="the demo on screen")
        pane_pid = int(subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"],
                                      capture_output=True, text=True, check=True).stdout.split()[0])
        ours = [pane_pid, *_descendants(pane_pid)]
        assert any("services.demo.emulator" in _cmdline(pid) for pid in ours)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    wait_for(lambda: not any(_cmdline(pid) for pid in ours), timeout=60, what="the cockpit and its emulator to exit")
