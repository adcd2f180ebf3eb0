"""A Docker Engine API (Docker or podman's compatible service) as plain data.

The docker SDK is imported on first use, never at module import; no docker type leaves
this module (and ``docker_stats.py``): callers get the dataclasses below or one of the
typed errors of ``services.errors``. Every method blocks: call it from a thread.
"""
from __future__ import annotations

import builtins
import logging
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.errors import AccessDenied, BadInput, SourceError, Unreachable

log = logging.getLogger("cockpit.docker")

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
DEFAULT_SOCKET = "unix:///var/run/docker.sock"
_FRACTION = re.compile(r"\.(\d+)")
MIN_SYSTEM_DELTA = 100_000_000  # ns of host CPU time between two samples (0.1 s): below, the ratio is noise


@dataclass(frozen=True, slots=True)
class Container:
    """One container as listed: compose project/service from its labels (None when absent)."""

    id: str
    name: str
    project: str | None
    service: str | None
    image: str
    state: str  # created, running, paused, restarting, exited, dead
    health: str | None  # healthy, unhealthy, starting; None without a healthcheck
    started_at: datetime | None
    finished_at: datetime | None
    restart_count: int
    exit_code: int | None
    stop_signal: str = "SIGTERM"
    """What stop and restart send first (the image's or the container's StopSignal; Docker's default SIGTERM)."""

    @property
    def running(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True, slots=True)
class ContainerStats:
    """One stats sample: CPU % of one CPU's worth ×100 per CPU (as ``docker stats``), memory in bytes."""

    id: str
    cpu_percent: float | None
    memory_bytes: int | None
    memory_limit: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class ContainerDetails:
    """What the detail line shows. Environment variable *names* only: values are never read out."""

    id: str
    name: str
    image: str
    command: str
    ports: tuple[str, ...]
    env_names: tuple[str, ...]
    restart_policy: str
    created: datetime | None


@dataclass(frozen=True, slots=True)
class ContainerLogLine:
    container: str
    at: datetime | None
    text: str


@dataclass(frozen=True, slots=True)
class ContainersSnapshot:
    containers: list[Container]
    engine: str
    host: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def parse_time(text: str | None) -> datetime | None:
    """RFC 3339 with up to nanoseconds (``…T19:59:04.123456789Z``); Go's zero time is None."""
    if not text or text.startswith("0001-01-01"):
        return None
    text = _FRACTION.sub(lambda match: "." + match.group(1)[:6].ljust(6, "0"), text.replace("Z", "+00:00"), count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _translate(error: BaseException, what: str) -> SourceError:
    """docker / requests exceptions to the typed errors a pane shows in one line."""
    import docker.errors
    import requests.exceptions

    if isinstance(error, SourceError):
        return error
    if isinstance(error, docker.errors.NotFound):
        return BadInput(f"{what}: not found ({_explanation(error)})", operation=what)
    if isinstance(error, docker.errors.APIError):
        code = error.status_code or 0
        if code in (401, 403):
            return AccessDenied(f"{what}: {_explanation(error)}", operation=what)
        if 400 <= code < 500:
            return BadInput(f"{what}: {_explanation(error)}", operation=what)
        return SourceError(f"{what}: engine error {code}: {_explanation(error)}", operation=what)
    if isinstance(error, PermissionError) or "Permission denied" in str(error):
        return AccessDenied(f"{what}: permission denied on the engine's socket", operation=what)
    if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                          docker.errors.DockerException, ConnectionError, TimeoutError, OSError)):
        return Unreachable(f"engine does not answer ({type(error).__name__})", operation=what)
    return SourceError(f"{what}: {type(error).__name__}: {error}", operation=what)


def _explanation(error: Any) -> str:
    text = getattr(error, "explanation", None) or str(error)
    return str(text).strip().splitlines()[0][:160] if text else type(error).__name__


