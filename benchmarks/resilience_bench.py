"""Resilience budgets: idle CPU of the demo (cockpit and emulator apart), memory over a
simulated hour of log traffic, bytes/s on plain terminals (NO_COLOR, TERM=xterm).

Figures on a loaded 2-core machine are noisy: compare ratios within one run.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COCKPIT = str(Path(sys.executable).with_name("cockpit"))
TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def idle_cpu(seconds: float = 30.0) -> tuple[float, float]:
    """CPU % of one core of the cockpit and of its emulator child, the demo steady at 120×40 in tmux."""
    from tests.support.processes import descendants

    session = f"cockpit-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"{COCKPIT} demo"], check=True)
    try:
        deadline = time.monotonic() + 120
        while "in ALARM" not in subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                               text=True).stdout:
            if time.monotonic() > deadline:
                raise RuntimeError("the demo did not come up")
            time.sleep(0.5)  # poll
        time.sleep(10)  # warm-up: first refreshes, imports, gc.freeze
        pane = int(subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"], capture_output=True,
                                  text=True).stdout.split()[0])
        family = [pane, *descendants(pane)]
        cockpit = next(pid for pid in family if " demo" in _cmdline(pid) and "emulator" not in _cmdline(pid))
        emulator = next(pid for pid in family if "services.demo.emulator" in _cmdline(pid))
        before = (_cpu_seconds(cockpit), _cpu_seconds(emulator), time.monotonic())
        time.sleep(seconds)  # the measuring window
        after = (_cpu_seconds(cockpit), _cpu_seconds(emulator), time.monotonic())
        wall = after[2] - before[2]
        return 100 * (after[0] - before[0]) / wall, 100 * (after[1] - before[1]) / wall
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _simulated_hour(lines_per_second: int = 20) -> tuple[float, float, float]:
    """An hour of log traffic (72,000 lines) through the logs pane's real message handler, accelerated."""
    from textual.app import App

    from services.demo.catalog import scenario_profile_path
    from services.models import LogEvent
    from services.profile import load_profile
    from tui.messages import LogEventsArrived
    from tui.panes.logs import LogsPane

    profile = load_profile(scenario_profile_path("sentra-scanner"))
    settings = profile.cockpit.model_copy(update={"log_buffer": 20_000})

    class Host(App):
        def compose(self):
            yield LogsPane(profile.logs, settings)

    app = Host()
    start = datetime.now(UTC) - timedelta(hours=1)
    samples = []
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(LogsPane)
        for minute in range(60):
            events = [LogEvent(event_id=f"{minute}-{i}", group=profile.logs[0].group, stream="s",
                               timestamp=start + timedelta(seconds=minute * 60 + i / lines_per_second),
                               message=f"INFO request {minute}-{i} processed in {i % 997} ms " + "x" * (i % 120))
                      for i in range(60 * lines_per_second)]
            pane.post_message(LogEventsArrived(events, "polling"))
            await pilot.pause()
            if minute in (20, 59):  # the 20k-line buffer is full after ~17 min
                samples.append(_rss_mb())
    return samples[0], samples[1], samples[1] - samples[0]


def main() -> list[tuple[str, float, str, str]]:
    rows: list[tuple[str, float, str, str]] = []
    if shutil.which("tmux"):
        cockpit, emulator = idle_cpu()
        rows += [("idle CPU, cockpit process (demo)", round(cockpit, 1), "%", "≤ 3"),
                 ("idle CPU, emulator child (demo)", round(emulator, 1), "%", "info")]
    start, end, growth = asyncio.run(_simulated_hour())
    rows += [("RSS after 20 min of simulated logs", round(start, 1), "MB", "info"),
             ("RSS after 60 min of simulated logs", round(end, 1), "MB", "info"),
             ("RSS growth 20→60 min (buffer full)", round(growth, 1), "MB", "flat (bounded buffer)")]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from terminal_bytes import bytes_per_second

    plain = {k: v for k, v in os.environ.items() if k != "COLORTERM"}
    for label, term, env in (("NO_COLOR=1", "xterm-256color", plain | {"NO_COLOR": "1"}),
                             ("TERM=xterm", "xterm", plain)):
        rows.append((f"bytes/s demo 120×40, {label}", round(bytes_per_second([COCKPIT, "demo"], term=term, env=env)),
                     "B/s", "≤ 3500"))
    return rows


if __name__ == "__main__":
    for name, value, unit, goal in main():
        print(f"{name:44} {value:>10} {unit:4} {goal}")
