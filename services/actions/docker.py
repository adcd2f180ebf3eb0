"""Containers: restart, stop, start one (``docker restart|stop|start``), through the engine API.

The target is a container name (or id). Plans read the container's state first; the
command is the ``docker`` CLI equivalent (with ``-H`` when the profile names a host).
Stop and start undo each other.
"""
from __future__ import annotations

import shlex
import time
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from services.actions.base import Action, ActionParams, FieldChange, ParamsT, Plan, Risk, Verification
from services.actions.engines import docker_engine
from services.engines.docker import Container, DockerEngine, parse_time
from services.errors import BadInput


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") if value else None


def _where(container: Container) -> str:
    if container.project and container.service:
        return f" (service {container.service} of {container.project})"
    return ""


class _ContainerAction(Action[ParamsT]):
    target_kind = "container name"
    verify_seconds: ClassVar[float] = 20.0

    @property
    def engine(self) -> DockerEngine:
        return docker_engine(self.session)

    def container(self) -> Container:
        try:
            return self.engine.inspect(self.target)
        except BadInput:
            twin = self.engine.compose_twin(self.target)  # a runbook's v2 name on a v1 host, or the reverse
            if twin is None:
                raise BadInput(f"no container {self.target!r} on {self.engine.describe()}") from None
            self.target = twin  # the plan, its command and the typed confirmation name the real container
            return self.engine.inspect(twin)

    def command(self, verb: str, *options: str) -> str:
        return " ".join([self.engine.cli_prefix(), verb, *options, shlex.quote(self.target)])

    def _wait_until(self, check, what: str) -> Verification:
        deadline = time.monotonic() + self.verify_seconds
        while True:
            current = self.container()
            if check(current):
                since = f" since {_iso(current.started_at)}" if current.running else ""
                return Verification(True, f"{self.target} is {current.state}{since}",
                                    {"state": current.state, "started_at": _iso(current.started_at)})
            if time.monotonic() > deadline:
                return Verification(False, f"{self.target} is {current.state}, expected {what}",
                                    {"state": current.state, "started_at": _iso(current.started_at)})
            time.sleep(0.2)  # poll the engine until the container settles


class Restart(_ContainerAction["Restart.Params"]):
    id = "docker.restart"
    title = "Restart a container"
    risk = Risk.LOW

    class Params(ActionParams):
        timeout: int = Field(default=10, ge=0, le=600, description="seconds to wait for it to stop before killing it")

    def plan(self) -> Plan:
        container = self.container()
        timeout = self.params.timeout
        return Plan(self.id, self.target, self.params.model_dump(),
                    (FieldChange("state", container.state, "running"),
                     FieldChange("started_at", _iso(container.started_at), "(now)")),
                    self.risk, self.command("restart", "--time", str(timeout)),
                    f"Restart container {self.target}{_where(container)}", reversible=False,
                    notes=(f"{container.stop_signal}, then SIGKILL after {timeout} s, then started again: "
                           "it serves nothing meanwhile.",))

    def run(self, plan: Plan) -> dict[str, Any]:
        self.engine.restart(self.target, timeout=self.params.timeout)
        return {"restarted": self.target}

    def verify(self, plan: Plan) -> Verification:
        before = parse_time(plan.changes[1].before)
        return self._wait_until(lambda c: c.running and (before is None or (c.started_at is not None and c.started_at > before)),
                                "running with a new start time")


class Stop(_ContainerAction["Stop.Params"]):
    id = "docker.stop"
    title = "Stop a container"
    risk = Risk.HIGH

    class Params(ActionParams):
        timeout: int = Field(default=10, ge=0, le=600, description="seconds to wait for it to stop before killing it")

    def plan(self) -> Plan:
        container = self.container()
        timeout = self.params.timeout
        return Plan(self.id, self.target, self.params.model_dump(),
                    (FieldChange("state", container.state, "exited" if container.running else container.state),),
                    self.risk, self.command("stop", "--time", str(timeout)),
                    f"Stop container {self.target}{_where(container)}", reversible=True,
                    notes=(f"{container.stop_signal}, then SIGKILL after {timeout} s. It stays stopped until started "
                           "(u: undo).",))

    def run(self, plan: Plan) -> dict[str, Any]:
        self.engine.stop(self.target, timeout=self.params.timeout)
        return {"stopped": self.target}

    def verify(self, plan: Plan) -> Verification:
        return self._wait_until(lambda c: not c.running and c.state != "restarting", "stopped")

    def inverse(self, plan: Plan) -> Start | None:
        return Start(self.session, self.target, Start.Params()) if plan.changes[0].before == "running" else None


class Start(_ContainerAction["Start.Params"]):
    id = "docker.start"
    title = "Start a stopped container"
    risk = Risk.LOW

    class Params(ActionParams):
        pass

    def plan(self) -> Plan:
        container = self.container()
        return Plan(self.id, self.target, {}, (FieldChange("state", container.state, "running"),),
                    self.risk, self.command("start"), f"Start container {self.target}{_where(container)}",
                    reversible=True)

    def run(self, plan: Plan) -> dict[str, Any]:
        self.engine.start(self.target)
        return {"started": self.target}

    def verify(self, plan: Plan) -> Verification:
        return self._wait_until(lambda c: c.running, "running")

    def inverse(self, plan: Plan) -> Stop | None:
        if plan.changes[0].before in ("exited", "created", "stopped"):
            return Stop(self.session, self.target, Stop.Params())
        return None


ACTIONS: tuple[type[Action], ...] = (Restart, Stop, Start)
