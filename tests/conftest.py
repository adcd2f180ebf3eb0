"""Shared fixtures: a real moto server on loopback, sessions pointed at it, seeded scenarios."""
from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engines import docker_client, lock_conflict, pg_dsn, pg_server, podman_service  # noqa: F401 - real PostgreSQL and podman

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _dummy_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see a real account's credentials, and write state under tmp."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server, bound to 127.0.0.1 on a free port, for the whole session."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns failures
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto(moto_endpoint: str) -> str:
    """The server, emptied before the test: every test starts from a blank account."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).read()
    return moto_endpoint


@pytest.fixture
def boto(moto: str) -> Callable[[str], Any]:
    """A raw boto3 client factory for seeding and reading back (tests only)."""
    import boto3

    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    return make


@pytest.fixture
def aws_target(moto: str):
    from services.aws.session import AwsTarget

    return AwsTarget(region="us-east-1", endpoint_url=moto)


@pytest.fixture
def aws_session(aws_target):
    from services.aws.session import AwsSession

    return AwsSession(aws_target)


@pytest.fixture
def sentra(boto: Callable[[str], Any]):
    """The Sentra Scanner scenario seeded into the emptied server, with its simulator."""
    import random

    from services.demo.emulator import SERVICES
    from services.demo.scenarios.sentra_scanner import SentraScanner, utcnow

    scenario = SentraScanner({name: boto(name) for name in SERVICES}, rng=random.Random(3))
    scenario.seed(utcnow())
    return scenario


@pytest.fixture
def demo_profile():
    from services.demo.catalog import scenario_profile_path
    from services.profile import load_profile

    return load_profile(scenario_profile_path("sentra-scanner"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failed one: a required engine that is missing must show."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"CI: {skipped} test(s) skipped; a skip counts as a failure here", red=True)
