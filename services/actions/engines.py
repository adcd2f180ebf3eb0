"""How docker.* and postgres.* actions find their engine.

The executor builds every action with one ``session``. For these actions it may be the
engine itself (``DockerEngine`` / ``PostgresSource``), an object carrying them as
``.docker`` / ``.postgres`` attributes, or anything else (the AWS session): then the
engines the cockpit registered with ``use`` for the open profile are used.
"""
from __future__ import annotations

from typing import Any

from services.engines.docker import DockerEngine
from services.errors import BadInput
from services.engines.postgres import PostgresSource

_registered: dict[str, Any] = {}


def use(*, docker: DockerEngine | None = None, postgres: PostgresSource | None = None) -> None:
    """Register the open profile's engines (the cockpit calls this when its panes start)."""
    if docker is not None:
        _registered["docker"] = docker
    if postgres is not None:
        _registered["postgres"] = postgres


def forget() -> None:
    _registered.clear()


def docker_engine(session: Any) -> DockerEngine:
    if isinstance(session, DockerEngine):
        return session
    engine = getattr(session, "docker", None) or _registered.get("docker")
    if not isinstance(engine, DockerEngine):
        raise BadInput("no Docker engine: the profile has no [docker] section")
    return engine


def postgres_source(session: Any) -> PostgresSource:
    if isinstance(session, PostgresSource):
        return session
    source = getattr(session, "postgres", None) or _registered.get("postgres")
    if not isinstance(source, PostgresSource):
        raise BadInput("no database: the profile has no [postgres] section")
    return source
