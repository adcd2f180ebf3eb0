"""A small HTTP health endpoint for the demo and the tests: ``GET /api/v1/health`` → ``{"status": "ok"}``.

``state`` switches what it answers: ``ok``, ``degraded`` (200 with ``"status": "degraded"``)
or ``down`` (503). Given ``scans`` (a function of ``limit`` giving the newest scans) and
``api_key``, it also answers runbook 003's ``GET /api/v1/scans?limit=N``, a JSON list, only
with the header ``X-API-Key: <api_key>`` (401 without it). It binds to 127.0.0.1 on the given port (0: any free one) and serves
from a daemon thread until ``stop``.
"""
from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEALTH_PATH = "/api/v1/health"
SCANS_PATH = "/api/v1/scans"


class HealthServer:
    def __init__(self, port: int = 0, *, path: str = HEALTH_PATH, scans: Callable[[int], list[dict]] | None = None,
                 api_key: str | None = None) -> None:
        self.state = "ok"
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                where, _, query = self.path.partition("?")
                if where == SCANS_PATH and scans is not None:
                    if not api_key or self.headers.get("X-API-Key") != api_key:
                        self._answer(401, {"detail": "missing or invalid API key"})
                        return
                    limit = urllib.parse.parse_qs(query).get("limit", ["10"])[0]
                    try:
                        self._answer(200, scans(max(1, min(int(limit), 1000))))
                    except ValueError:
                        self._answer(422, {"detail": "limit: not a number"})
                    except Exception as error:  # the database is down: the API says so, as a 503
                        self._answer(503, {"detail": f"database: {type(error).__name__}"})
                elif where != path:
                    self._answer(404, {"error": "not found"})
                elif owner.state == "down":
                    self._answer(503, {"status": "down"})
                else:
                    self._answer(200, {"status": owner.state, "version": "demo"})

            def _answer(self, code: int, body: dict | list) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:  # never write to the terminal the cockpit draws on
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{path}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="health-server", daemon=True)

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
