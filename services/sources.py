"""What the open profile talks to, built once: the AWS session, the Docker engine, the database.

One ``Sources`` per cockpit: the engine panes poll through it and the action executor
builds every action with it, so a restart from the containers pane runs on the very
engine the pane shows. The engines are built from the profile at once (they connect
on first use); the AWS session is set later, once ``connect`` has resolved the
endpoint (the demo's emulator answers after the first frame).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.aws.session import AwsSession
    from services.engines.docker import DockerEngine
    from services.engines.postgres import PostgresSource
    from services.profile import Profile


@dataclass
class Sources:
    aws: AwsSession | None = None
    """``None`` for a profile without ``[aws]``, and until the session is connected."""
    docker: DockerEngine | None = None
    postgres: PostgresSource | None = None
    postgres_backup_retention_days: int = 7
    """``[postgres] backup_retention_days``: ``postgres.dump`` removes older dumps of the database."""

    @classmethod
    def for_profile(cls, profile: Profile) -> Sources:
        """The engines ``[docker]`` and ``[postgres]`` name (no connection yet); no AWS session."""
        docker = postgres = None
        retention = profile.postgres.backup_retention_days if profile.postgres is not None else 7
        if profile.docker is not None:
            from services.engines.docker import DockerEngine

            docker = DockerEngine(profile.docker.host)
        if profile.postgres is not None:
            from services.engines.postgres import PostgresSource

            postgres = PostgresSource(profile.postgres.dsn_env)
        return cls(docker=docker, postgres=postgres, postgres_backup_retention_days=retention)
