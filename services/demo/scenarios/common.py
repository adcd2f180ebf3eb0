"""What the runbook scenarios share: Lambda functions, log streams, metric history, alarms driven by windows.

A scenario is seeded once (``seed(now)``) and then ticked about once a second
(``tick(now)``). Its incident is a loop of ``LOOP`` ticks; ``tick_count`` says where in
the loop it is, so tests jump straight to the incident by setting it. Alarm states are
*wanted* from what the simulator just did (a window of recent ticks) and only written
with ``set_alarm_state`` when they change: an operator's fix that ends the failures
brings the alarm back to OK by itself.
"""
from __future__ import annotations

import io
import json
import logging
import random
import urllib.request
import uuid
import zipfile
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger("cockpit.demo")

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(stamp: datetime) -> str:
    return f"{stamp:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z"


def lambda_zip(module: str, extra: str = "") -> bytes:
    """A one-handler package; ``extra`` makes another code hash (a second deployment)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{module}.py", f"{extra}def handler(event, context):\n    return {{'status': 'ok'}}\n")
    return buffer.getvalue()


def create_role(iam: Any, name: str) -> str:
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]


def create_function(lam: Any, name: str, role_arn: str, *, timeout: int, memory: int,
                    env: dict[str, str] | None = None) -> str:
    answer = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="main.handler",
                                 Code={"ZipFile": lambda_zip("main")}, Timeout=timeout, MemorySize=memory,
                                 Environment={"Variables": env or {"LOG_LEVEL": "INFO"}})
    return str(answer["FunctionArn"])


def moto_seed(client: Any, value: int) -> bool:
    """Seed moto's id generator (``/moto-api/seed``) so the next resources get the same ids every run.

    Only moto has this endpoint; anywhere else it fails and ids are whatever AWS gives.
    """
    endpoint = client.meta.endpoint_url.rstrip("/")
    request = urllib.request.Request(f"{endpoint}/moto-api/seed?a={value}", method="POST")
    try:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10).read()
        return True
    except OSError as error:
        log.warning("could not seed the emulator's ids (%s): the profile's fixed ids will not match", error)
        return False


def request_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def report_line(request: str, duration_ms: float, memory_size: int, used_mb: int) -> str:
    return (f"REPORT RequestId: {request}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {int(duration_ms) + 1} ms\t"
            f"Memory Size: {memory_size} MB\tMax Memory Used: {used_mb} MB")


def put_metrics(cw: Any, namespace: str, data: list[dict[str, Any]]) -> None:
    for start in range(0, len(data), 500):
        cw.put_metric_data(Namespace=namespace, MetricData=data[start:start + 500])


def datum(name: str, value: float, stamp: datetime, unit: str = "Count",
          dimensions: dict[str, str] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"MetricName": name, "Value": float(value), "Timestamp": stamp, "Unit": unit}
    if dimensions:
        item["Dimensions"] = [{"Name": key, "Value": val} for key, val in dimensions.items()]
    return item


def minutes_back(now: datetime, minutes: int) -> Iterable[datetime]:
    """One timestamp a minute over the last ``minutes`` minutes, oldest first."""
    for minute in range(minutes, 0, -1):
        yield now - timedelta(minutes=minute)


class LogWriter:
    """Log groups with one current stream each (Lambda opens new ones as instances come and go)."""

    def __init__(self, logs: Any, rng: random.Random) -> None:
        self.logs = logs
        self.rng = rng
        self.streams: dict[str, str] = {}

    def create(self, group: str, now: datetime, *, lambda_style: bool = True) -> None:
        self.logs.create_log_group(logGroupName=group)
        self.new_stream(group, now, lambda_style=lambda_style)

    def new_stream(self, group: str, now: datetime, *, lambda_style: bool = True) -> str:
        suffix = uuid.UUID(int=self.rng.getrandbits(128)).hex
        stream = f"{now:%Y/%m/%d}/[$LATEST]{suffix}" if lambda_style else f"{now:%Y-%m-%d}-{suffix[:12]}"
        self.logs.create_log_stream(logGroupName=group, logStreamName=stream)
        self.streams[group] = stream
        return stream

    def put(self, group: str, stamp: datetime, lines: list[str]) -> None:
        if not lines:
            return
        base = int(stamp.timestamp() * 1000)
        self.logs.put_log_events(logGroupName=group, logStreamName=self.streams[group],
                                 logEvents=[{"timestamp": base + i, "message": line} for i, line in enumerate(lines)])


class Window:
    """The last ``size`` ticks' values of one signal."""

    def __init__(self, size: int) -> None:
        self.values: deque[float] = deque(maxlen=size)

    def push(self, value: float) -> None:
        self.values.append(value)

    def sum(self) -> float:
        return float(sum(self.values))

    def max(self) -> float:
        return max(self.values, default=0.0)

    def mean(self) -> float:
        return self.sum() / len(self.values) if self.values else 0.0


class AlarmDriver:
    """Creates the scenario's alarms and writes a state only when the wanted one differs."""

    def __init__(self, cw: Any, alarms: list[dict[str, Any]]) -> None:
        self.cw = cw
        self.alarms = alarms
        self.states: dict[str, str] = {}

    def create(self) -> None:
        for alarm in self.alarms:
            self.cw.put_metric_alarm(**alarm)
        for alarm in self.alarms:
            self.want(alarm["AlarmName"], False, 0.0)

    def threshold(self, name: str) -> float:
        """The alarm's threshold as CloudWatch has it now (a responder may have moved it)."""
        found = self.cw.describe_alarms(AlarmNames=[name]).get("MetricAlarms", [])
        if found:
            return float(found[0]["Threshold"])
        return float(next(a for a in self.alarms if a["AlarmName"] == name)["Threshold"])

    def want(self, name: str, breaching: bool, value: float, threshold: float | None = None) -> None:
        state = "ALARM" if breaching else "OK"
        if self.states.get(name) == state:
            return
        alarm = next(a for a in self.alarms if a["AlarmName"] == name)
        relation = "greater" if "Greater" in alarm["ComparisonOperator"] else "less"
        negation = "" if breaching else "not "
        limit = float(alarm["Threshold"]) if threshold is None else threshold
        reason = (f"Threshold Crossed: 1 datapoint [{value:g}] was {negation}{relation} than the threshold "
                  f"({limit:g}).")
        self.cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)
        self.states[name] = state


class RunbookScenario:
    """Base of the runbook scenarios: clients, randomness, the loop position, a log writer."""

    name = ""
    profile = ""
    LOOP = 150
    INCIDENT = (40, 100)
    """Ticks of the loop in which the runbook's incident plays (start inclusive, end exclusive)."""

    def __init__(self, clients: dict[str, Any], *, rng: random.Random | None = None, history_minutes: int = 180,
                 health_port: int | None = None) -> None:
        self.c = clients
        self.rng = rng or random.Random(7)
        self.history_minutes = history_minutes
        self.health_port = health_port
        self.tick_count = 0
        self.logs = LogWriter(clients["logs"], self.rng)

    @property
    def position(self) -> int:
        return self.tick_count % self.LOOP

    @property
    def in_incident(self) -> bool:
        start, end = self.INCIDENT
        return start <= self.position < end

    def close(self) -> None:
        """Stop what the scenario started besides AWS resources (a health server)."""
