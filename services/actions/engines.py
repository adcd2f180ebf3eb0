"""What each action is built with, and how docker.* and postgres.* actions find their engine.

The executor holds the profile's ``Sources``. An action of the docker or postgres
family is built with the ``Sources`` themselves and takes its engine from them (a
test may build one with the engine directly); every other action is an AWS one and
gets the AWS session.
"""
from __future__ import annotations

from typing import Any

from services.engines.docker import DockerEngine
from services.engines.postgres import PostgresSource
from services.errors import BadInput
from services.sources import Sources

ENGINE_FAMILIES = frozenset({"docker", "postgres"})
"""Action id prefixes (``docker.restart``, ``postgres.terminate``...) whose actions talk to an engine, not AWS."""


LOCAL_ACTIONS = frozenset({"notify.webhook"})
"""Actions that need neither AWS nor an engine (an HTTP POST): built with the ``Sources``, which they ignore."""


def uses_aws(action_id: str) -> bool:
    return action_id.partition(".")[0] not in ENGINE_FAMILIES and action_id not in LOCAL_ACTIONS


def session_for(sources: Sources, action_id: str) -> Any:
    """The ``session`` an action of ``action_id`` is built with; ``BadInput`` when an AWS one has none."""
    if not uses_aws(action_id):
        return sources
    if sources.aws is None:
        raise BadInput(f"{action_id}: no AWS session (the profile has no [aws] section, or it is not connected yet)")
    return sources.aws


def docker_engine(session: Any) -> DockerEngine:
    if isinstance(session, DockerEngine):
        return session
    if isinstance(session, Sources) and session.docker is not None:
        return session.docker
    raise BadInput("no Docker engine: the profile has no [docker] section")


def postgres_source(session: Any) -> PostgresSource:
    if isinstance(session, PostgresSource):
        return session
    if isinstance(session, Sources) and session.postgres is not None:
        return session.postgres
    raise BadInput("no database: the profile has no [postgres] section")
