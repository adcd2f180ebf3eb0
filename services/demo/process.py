"""The cockpit's side of the demo emulator: start the child, learn its endpoint, stop it.

While the emulator runs, ``demo.env`` in the state directory holds the ``export`` lines a
second shell needs to reach it (``eval "$(cockpit demo --env)"``): endpoint, the demo's
placeholder credentials, region and the scenario's profile.
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
from pathlib import Path

from services.errors import Unreachable
from services.paths import state_dir
from services.redact import looks_secret

ENV_FILE = "demo.env"


class EmulatorProcess:
    """Starts ``python -m services.demo.emulator`` at once (cheap), waits for it in a worker."""

    def __init__(self, scenario: str, *, log_path: Path | None = None) -> None:
        self.scenario = scenario
        self.log_path = log_path or state_dir() / "demo-emulator.log"
        self.env_path = state_dir() / ENV_FILE
        # moto's request log and tracebacks go here, never to the screen; closed in stop()
        self._log = open(self.log_path, "ab")  # noqa: SIM115
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
            self._write_env_file()
            return result

    def shell_env(self) -> dict[str, str]:
        """What another shell exports to reach this emulator (the emulator accepts these placeholder credentials)."""
        from services.demo.catalog import scenario_profile_path
        from services.demo.emulator import DEMO_CREDENTIALS, DEMO_REGION

        env: dict[str, str] = {}
        if self.endpoint:
            env.update({"AWS_ENDPOINT_URL": self.endpoint, **DEMO_CREDENTIALS,
                        "AWS_DEFAULT_REGION": DEMO_REGION, "AWS_REGION": DEMO_REGION})
        env["COCKPIT_DEMO_PROFILE"] = str(scenario_profile_path(self.scenario))
        # The engines' variables (DOCKER_HOST), except secrets: a DSN is never written down.
        env.update({name: value for name, value in (self.ready or {}).get("env", {}).items() if not looks_secret(name)})
        return env

    def _write_env_file(self) -> None:
        withheld = sorted(name for name in (self.ready or {}).get("env", {}) if looks_secret(name))
        hint = 'in another shell, eval "$(cockpit demo --env)"'
        lines = [f"# cockpit demo {self.scenario} (emulator PID {self.process.pid}): {hint}",
                 f"# pid={self.process.pid}",
                 "unset AWS_PROFILE AWS_DEFAULT_PROFILE  # a named profile would send other credentials",
                 *(f"export {name}={shlex.quote(value)}" for name, value in self.shell_env().items())]
        if withheld:
            lines.append(f"# not written (secrets): {', '.join(withheld)}")
        descriptor = os.open(self.env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")

    def _remove_env_file(self) -> None:
        """Only this demo's file: a second demo started since then owns it now."""
        if _env_file_pid(self.env_path) == self.process.pid:
            self.env_path.unlink(missing_ok=True)

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
        self._remove_env_file()
        self._log.close()


def running_demo_env() -> str:
    """The running demo's ``demo.env`` text; ``Unreachable`` when no demo runs (a stale file is removed)."""
    path = state_dir() / ENV_FILE
    pid = _env_file_pid(path)
    if pid is None:
        raise Unreachable(f"no demo is running (no {path}); start one with `cockpit demo` in another terminal")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
        raise Unreachable(f"no demo is running (its emulator, PID {pid}, is gone; removed {path})") from None
    except PermissionError:
        pass  # alive, another user's: still the file to show
    return path.read_text(encoding="utf-8")


def _env_file_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("# pid="):
            return int(line.removeprefix("# pid=")) if line.removeprefix("# pid=").isdigit() else None
    return None
