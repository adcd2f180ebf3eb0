"""AWS for the tests: moto's real server on loopback, sessions pointed at it, seeded scenarios.

A pytest plugin (``pytest_plugins`` in ``tests/conftest.py``). Every fixture here needs
``moto_endpoint``, so a test using any of them is marked ``aws`` (``tests/support/markers.py``).
"""
from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest


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
    """The demo's shipped profile (a file; no server needed)."""
    from services.demo.catalog import scenario_profile_path
    from services.profile import load_profile

    return load_profile(scenario_profile_path("sentra-scanner"))