class DockerEngine:
    """Connects to ``host``, else ``DOCKER_HOST``, else the local socket; reconnects after a failure."""

    def __init__(self, host: str | None = None, *, timeout: float = 15, pool_size: int = 128) -> None:
        self.host = host
        self.timeout = timeout
        self.pool_size = pool_size
        self._client: Any = None
        self._version = ""
        self._lock = threading.Lock()

    def describe(self) -> str:
        return self.host or os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET

    @property
    def version(self) -> str:
        return self._version

    def cli_prefix(self) -> str:
        """``docker`` with ``-H`` when the profile names a host (DOCKER_HOST applies to the CLI as is)."""
        return f"docker -H {self.host}" if self.host else "docker"

    def client(self) -> Any:
        """The SDK client, created on first use (the version handshake tells whether the engine is there)."""
        with self._lock:
            if self._client is not None:
                return self._client
            import docker

            try:
                if self.host:
                    client = docker.DockerClient(base_url=self.host, timeout=self.timeout, max_pool_size=self.pool_size)
                else:
                    client = docker.from_env(timeout=self.timeout, max_pool_size=self.pool_size)
                info = client.version()
            except Exception as error:
                raise _translate(error, "connect") from None
            product = next((c.get("Name", "") for c in info.get("Components", []) if "Engine" in c.get("Name", "")), "")
            name = "podman" if "podman" in product.lower() or "podman" in str(info.get("Platform", "")).lower() else "docker"
            self._version = f"{name} {info.get('Version', '?')}"
            self._client = client
            return client

    def reset(self) -> None:
        """Forget the connection: the next call reconnects (after the engine went away)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                log.debug("closing the docker client failed", exc_info=True)

    def _call(self, what: str, function, *args: Any, **kwargs: Any) -> Any:
        client = self.client()
        try:
            return function(client, *args, **kwargs)
        except Exception as error:
            translated = _translate(error, what)
            if isinstance(translated, Unreachable):
                self.reset()
            raise translated from None

    # -------------------------------------------------------------------- reading
    def list(self, project: str | None = None) -> ContainersSnapshot:
        """Every container (running or not), filtered to one compose project when given."""
        filters = {"label": f"{PROJECT_LABEL}={project}"} if project else None

        def fetch(client: Any) -> list[Container]:
            found = []
            for summary in client.api.containers(all=True, filters=filters):
                try:
                    found.append(container_from_inspect(client.api.inspect_container(summary["Id"])))
                except Exception as error:
                    import docker.errors

                    if not isinstance(error, docker.errors.NotFound):
                        raise
            return found

        containers = self._call("list containers", fetch)
        containers.sort(key=lambda c: (c.project or "~", c.service or "~", c.name))
        return ContainersSnapshot(containers, self._version, self.describe())

    def compose_twin(self, name: str) -> str | None:
        """The container Compose's other naming means by ``name``: v2 writes ``project-service-1``, v1
        ``project_service_1``. Matched on the compose labels and the replica number, never on a guess."""
        found = []
        for container in self.list().containers:
            number = re.search(r"[-_](\d+)$", container.name)
            names = {f"{container.project}{sep}{container.service}{sep}{number[1]}" for sep in "-_"} \
                if container.project and container.service and number else set()
            if name in names and container.name != name:
                found.append(container.name)
        return found[0] if len(found) == 1 else None

    def inspect(self, name: str) -> Container:
        return self._call(f"inspect {name}", lambda client: container_from_inspect(client.api.inspect_container(name)))

    def details(self, name: str) -> ContainerDetails:
        return self._call(f"inspect {name}", lambda client: details_from_inspect(client.api.inspect_container(name)))

    def logs(self, name: str, *, tail: int | None = None, since: int | None = None) -> builtins.list[ContainerLogLine]:
        """Lines with the engine's timestamps; ``since`` in whole epoch seconds (podman's resolution)."""
        # The return type says builtins.list: inside this class, ``list`` is the method above.
        kwargs: dict[str, Any] = {"timestamps": True, "stream": False}
        if tail is not None:
            kwargs["tail"] = tail
        if since is not None:
            kwargs["since"] = max(1, since)
        raw = self._call(f"logs {name}", lambda client: client.api.logs(name, **kwargs))
        lines = []
        for line in raw.decode("utf-8", "replace").splitlines():
            stamp, _, text = line.partition(" ")
            lines.append(ContainerLogLine(name, parse_time(stamp), text))
        return lines

    def stats_stream(self, container_id: str):
        """The raw decoded stats stream of one container (used by ``docker_stats.StatsStreams``)."""
        return self._call(f"stats {container_id}",
                          lambda client: client.api.stats(container_id, stream=True, decode=True))

    # -------------------------------------------------------------------- changing
    def restart(self, name: str, timeout: int) -> None:
        self._call(f"restart {name}", lambda client: client.api.restart(name, timeout=timeout))

    def stop(self, name: str, timeout: int) -> None:
        self._call(f"stop {name}", lambda client: client.api.stop(name, timeout=timeout))

    def start(self, name: str) -> None:
        self._call(f"start {name}", lambda client: client.api.start(name))


def container_from_inspect(data: dict[str, Any]) -> Container:
    state = data.get("State") or {}
    config = data.get("Config") or {}
    labels = config.get("Labels") or {}
    health = (state.get("Health") or {}).get("Status") or None
    status = state.get("Status") or ("running" if state.get("Running") else "exited")
    return Container(
        id=data["Id"][:12],
        name=(data.get("Name") or data["Id"][:12]).lstrip("/"),
        project=labels.get(PROJECT_LABEL),
        service=labels.get(SERVICE_LABEL),
        image=config.get("Image") or data.get("Image", ""),
        state=status,
        health=health if health not in ("", "none") else None,
        started_at=parse_time(state.get("StartedAt")),
        finished_at=parse_time(state.get("FinishedAt")),
        restart_count=int(data.get("RestartCount") or 0),
        exit_code=None if status == "running" else state.get("ExitCode"),
        stop_signal=_signal_name(config.get("StopSignal")),
    )


def _signal_name(value: Any) -> str:
    """``SIGINT``, ``2`` or ``INT`` as ``SIGINT``; absent: Docker's default, SIGTERM."""
    if value in (None, ""):
        return "SIGTERM"
    text = str(value).upper()
    if text.isdigit():
        import signal

        try:
            return signal.Signals(int(text)).name
        except ValueError:
            return text
    return text if text.startswith("SIG") else f"SIG{text}"


