"""Metrics & alarms: one refresh of 200 metrics and 100 alarms against the emulator.

- API calls per refresh, counted with botocore's event hooks on the cockpit's own clients;
- time on the event loop per refresh: the panes' handlers, and the longest the loop was
  blocked (a probe that asks to wake every 5 ms and measures how late it wakes; goal: the
  UI thread never blocks more than 16 ms);
- bytes per second the metrics and alarms panes write to a 120×40 terminal (terminal_bytes),
  the demo's Sentra profile without its logs pane, against the demo's emulator.

moto's server runs in a child process, as in the demo: its work never holds this
interpreter's lock. Run standalone (``.venv/bin/python benchmarks/metrics_bench.py``) or
from ``benchmarks/run.py`` (``main()`` returns the rows).
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

METRICS = 200
ALARMS = 100
REFRESHES = 8
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
SERVER = """
import json, logging, sys, threading
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
print(json.dumps({"endpoint": f"http://{host}:{port}"}), flush=True)
sys.stdin.read()
server.stop()
"""


class Child:
    """A child process that prints one JSON line with its endpoint, and stops when stdin closes."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
        line = self.process.stdout.readline() if self.process.stdout else b""
        if not line:
            self.stop()
            raise RuntimeError(f"{command[:3]} did not start")
        self.endpoint = json.loads(line)["endpoint"]

    def stop(self) -> None:
        if self.process.poll() is None:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def seed(endpoint: str) -> None:
    import boto3

    cw = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    data = [{"MetricName": "Requests", "Dimensions": [{"Name": "Shard", "Value": str(shard)}],
             "Value": float((shard * 7 + minute * 3) % 150), "Timestamp": now - timedelta(minutes=minute)}
            for shard in range(METRICS) for minute in range(15)]
    for start in range(0, len(data), 1000):
        cw.put_metric_data(Namespace="Bench", MetricData=data[start:start + 1000])
    for index in range(ALARMS):
        cw.put_metric_alarm(AlarmName=f"bench-{index:03d}", Namespace="Bench", MetricName="Requests",
                            Dimensions=[{"Name": "Shard", "Value": str(index)}], Statistic="Sum", Period=60,
                            EvaluationPeriods=1, Threshold=100, ComparisonOperator="GreaterThanThreshold")
        if index % 3 == 0:
            cw.set_alarm_state(AlarmName=f"bench-{index:03d}", StateValue="ALARM", StateReason="bench")


def bench_profile() -> Any:
    from services.profile import Profile

    metrics = [{"id": f"s{shard:03d}", "label": f"Shard {shard} requests", "namespace": "Bench",
                "metric": "Requests", "dimensions": {"Shard": str(shard)}, "stat": "Sum", "period": 60,
                "alert": 100, "critical": 140} for shard in range(METRICS)]
    return Profile.model_validate({"system": {"name": "Bench"}, "metrics": metrics,
                                   "alarms": {"prefixes": ["bench-"]},
                                   "cockpit": {"metrics_range": "15m", "metrics_refresh": 3600,
                                               "alarms_refresh": 3600, "alarm_bell": "off"}})


