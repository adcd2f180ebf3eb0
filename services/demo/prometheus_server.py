"""A throwaway Prometheus on loopback, scraping exporters served from this process.

Used by the demo (004's API exports ``errors_total``; the scenario starts the server in the
emulator child) and by the tests (``tests/support/prometheus.py``). The Debian package's
binary runs directly, never its service: a temporary config, ``--storage.tsdb.path`` in a
temporary directory, a free loopback port, stopped by PID. A missing binary is
``EngineMissing`` (``.ci/system-deps`` installs it); ``$COCKPIT_PROMETHEUS`` points the
lookup elsewhere.
"""
from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from services.demo.engines import EngineFailed, find_binary, free_port, wait_until


class MetricsExporter:
    """``GET /metrics`` on 127.0.0.1: whatever ``render`` returns, in the text exposition format."""

    def __init__(self, render: Callable[[], str]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = render().encode() if self.path.startswith("/metrics") else b"not found\n"
                self.send_response(200 if self.path.startswith("/metrics") else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # never a line per scrape on the cockpit's terminal
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.target = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="metrics-exporter", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class PrometheusServer:
    url: str
    process: subprocess.Popen
    directory: Path

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.directory, ignore_errors=True)


def start_prometheus(targets: Sequence[str], *, scrape_interval: str = "1s", job: str = "api",
                     port: int = 0) -> PrometheusServer:
    """Prometheus scraping ``targets`` (``host:port``) on 127.0.0.1:``port`` (0: a free one), ready to
    answer; raises EngineMissing / EngineFailed (a port taken: Prometheus exits, its log says why)."""
    binary = find_binary("prometheus")
    directory = Path(tempfile.mkdtemp(prefix="cockpit-prometheus-"))
    config = directory / "prometheus.yml"
    listed = ", ".join(f"'{target}'" for target in targets)
    config.write_text(f"global:\n  scrape_interval: {scrape_interval}\n  evaluation_interval: {scrape_interval}\n"
                      f"scrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: [{listed}]\n",
                      encoding="utf-8")
    port = port or free_port()
    with open(directory / "prometheus.log", "wb") as log:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={directory / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    server = PrometheusServer(f"http://127.0.0.1:{port}", process, directory)

    def ready() -> bool:
        if process.poll() is not None:
            raise EngineFailed(f"prometheus exited: {(directory / 'prometheus.log').read_text()[-500:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/-/ready", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    try:
        wait_until(ready, timeout=60, what="Prometheus to be ready")
    except BaseException:
        server.close()
        raise
    return server
