"""The fixtures of the resource actions' tests: a moto server of their own (Lambda without Docker)
and a client and cockpit session on it, emptied before each test. Imported by name where used."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.aws.session import AwsSession
from tests.support.resource_actions import Client, clients, lambda_moto_server, post, session_for


@pytest.fixture(scope="module")
def lambda_moto() -> Iterator[str]:
    with lambda_moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def endpoint(lambda_moto: str) -> str:
    post(f"{lambda_moto}/moto-api/reset", "")  # the config survives a reset: only the state goes
    return lambda_moto


@pytest.fixture
def client(endpoint: str) -> Client:
    return clients(endpoint)


@pytest.fixture
def session(endpoint: str) -> AwsSession:
    return session_for(endpoint)