async def measure_refreshes(endpoint: str) -> dict[str, float]:
    """Drive ``REFRESHES`` refreshes of both panes (the pollers woken as their interval would).

    Every event-loop step is timed (UI-thread CPU and wall clock); on every other refresh a
    probe asks to wake every 5 ms and records how late it wakes (that latency includes the
    OS scheduling this process, which on a busy 2-core machine dominates). The other
    refreshes run without the probe, so their CPU total is the cockpit's alone.
    """
    import boto3

    from services.aws.session import AwsTarget
    from tui.app import CockpitApp
    from tui.panes.alarms import AlarmsPane
    from tui.panes.metrics import MetricsPane
    from tui.screens.dashboard import DashboardScreen

    handler_ms: dict[type, list[float]] = {MetricsPane: [], AlarmsPane: []}
    original: dict[type, Any] = {MetricsPane: MetricsPane.show, AlarmsPane: AlarmsPane.show}

    def timed(cls: type) -> Any:
        def show(self: Any, snapshot: Any) -> None:
            started = time.thread_time()
            original[cls](self, snapshot)
            handler_ms[cls].append((time.thread_time() - started) * 1000)
        return show

    calls: dict[str, int] = {}
    lags: list[float] = []
    steps: list[tuple[float, float]] = []  # each event-loop step: UI-thread CPU ms, wall ms
    latency: list[float] = []  # per probed refresh: the latest wake-up
    cpu_total: list[float] = []  # per unprobed refresh: the UI thread's CPU, all steps
    longest_cpu: list[float] = []  # per refresh: its longest step's CPU
    longest_wall: list[float] = []
    original_run = asyncio.events.Handle._run

    def timed_run(handle: asyncio.events.Handle) -> None:
        cpu, wall = time.thread_time(), time.perf_counter()
        original_run(handle)
        steps.append(((time.thread_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000))

    cw = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
    MetricsPane.show, AlarmsPane.show = timed(MetricsPane), timed(AlarmsPane)  # type: ignore[method-assign]
    try:
        app = CockpitApp(bench_profile(), AwsTarget(region="us-east-1", endpoint_url=endpoint))
        async with app.run_test(size=(120, 40)):
            async def until(predicate: Any, limit: float = 120) -> None:
                deadline = time.monotonic() + limit
                while not predicate():
                    if time.monotonic() > deadline:
                        raise TimeoutError("the cockpit did not refresh in time")
                    await asyncio.sleep(0.02)  # not pilot.pause: it posts a callback to every widget

            await until(lambda: isinstance(app.screen, DashboardScreen) and app.screen.session is not None)
            screen: Any = app.screen
            client = screen.session.client("cloudwatch")
            client.meta.events.register("before-call.cloudwatch.*", lambda model, **_: calls.__setitem__(
                model.name, calls.get(model.name, 0) + 1))
            metrics, alarms = screen.query_one(MetricsPane), screen.query_one(AlarmsPane)
            await until(lambda: metrics.snapshot is not None and len(alarms.alarms) == ALARMS)
            calls.clear()
            for times in handler_ms.values():
                times.clear()
            probing = asyncio.Event()

            async def probe() -> None:
                while True:
                    await probing.wait()
                    started = time.perf_counter()
                    await asyncio.sleep(0.005)
                    lags.append((time.perf_counter() - started - 0.005) * 1000)

            task = asyncio.create_task(probe())
            asyncio.events.Handle._run = timed_run  # type: ignore[method-assign,assignment]
            for round_ in range(REFRESHES):
                before_m, before_a = metrics.snapshot, alarms.alarms
                name = f"bench-{(round_ * 7) % ALARMS:03d}"  # a transition per refresh: the highlight path
                flipped = next(a.state for a in alarms.alarms if a.name == name) != "ALARM"
                cw.set_alarm_state(AlarmName=name, StateValue="ALARM" if flipped else "OK", StateReason="bench")
                probed = round_ % 2 == 0
                (probing.set if probed else probing.clear)()
                lags.clear()
                steps.clear()
                for source in ("metrics", "alarms"):  # what each refresh interval does
                    screen.pollers[source].wake()
                await until(lambda m=before_m, a=before_a: metrics.snapshot is not m and alarms.alarms is not a)
                await asyncio.sleep(0.3)  # the repaint that follows belongs to the refresh
                longest_cpu.append(max(cpu for cpu, _ in steps))
                longest_wall.append(max(wall for _, wall in steps))
                if probed:
                    latency.append(max(lags, default=0.0))
                else:
                    cpu_total.append(sum(cpu for cpu, _ in steps))
            asyncio.events.Handle._run = original_run  # type: ignore[method-assign]
            task.cancel()
    finally:
        asyncio.events.Handle._run = original_run  # type: ignore[method-assign]
        MetricsPane.show, AlarmsPane.show = original[MetricsPane], original[AlarmsPane]  # type: ignore[method-assign]
    per_refresh = {name: count / REFRESHES for name, count in calls.items()}
    return {"get_metric_data": per_refresh.get("GetMetricData", 0),
            "describe_alarms": per_refresh.get("DescribeAlarms", 0),
            "get_metric_statistics": per_refresh.get("GetMetricStatistics", 0),
            "metrics_ms": statistics.median(handler_ms[MetricsPane]),
            "alarms_ms": statistics.median(handler_ms[AlarmsPane]),
            "ui_cpu_ms": statistics.median(cpu_total),
            "step_cpu_median_ms": statistics.median(longest_cpu), "step_cpu_max_ms": max(longest_cpu),
            "step_wall_max_ms": max(longest_wall), "latency_median_ms": statistics.median(latency)}


def panes_bytes_per_second(seconds: float = 20) -> float:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from terminal_bytes import bytes_per_second

    from services.demo.catalog import scenario_profile_path

    emulator = Child([sys.executable, "-m", "services.demo.emulator", "--scenario", "sentra-scanner"],
                     env={"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"})
    try:
        text = scenario_profile_path("sentra-scanner").read_text()
        kept = text.split("# ---------------------------------------------------------------- logs")[0]
        with tempfile.TemporaryDirectory() as folder:
            profile = Path(folder) / "metrics-alarms.toml"
            profile.write_text(kept)
            cockpit = str(Path(sys.executable).with_name("cockpit"))
            env = {**os.environ, "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
                   "XDG_STATE_HOME": folder}
            return bytes_per_second([cockpit, "--profile", str(profile), "--endpoint-url", emulator.endpoint],
                                    seconds=seconds, env=env)
    finally:
        emulator.stop()


def main() -> list[tuple[str, float, str, str]]:
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)  # the emulator's; never a real account's
    server = Child([sys.executable, "-c", SERVER])
    try:
        seed(server.endpoint)
        figures = asyncio.run(measure_refreshes(server.endpoint))
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    rows: list[tuple[str, float, str, str]] = [
        ("metrics: GetMetricData calls/refresh (200)", round(figures["get_metric_data"], 2), "calls", "1"),
        ("metrics: GetMetricStatistics calls/refresh", round(figures["get_metric_statistics"], 2), "calls", "0"),
        ("alarms: DescribeAlarms calls/refresh (100)", round(figures["describe_alarms"], 2), "calls", "1 per 100"),
        ("metrics: 200 tiles updated, UI CPU (median)", round(figures["metrics_ms"], 1), "ms", ""),
        ("alarms: 100 rows updated, UI CPU (median)", round(figures["alarms_ms"], 1), "ms", ""),
        ("UI thread CPU per refresh, all steps (median)", round(figures["ui_cpu_ms"], 1), "ms", ""),
        ("longest loop step per refresh, CPU (median)", round(figures["step_cpu_median_ms"], 1), "ms", "≤ 16"),
        ("longest loop step, CPU, worst refresh", round(figures["step_cpu_max_ms"], 1), "ms", "≤ 16"),
        ("longest loop step, wall, worst refresh", round(figures["step_wall_max_ms"], 1), "ms", "(+ OS scheduling)"),
        ("loop wake-up latency per refresh (median)", round(figures["latency_median_ms"], 1), "ms", "(+ OS scheduling)"),
    ]
    rows.append(("bytes/s metrics+alarms panes (120×40)", round(panes_bytes_per_second()), "B/s", "≤ 3500 (whole demo)"))
    return rows


if __name__ == "__main__":
    for name, value, unit, goal in main():
        print(f"{name:44} {value!s:>10} {unit:5} {goal}")
