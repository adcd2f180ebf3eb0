"""moto's server for the resource actions' tests, in its own process, and what they seed.

Lambda without Docker: ``{"lambda": {"use_docker": false}}`` is set before any function
exists, and moto then answers invocations without containers (echoing the payload). The
setting is process-wide in moto and moves Lambda to another backend, so it must not be
switched under the shared in-process server of conftest.py. The same process, switched
to IAM enforcement for one test (``/moto-api/reset-auth``), gives the real AccessDenied.
A function error comes from a second process: moto's Docker backend with no engine behind it.
"""
from __future__ import annotations

import io
import json
import os
import shlex
import socket
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from services.actions.executor import ActionExecutor
from services.aws.session import AwsSession, AwsTarget
from services.incident.timeline import Timeline, read_timeline
from services.sources import Sources
from tests.support.waiting import wait_for

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
PROFILE = str(ROOT / "services" / "demo" / "profiles" / "sentra-scanner.toml")
FUNCTION = "res-detector"
QUEUE = "res-alerts"
ROLE = "res-app-role"
SYSTEM = "Resources"
SECRET = "tok-7f3a9c-secret"

Client = Callable[[str], Any]


# ---------------------------------------------------------------- the server and its clients
def post(url: str, body: str) -> None:
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()


@contextmanager
def lambda_moto_server(*, docker_host: str | None = None) -> Iterator[str]:
    """moto's server in its own process: Lambda without Docker (set before any function exists), or,
    given ``docker_host``, moto's Docker backend pointed at that engine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DOCKER_HOST": docker_host} if docker_host else None
    server = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers() -> bool:
        try:
            return urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).status == 200
        except OSError:
            return False

    try:
        wait_for(answers, timeout=60, what="moto's server to answer")
        if docker_host is None:
            post(f"{endpoint}/moto-api/config", json.dumps({"lambda": {"use_docker": False}}))
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


def clients(endpoint: str, key: str = "testing", secret: str = "testing") -> Client:
    import boto3

    return lambda service: boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                                        aws_access_key_id=key, aws_secret_access_key=secret)


def session_for(endpoint: str) -> AwsSession:
    return AwsSession(AwsTarget(region="us-east-1", endpoint_url=endpoint))


def executor(session: AwsSession, tmp_path: Path) -> ActionExecutor:
    return ActionExecutor(Sources(aws=session), Timeline(tmp_path / "timeline.jsonl", profile=SYSTEM), read_only=False,
                          profile_name=SYSTEM)


def steps(tmp_path: Path) -> list[str]:
    path = tmp_path / "timeline.jsonl"
    return [event["step"] for event in read_timeline(path)] if path.exists() else []


def run_cli(command: str, endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_MAX_ATTEMPTS": "1"}
    return subprocess.run(["bash", "-c", f"{command} --endpoint-url {shlex.quote(endpoint)}"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def changes(plan: Any) -> dict[str, tuple[Any, Any]]:
    return {change.field: (change.before, change.after) for change in plan.changes}


def swapped(plan: Any) -> dict[str, tuple[Any, Any]]:
    return {name: (after, before) for name, (before, after) in changes(plan).items()}


# ---------------------------------------------------------------- seeding
def zipped(source: str) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("detector.py", source)
    return archive.getvalue()


def seed_function(client: Client, versions: int = 3) -> dict[str, dict[str, Any]]:
    """A function with ``versions`` published versions (different code each), alias live on the newest."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    role = client("iam").create_role(RoleName="res-detector-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    lam = client("lambda")
    lam.create_function(FunctionName=FUNCTION, Runtime="python3.12", Role=role, Handler="detector.handler",
                        Code={"ZipFile": zipped("VERSION = 1")},
                        Environment={"Variables": {"DETECTOR_API_TOKEN": SECRET, "LOG_LEVEL": "INFO"}})
    published = {}
    for number in range(1, versions + 1):
        if number > 1:
            lam.update_function_code(FunctionName=FUNCTION, ZipFile=zipped(f"VERSION = {number}"))
        answer = lam.publish_version(FunctionName=FUNCTION, Description=f"deploy {number}")
        published[answer["Version"]] = answer
    lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=str(versions))
    return published


def alias_version(client: Client) -> str:
    return client("lambda").get_alias(FunctionName=FUNCTION, Name="live")["FunctionVersion"]


def seed_queue(client: Client) -> str:
    return client("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]


def depth(client: Client, url: str) -> int:
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def received(client: Client, url: str) -> list[tuple[str, dict[str, str]]]:
    messages = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return [(m["Body"], {k: v["StringValue"] for k, v in (m.get("MessageAttributes") or {}).items()})
            for m in messages.get("Messages", [])]


READ_S3 = {"Sid": "ReadRules", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::rules/*"}
SEND = {"action": "sqs:SendMessage", "resource": "arn:aws:sqs:us-east-1:123456789012:res-alerts"}


def seed_role(client: Client, existing: list[dict[str, Any]] | None = None) -> None:
    client("iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    if existing:
        client("iam").put_role_policy(RoleName=ROLE, PolicyName="cockpit-grants", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": existing}))


def inline_policy(client: Client) -> dict[str, Any] | None:
    iam = client("iam")
    if "cockpit-grants" not in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
        return None
    return iam.get_role_policy(RoleName=ROLE, PolicyName="cockpit-grants")["PolicyDocument"]
