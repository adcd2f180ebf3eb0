"""The cockpit's side of the demo emulator: start the child, learn its endpoint, stop it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from services.paths import state_dir

from services.errors import Unreachable


class EmulatorProcess:
    """Starts ``python -m services.demo.emulator`` at once (cheap), waits for it in a worker."""

    def __init__(self, scenario: str, *, log_path: Path | None = None) -> None:
        self.scenario = scenario
        self.log_path = log_path or state_dir() / "demo-emulator.log"
        self._log = open(self.log_path, "ab")  # moto's request log and tracebacks go here, never to the screen
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.demo.emulator", "--scenario", scenario],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.endpoint: str | None = None
        self.ready: dict | None = None
        """The child's line: ``endpoint`` (None without AWS), ``env`` and ``unavailable`` for its engines."""
        self._lock = threading.Lock()

    def wait_endpoint(self, timeout: float = 60.0) -> str:
        """Blocks until the child has seeded its scenario; returns its endpoint URL."""
        self.wait_ready(timeout)
        if not self.endpoint:
            raise Unreachable(f"the demo scenario {self.scenario} has no AWS endpoint")
        return self.endpoint

    def wait_ready(self, timeout: float = 180.0) -> dict:
        """Blocks until the child has seeded its scenario (engines included); returns its line."""
        with self._lock:
            if self.ready is not None:
                return self.ready
            assert self.process.stdout is not None
            result: dict[str, str] = {}

            def read() -> None:
                line = self.process.stdout.readline() if self.process.stdout else b""
                if line:
                    result.update(json.loads(line))

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            reader.join(timeout)
            if "endpoint" not in result:
                self.stop()
                raise Unreachable(f"the demo emulator did not start (see {self.log_path})")
            self.endpoint = result["endpoint"]
            self.ready = result
            return result

    def stop(self, timeout: float = 60.0) -> None:
        """Terminate the child and wait for it (it stops its engines by PID first); kill it if it does not go."""
        if self.process.poll() is None:
            try:
                if self.process.stdin:
                    self.process.stdin.close()
            except OSError:
                pass
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self._log.close()
