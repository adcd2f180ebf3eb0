"""The dashboard's engine panes: which to compose for a profile and how to start them.

The dashboard only calls ``engine_panes`` in ``compose`` and ``start_engine_panes`` once
its first frame is up, with the cockpit's sources: each pane polls the engine the
action executor also uses. Each pane owns its pollers and handles its own messages; its
verbs go through ``tui.flows.cockpit.request_action``.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from textual.widget import Widget

from services.errors import SourceError
from services.profile import Profile

if TYPE_CHECKING:
    from services.sources import Sources


class EngineUnavailable(SourceError):
    """The engine could not be started or reached before the pane started; the pane will not poll."""

    kind = "unavailable"
    retry = False


def engine_panes(profile: Profile) -> Iterator[Widget]:
    """The panes for ``[docker]``, ``[postgres]`` and ``[[health]]``, in that order."""
    if profile.docker is not None:
        from tui.panes.container_logs import ContainerLogsPane
        from tui.panes.containers import ContainersPane

        yield ContainersPane(profile.docker, profile.cockpit)
        yield ContainerLogsPane(profile.cockpit)
    if profile.postgres is not None:
        from tui.panes.postgres import PostgresPane

        yield PostgresPane(profile.postgres)
    if profile.health:
        from tui.panes.health import HealthPane

        yield HealthPane(profile.health)


def engines_where(profile: Profile) -> str:
    """The header's "where" for a profile without AWS: the engines it talks to."""
    parts = []
    if profile.docker is not None:
        parts.append(f"docker {profile.docker.host or 'DOCKER_HOST/local socket'}")
    if profile.postgres is not None:
        parts.append(f"postgres ${profile.postgres.dsn_env}")
    if profile.health:
        parts.append(f"{len(profile.health)} health URL{'s' if len(profile.health) > 1 else ''}")
    return " · ".join(parts) or "no source configured"


def _panes(screen: Widget) -> list[Any]:
    from tui.panes.containers import ContainersPane
    from tui.panes.health import HealthPane
    from tui.panes.postgres import PostgresPane

    return [pane for kind in (ContainersPane, PostgresPane, HealthPane) for pane in screen.query(kind)]


def start_engine_panes(screen: Widget, sources: Sources, unavailable: dict[str, str] | None = None) -> None:
    """Start each pane's pollers on ``sources``' engine; a pane whose engine is in ``unavailable`` shows the reason instead."""
    from tui.messages import SourceFailed
    from tui.panes.containers import ContainersPane
    from tui.panes.postgres import PostgresPane

    unavailable = unavailable or {}
    for pane in _panes(screen):
        engine, source = (("docker", "containers") if isinstance(pane, ContainersPane)
                          else ("postgres", "postgres") if isinstance(pane, PostgresPane) else ("health", "health"))
        if engine in unavailable:
            pane.post_message(SourceFailed(source, EngineUnavailable(unavailable[engine]), None))
        elif isinstance(pane, ContainersPane):
            assert sources.docker is not None  # the pane exists because the profile has [docker]
            pane.start(sources.docker)
        elif isinstance(pane, PostgresPane):
            assert sources.postgres is not None
            pane.start(sources.postgres)
        else:
            pane.start()


def refresh_engine_panes(screen: Widget) -> None:
    """The refresh key: every engine poller checks now."""
    for pane in _panes(screen):
        pane.refresh_now()
