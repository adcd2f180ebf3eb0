"""Containers and PostgreSQL at scale: 50 containers and 200 backends on the real engines.

The cockpit runs headless (``run_test``) on a profile with ``[docker]`` and ``[postgres]``
against podman's Docker API and a PostgreSQL server started here, and we measure:

- event-loop time per refresh: the containers pane's and the PostgreSQL pane's handlers,
  the stats samples' handler and the once-a-second usage update;
- CPU on the loop thread for one ``pg_stat_activity`` poll (psycopg's async connection
  parses on the loop);
- the longest the loop was blocked (a probe asks to wake every 5 ms and records lateness);
- key latency while all that runs: ``down`` pressed 150 times in the backend table,
  p50 and p99 of the time until the app is idle again;
- off the loop: one listing of 50 containers (a thread), stats samples per second.

Run standalone (``.venv/bin/python benchmarks/engines_bench.py``) or from ``run.py``.
"""
from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTAINERS = 50
BACKENDS = 200
IDLE_IN_TX = 40
ACTIVE = 20
KEYS = 150
RUN_SECONDS = 15


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


def seed_containers(service: Any) -> None:
    from tests.support.engines import run_container

    client = service.client()
    for index in range(CONTAINERS):
        service_name = ("api", "worker", "db", "cache", "scanner")[index % 5]
        command = ["sh", "-c", "while true; do echo tick; sleep 1; done"] if index % 10 == 0 else ["sleep", "3600"]
        run_container(client, f"bench-{service_name}-{index}", command, project="bench", service=service_name)
    client.close()


def seed_backends(dsn: str) -> list[Any]:
    import psycopg

    connections = []
    for index in range(BACKENDS - ACTIVE):
        conn = psycopg.connect(dsn, application_name=f"bench-{index % 7}", autocommit=index >= IDLE_IN_TX)
        conn.execute("SELECT %s::int", (index,))  # the first IDLE_IN_TX stay idle in transaction
        connections.append(conn)
    for _ in range(ACTIVE):
        conn = psycopg.connect(dsn, application_name="bench-active", autocommit=True)
        connections.append(conn)
        threading.Thread(target=_sleep_query, args=(conn,), daemon=True).start()
    return connections


def _sleep_query(conn: Any) -> None:
    with contextlib.suppress(Exception):
        conn.execute("SELECT pg_sleep(120)")


async def measure(profile_path: Path) -> dict[str, float]:
    from services.aws.session import AwsTarget
    from services.profile import load_profile
    from tui.app import CockpitApp
    from tui.panes.containers import ContainersPane
    from tui.panes.postgres import PostgresPane
    from tui.screens.dashboard import DashboardScreen
    from widgets.backend_table import BackendTable

    timings: dict[str, list[float]] = {"containers": [], "postgres": [], "stats": [], "usage": [], "activity_cpu": []}

    def timed(cls: type, name: str, key: str) -> Any:
        """Time a handler: ``@on`` handlers are dispatched from the class's ``_decorated_handlers``."""
        original = cls.__dict__[name]

        def wrapper(self: Any, *args: Any) -> Any:
            started = time.perf_counter()
            result = original(self, *args)
            timings[key].append((time.perf_counter() - started) * 1000)
            return result

        setattr(cls, name, wrapper)
        for handlers in cls.__dict__.get("_decorated_handlers", {}).values():
            handlers[:] = [(wrapper if method is original else method, selectors) for method, selectors in handlers]
        return original

    def restore(cls: type, name: str, original: Any) -> None:
        wrapper = cls.__dict__[name]
        setattr(cls, name, original)
        for handlers in cls.__dict__.get("_decorated_handlers", {}).values():
            handlers[:] = [(original if method is wrapper else method, selectors) for method, selectors in handlers]

    originals = [(ContainersPane, "show_containers", timed(ContainersPane, "show_containers", "containers")),
                 (ContainersPane, "keep_stats", timed(ContainersPane, "keep_stats", "stats")),
                 (ContainersPane, "apply_usage", timed(ContainersPane, "apply_usage", "usage")),
                 (PostgresPane, "show_activity", timed(PostgresPane, "show_activity", "postgres"))]
    lateness: list[float] = []
    keys: list[float] = []
    try:
        app = CockpitApp(load_profile(profile_path), AwsTarget())
        async with app.run_test(size=(120, 40)) as pilot:
            while not isinstance(app.screen, DashboardScreen):
                await pilot.pause(0.05)
            screen = app.screen
            containers = screen.query_one(ContainersPane)
            postgres = screen.query_one(PostgresPane)
            deadline = time.monotonic() + 60
            while (len(containers.table.row_data) < CONTAINERS or len(postgres.table.row_data) < BACKENDS
                   or containers.stats_samples < CONTAINERS):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not ready: {len(containers.table.row_data)} containers, "
                                       f"{len(postgres.table.row_data)} backends, {containers.stats_samples} samples")
                await pilot.pause(0.1)
            source = postgres.source
            original_activity = source.activity

            async def activity_cpu() -> Any:
                started = time.thread_time()
                result = await original_activity()
                timings["activity_cpu"].append((time.thread_time() - started) * 1000)
                return result

            assert postgres.poller is not None
            postgres.poller.fetch = activity_cpu
            for key in timings:
                timings[key].clear()
            stop = asyncio.Event()

            async def probe() -> None:
                loop = asyncio.get_running_loop()
                while not stop.is_set():
                    wanted = loop.time() + 0.005
                    await asyncio.sleep(0.005)
                    lateness.append((loop.time() - wanted) * 1000)

            probe_task = asyncio.create_task(probe())
            samples_before = containers.stats_samples
            started = time.monotonic()
            table = screen.query_one(BackendTable)
            table.focus()
            while time.monotonic() - started < RUN_SECONDS or len(keys) < KEYS:
                before = time.perf_counter()
                await pilot.press("down" if len(keys) % 60 < 30 else "up")
                keys.append((time.perf_counter() - before) * 1000)
                await pilot.pause(0.05)
            elapsed = time.monotonic() - started
            stop.set()
            await probe_task
            samples_per_second = (containers.stats_samples - samples_before) / elapsed
    finally:
        for cls, name, original in originals:
            restore(cls, name, original)
    return {
        "containers_ms": max(timings["containers"] or [0]),
        "postgres_ms": max(timings["postgres"] or [0]),
        "postgres_p50": statistics.median(timings["postgres"] or [0]),
        "stats_us": statistics.mean(timings["stats"] or [0]) * 1000,
        "usage_ms": max(timings["usage"] or [0]),
        "activity_cpu": statistics.median(timings["activity_cpu"] or [0]),
        "block_max": max(lateness or [0]),
        "block_p99": _percentile(lateness, 0.99),
        "key_p50": statistics.median(keys),
        "key_p99": _percentile(keys, 0.99),
        "samples_per_s": samples_per_second,
        "refreshes": float(len(timings["postgres"])),
    }


