"""The dashboard's engine panes: which to compose for a profile, how to start them, how they ask for actions.

The dashboard only calls ``engine_panes`` in ``compose`` and ``start_engine_panes`` once
its first frame is up; each pane owns its pollers and handles its own messages.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.app import App
from textual.widget import Widget

from services.errors import SourceError
from services.profile import Profile


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


def start_engine_panes(screen: Widget, unavailable: dict[str, str] | None = None) -> None:
    """Start each pane's pollers; a pane whose engine is in ``unavailable`` shows the reason instead."""
    from tui.panes.containers import ContainersPane
    from tui.messages import SourceFailed
    from tui.panes.postgres import PostgresPane

    unavailable = unavailable or {}
    for pane in _panes(screen):
        engine, source = (("docker", "containers") if isinstance(pane, ContainersPane)
                          else ("postgres", "postgres") if isinstance(pane, PostgresPane) else ("health", "health"))
        if engine in unavailable:
            pane.post_message(SourceFailed(source, EngineUnavailable(unavailable[engine]), None))
        else:
            pane.start()


def refresh_engine_panes(screen: Widget) -> None:
    """The refresh key: every engine poller checks now."""
    for pane in _panes(screen):
        pane.refresh_now()


def request_action(widget: Widget, action_id: str, target: str, params: dict[str, Any] | None = None) -> None:
    """Plan → confirm → run → verify through the app's action flow (the one the AWS actions use).

    A profile without AWS has no flow until one is needed: it is made here with the same
    executor and timeline (the engines come from ``services.actions.engines``), and set
    as the app's, so undo and the timeline work the same.
    """
    flow = getattr(widget.app, "actions", None)
    if flow is None or not hasattr(flow, "start"):
        flow = _own_flow(widget.app)
    flow.start(action_id, target, dict(params or {}), ask=False)


def engine_flow(app: App) -> Any:
    """The app's action flow for a profile without AWS (made on first use)."""
    flow = getattr(app, "actions", None)
    return flow if flow is not None and hasattr(flow, "start") else _own_flow(app)


def _own_flow(app: App) -> Any:
    from services.actions.executor import ActionExecutor
    from services.incident.timeline import Timeline
    from tui.flows.action_flow import ActionFlow

    profile = getattr(app, "profile", None)
    name = profile.system.name if profile is not None else ""
    timeline = Timeline(getattr(app, "timeline_path", None), profile=name)
    executor = ActionExecutor(None, timeline, read_only=bool(getattr(app, "read_only", False)), profile_name=name)
    flow = ActionFlow(app, executor)
    app.actions = flow  # type: ignore[attr-defined]
    return flow
