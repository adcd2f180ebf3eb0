"""Saved queries on every engine behind one interface: Logs Insights, Athena, PostgreSQL, DynamoDB, Prometheus.

``Engines(profile, aws_session).engine_for(spec)`` gives the spec's engine (made once,
then shared); each has ``start(spec, params) -> QueryHandle``, ``poll(handle) ->
QueryProgress`` and ``stop(handle) -> bool``, all blocking calls for a worker thread.
:func:`run_to_end` is the headless loop: start, poll until final, stop on interrupt.
Engines are imported when first needed: a profile without Athena never loads it.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from services.errors import SourceError
from services.profile.queries import QuerySpec
from services.queries.base import FINAL, QueryEngine, QueryHandle, QueryProgress, QueryStats, cell_text
from services.queries.params import BadParameter, parse_assignments, resolve

if TYPE_CHECKING:
    from services.aws.session import AwsSession
    from services.profile.model import Profile

__all__ = ["FINAL", "BadParameter", "Engines", "QueryEngine", "QueryHandle", "QueryProgress", "QueryStats",
           "cell_text", "parse_assignments", "resolve", "run_to_end"]


class Engines:
    """The profile's query engines, made on first use; AWS ones share ``session``."""

    def __init__(self, profile: Profile, session: AwsSession | None = None) -> None:
        self.profile = profile
        self._session = session
        self._engines: dict[str, QueryEngine] = {}

    @property
    def session(self) -> AwsSession | None:
        """The AWS session the AWS engines share (None until one is given or first needed)."""
        return self._session

    def _aws(self) -> AwsSession:
        """The session given, else one on the profile's ``[aws]`` (made when an AWS engine is first needed)."""
        if self._session is None:
            from services.aws.session import AwsSession, AwsTarget

            aws = self.profile.aws
            self._session = AwsSession(AwsTarget(region=aws.region, profile=aws.profile, endpoint_url=aws.endpoint_url,
                                                 role_arn=aws.role_arn) if aws else AwsTarget())
        return self._session

    def missing_setup(self, spec: QuerySpec) -> str | None:
        """What the profile lacks for ``spec`` to run (the engine's section), or None."""
        if spec.engine == "postgres" and self.profile.postgres is None:
            return f"query {spec.id!r} is a postgres query and the profile has no [postgres] dsn_env"
        if spec.engine == "prometheus" and self.profile.prometheus is None:
            return f"query {spec.id!r} is a prometheus query and the profile has no [prometheus] url"
        return None

    def engine_for(self, spec: QuerySpec) -> QueryEngine:
        if spec.engine not in self._engines:
            self._engines[spec.engine] = self._make(spec.engine)
        return self._engines[spec.engine]

    def _make(self, engine: str) -> QueryEngine:
        if engine == "athena":
            from services.queries.athena import AthenaEngine

            return AthenaEngine(self._aws())
        if engine == "dynamodb":
            from services.queries.dynamodb import DynamoEngine

            return DynamoEngine(self._aws())
        if engine == "postgres":
            from services.queries.postgres import PostgresEngine

            return PostgresEngine(self.profile.postgres.dsn_env if self.profile.postgres else None)
        if engine == "prometheus":
            from services.queries.prometheus import PrometheusEngine

            return PrometheusEngine(self.profile.prometheus.url if self.profile.prometheus else None)
        from services.queries.insights import InsightsEngine

        return InsightsEngine(self._aws())

    def start(self, spec: QuerySpec, params: Mapping[str, str]) -> QueryHandle:
        return self.engine_for(spec).start(spec, params)


def run_to_end(engine: QueryEngine, spec: QuerySpec, params: Mapping[str, str], *,
               on_progress: Callable[[QueryProgress], None] | None = None, timeout: float = 3600.0,
               interval: float = 0.2, max_interval: float = 2.0) -> QueryProgress:
    """Start, poll until final (the interval grows to ``max_interval``), stop it on Ctrl-C or at ``timeout``.

    An interrupt stops the query (an Athena scan left running is billed) and is raised again.
    """
    handle = engine.start(spec, params)
    try:
        while True:
            progress = engine.poll(handle)
            if on_progress is not None:
                on_progress(progress)
            if progress.done:
                return progress
            if time.monotonic() - handle.started > timeout:
                engine.stop(handle)
                return QueryProgress(handle.query_id, "failed", elapsed=progress.elapsed,
                                     error=SourceError(f"no result after {timeout:g} s; the query was stopped"))
            time.sleep(interval)  # the engine's pace: poll again later, never busy-wait
            interval = min(interval * 1.5, max_interval)
    except KeyboardInterrupt:
        engine.stop(handle)
        raise
