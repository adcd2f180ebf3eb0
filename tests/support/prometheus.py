"""A real Prometheus for the tests, scraping a tiny exporter the test process serves on loopback.

A pytest plugin (``pytest_plugins`` in ``tests/conftest.py``); a test using
``prometheus_server`` is marked ``engines`` (``tests/support/markers.py``).

The Debian package's binary runs directly (its own service is never started): a temporary
config, ``--storage.tsdb.path`` in a temporary directory, a free loopback port, stopped by
PID at the end. The exporter answers ``errors_total`` in the text exposition format, a
counter growing by ``ERRORS_PER_SECOND`` (so ``rate(errors_total[5s])`` has a known value),
and ``queue_depth`` labelled per queue (several series). A missing binary FAILS the test
(``pytest.fail``): ``.ci/system-deps`` installs it.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from services.demo.engines import free_port
from tests.support.waiting import wait_for

ERRORS_PER_SECOND = 2.0
QUEUE_DEPTHS = {"alerts": 7, "scans": 3}
SCRAPE_INTERVAL = "1s"


class Exporter:
    """``/metrics`` on 127.0.0.1: ``errors_total`` (a counter) and ``queue_depth{queue=...}`` (gauges)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = exporter.exposition().encode()
                self.send_response(200 if self.path.startswith("/metrics") else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # one line per scrape drowns failures
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def exposition(self) -> str:
        errors = ERRORS_PER_SECOND * (time.monotonic() - self.started)
        lines = ["# HELP errors_total API errors.", "# TYPE errors_total counter", f"errors_total {errors:.3f}",
                 "# HELP queue_depth Messages waiting.", "# TYPE queue_depth gauge"]
        lines += [f'queue_depth{{queue="{name}"}} {depth}' for name, depth in QUEUE_DEPTHS.items()]
        return "\n".join(lines) + "\n"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class PrometheusServer:
    url: str
    process: subprocess.Popen
    directory: Path
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
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.exporter.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def start_prometheus() -> PrometheusServer:
    binary = os.environ.get("COCKPIT_PROMETHEUS") or shutil.which("prometheus")
    if not binary or not os.access(binary, os.X_OK):
        pytest.fail("prometheus is not installed: run `bash .ci/system-deps`")
    exporter = Exporter()
    directory = Path(tempfile.mkdtemp(prefix="cockpit-prometheus-"))
    config = directory / "prometheus.yml"
    config.write_text(
        f"global:\n  scrape_interval: {SCRAPE_INTERVAL}\n  evaluation_interval: {SCRAPE_INTERVAL}\n"
        f"scrape_configs:\n  - job_name: api\n    static_configs:\n      - targets: ['127.0.0.1:{exporter.port}']\n",
        encoding="utf-8")
    port = free_port()
    with open(directory / "prometheus.log", "wb") as log:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={directory / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    server = PrometheusServer(f"http://127.0.0.1:{port}", process, directory, exporter)

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"prometheus exited: {(directory / 'prometheus.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/-/ready", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(ready, timeout=60, what="Prometheus to be ready")
    except BaseException:
        server.close()
        raise
    return server


@pytest.fixture(scope="session")
def prometheus_server() -> Iterator[PrometheusServer]:
    server = start_prometheus()
    try:
        yield server
    finally:
        server.close()