def details_from_inspect(data: dict[str, Any]) -> ContainerDetails:
    config = data.get("Config") or {}
    host_config = data.get("HostConfig") or {}
    ports: list[str] = []
    bound = (data.get("NetworkSettings") or {}).get("Ports") or {}
    for port, bindings in sorted(bound.items()):
        if bindings:
            ports.extend(f"{b.get('HostIp') or '0.0.0.0'}:{b.get('HostPort')}→{port}" for b in bindings)
        else:
            ports.append(port)
    for port in sorted(config.get("ExposedPorts") or {}):
        if port not in bound:
            ports.append(port)
    env_names = tuple(sorted({entry.partition("=")[0] for entry in config.get("Env") or [] if entry}))
    command = config.get("Cmd") or []
    policy = (host_config.get("RestartPolicy") or {}).get("Name") or "no"
    return ContainerDetails(
        id=data["Id"][:12], name=(data.get("Name") or "").lstrip("/"), image=config.get("Image", ""),
        command=" ".join(command) if isinstance(command, list) else str(command),
        ports=tuple(ports), env_names=env_names, restart_policy=policy, created=parse_time(data.get("Created")))


def stats_from_sample(container_id: str, sample: dict[str, Any],
                      previous: tuple[int, int] | None) -> tuple[ContainerStats, tuple[int, int] | None]:
    """CPU % as the docker CLI computes it, against the previous sample of the same stream.

    ``precpu_stats`` is used when the engine fills it; the stream's own previous sample
    otherwise (podman's first samples). Memory excludes the page cache, as ``docker stats``.
    """
    cpu = sample.get("cpu_stats") or {}
    total = (cpu.get("cpu_usage") or {}).get("total_usage")
    system = cpu.get("system_cpu_usage")
    current = (int(total), int(system)) if total is not None and system is not None else None
    pre = sample.get("precpu_stats") or {}
    pre_total = (pre.get("cpu_usage") or {}).get("total_usage")
    pre_system = pre.get("system_cpu_usage")
    baseline = (int(pre_total), int(pre_system)) if pre_total is not None and pre_system else previous
    if current and baseline and current[1] - baseline[1] < MIN_SYSTEM_DELTA:
        baseline = previous  # podman's first sample: "pre" is a millisecond earlier, too short to divide by
    cpus = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
    percent = None
    if current and baseline and current[1] - baseline[1] >= MIN_SYSTEM_DELTA:
        ratio = (current[0] - baseline[0]) / (current[1] - baseline[1])
        percent = min(cpus * 100.0, max(0.0, ratio * cpus * 100.0))
    memory = sample.get("memory_stats") or {}
    usage = memory.get("usage")
    details = memory.get("stats") or {}
    cache = details.get("inactive_file", details.get("total_inactive_file", details.get("cache", 0))) or 0
    stats = ContainerStats(
        id=container_id[:12], cpu_percent=percent,
        memory_bytes=None if usage is None else max(0, int(usage) - int(cache)),
        memory_limit=memory.get("limit"), at=parse_time(sample.get("read")) or datetime.now(UTC))
    return stats, current


class ContainerLogTail:
    """New lines of one container since the last poll, each exactly once.

    The engine's ``since`` has one-second resolution (podman), so each poll re-reads the
    last second and skips, by count, the lines of that second already shown.
    """

    def __init__(self, engine: DockerEngine, container: str, *, initial_tail: int = 200) -> None:
        self.engine = engine
        self.container = container
        self.initial_tail = initial_tail
        self._since: int | None = None
        self._boundary: Counter[tuple[datetime | None, str]] = Counter()

    def poll(self) -> list[ContainerLogLine]:
        if self._since is None:
            lines = self.engine.logs(self.container, tail=self.initial_tail)
            fresh = lines
        else:
            lines = self.engine.logs(self.container, since=self._since)
            seen = Counter(self._boundary)
            fresh = []
            for line in lines:
                key = (line.at, line.text)
                if seen[key] > 0:
                    seen[key] -= 1
                else:
                    fresh.append(line)
        stamps = [line.at for line in lines if line.at is not None]
        if stamps:
            newest = max(stamps)
            second = int(newest.timestamp())
            self._since = second
            self._boundary = Counter((line.at, line.text) for line in lines
                                     if line.at is not None and int(line.at.timestamp()) == second)
        elif self._since is None:
            self._since = int(datetime.now(UTC).timestamp())
        return fresh