def main() -> list[tuple[str, object, str, str]]:
    import os

    from services.engines.docker import DockerEngine
    from tests.support.engines import start_podman, start_postgres

    podman = start_podman()
    pg = start_postgres()
    connections: list[Any] = []
    try:
        seed_containers(podman)
        connections = seed_backends(pg.dsn)
        engine = DockerEngine(podman.url)
        engine.list("bench")
        listing = []
        for _ in range(3):
            started = time.perf_counter()
            engine.list("bench")
            listing.append((time.perf_counter() - started) * 1000)
        os.environ["BENCH_PG_DSN"] = pg.dsn
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.toml"
            path.write_text(f'[system]\nname = "Engines bench"\n\n[docker]\nhost = "{podman.url}"\nproject = "bench"\n\n'
                            '[postgres]\ndsn_env = "BENCH_PG_DSN"\n')
            figures = asyncio.run(measure(path))
    finally:
        for conn in connections:
            try:
                conn.cancel()
                conn.close()
            except Exception:
                pass
        pg.close()
        podman.close()
    return [
        (f"containers refresh on the loop ({CONTAINERS})", round(figures["containers_ms"], 1), "ms", "< 16 (max)"),
        ("container list, 50 inspects (thread)", round(statistics.median(listing)), "ms", "off the loop"),
        ("stats samples handled", round(figures["samples_per_s"], 1), "/s", f"{CONTAINERS} streams"),
        ("stats sample handler", round(figures["stats_us"]), "µs", "< 100"),
        ("CPU/memory cells update (1 Hz)", round(figures["usage_ms"], 1), "ms", "< 16 (max)"),
        (f"backends refresh on the loop ({BACKENDS})", round(figures["postgres_ms"], 1), "ms", "< 16 (max)"),
        ("backends refresh, median", round(figures["postgres_p50"], 1), "ms", "< 8"),
        ("pg_stat_activity poll CPU on loop", round(figures["activity_cpu"], 1), "ms", "< 16"),
        ("event loop blocked, max", round(figures["block_max"], 1), "ms", "< 50"),
        ("event loop blocked, p99", round(figures["block_p99"], 1), "ms", "< 16"),
        ("key to idle, p50", round(figures["key_p50"], 1), "ms", "< 50"),
        ("key to idle, p99", round(figures["key_p99"], 1), "ms", "< 100"),
    ]


if __name__ == "__main__":
    for row in main():
        print(*row, sep="\t")
