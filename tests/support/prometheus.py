"""A real Prometheus for the tests, scraping a tiny exporter the test process serves on loopback.

A pytest plugin (``pytest_plugins`` in ``tests/conftest.py``); a test using
``prometheus_server`` is marked ``engines`` (``tests/support/markers.py``).

The server is ``services.demo.prometheus_server``'s (the demo's own): the Debian package's
binary run directly on a free loopback port, stopped by PID at the end. The exporter
answers ``errors_total`` in the text exposition format, a counter growing by
``ERRORS_PER_SECOND`` (so ``rate(errors_total[5s])`` has a known value), and
``queue_depth`` labelled per queue (several series). A missing binary FAILS the test
(``pytest.fail``): ``.ci/system-deps`` installs it.
"""
from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from services.demo.engines import EngineMissing
from services.demo.prometheus_server import MetricsExporter
from services.demo.prometheus_server import PrometheusServer as RunningPrometheus
from services.demo.prometheus_server import start_prometheus as start_server
from tests.support.waiting import wait_for

ERRORS_PER_SECOND = 2.0
QUEUE_DEPTHS = {"alerts": 7, "scans": 3}
SCRAPE_INTERVAL = "1s"


class Exporter(MetricsExporter):
    """``errors_total`` (a counter) and ``queue_depth{queue=...}`` (gauges)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        super().__init__(self.exposition)

    def exposition(self) -> str:
        errors = ERRORS_PER_SECOND * (time.monotonic() - self.started)
        lines = ["# HELP errors_total API errors.", "# TYPE errors_total counter", f"errors_total {errors:.3f}",
                 "# HELP queue_depth Messages waiting.", "# TYPE queue_depth gauge"]
        lines += [f'queue_depth{{queue="{name}"}} {depth}' for name, depth in QUEUE_DEPTHS.items()]
        return "\n".join(lines) + "\n"


@dataclass
class PrometheusServer:
    url: str
    server: RunningPrometheus
    exporter: Exporter

    def query(self, promql: str) -> list[dict[str, Any]]:
        """The raw ``result`` of an instant query (for waiting on data; the tests' subject is the engine)."""
        address = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
        with urllib.request.urlopen(address, timeout=5) as response:
            return json.loads(response.read())["data"]["result"]

    def wait_for_data(self, promql: str, *, timeout: float = 30.0) -> None:
        """Until ``promql`` has a result: a rate needs two scrapes inside its window."""
        wait_for(lambda: bool(self.query(promql)), timeout=timeout, what=f"Prometheus to have {promql}")

    def close(self) -> None:
        self.server.close()
        self.exporter.close()


def start_prometheus() -> PrometheusServer:
    exporter = Exporter()
    try:
        server = start_server([exporter.target], scrape_interval=SCRAPE_INTERVAL)
    except EngineMissing:
        exporter.close()
        pytest.fail("prometheus is not installed: run `bash .ci/system-deps`")
    except BaseException:
        exporter.close()
        raise
    return PrometheusServer(server.url, server, exporter)


@pytest.fixture(scope="session")
def prometheus_server() -> Iterator[PrometheusServer]:
    server = start_prometheus()
    try:
        yield server
    finally:
        server.close()
