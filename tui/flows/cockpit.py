"""The open profile's one owner: its sources, its timeline and its action flow, each built once.

The app makes one ``Cockpit`` when the profile is loaded; screens and panes reach it
with ``cockpit(widget)``. Nothing else builds a ``Timeline``, an ``ActionFlow`` or an
engine for the running app: an action from any pane lands on the same timeline (and
shared store), runs on the engine the pane shows, and ``u`` can undo it.

The sources and the flow are made on first use, after the dashboard's first frame
(the action catalog takes ~0.2 s to import). The AWS session joins the sources once
the dashboard has connected (``aws_connected``): the demo's endpoint resolves late.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.app import App
from textual.message_pump import MessagePump

from tui.flows.insights_history import InsightsHistory
from tui.flows.query_history import QueryHistory

if TYPE_CHECKING:
    from services.aws.session import AwsSession
    from services.incident.timeline import Timeline
    from services.profile import Profile
    from services.queries import Engines
    from services.sources import Sources
    from tui.flows.action_flow import ActionFlow
    from tui.flows.incident_tracker import IncidentTracker


class Cockpit:
    def __init__(self, app: App, profile: Profile, *, read_only: bool, timeline_path: Path | None = None,
                 prepare_engines: Callable[[], dict[str, str]] | None = None) -> None:
        from tui.flows.incident_tracker import IncidentTracker

        self.app = app
        self.profile = profile
        self.read_only = read_only
        self.prepare_engines = prepare_engines
        """Called in a thread before the engine panes start: puts their endpoints in the environment,
        returns the engines that are unavailable (``{"docker": "podman is not installed"}``)."""
        self.incidents: IncidentTracker = IncidentTracker(app, profile, timeline_path)
        """The timeline (with the shared store's mirror) and the open incident."""
        self._sources: Sources | None = None
        self._actions: ActionFlow | None = None
        self._queries: Engines | None = None
        self.query_history = QueryHistory()
        """The saved-query runs of this session: the query screen finds them again when reopened."""
        self.insights_history = InsightsHistory()
        """The Logs Insights editor's runs, draft and last result, the same way."""

    @property
    def timeline(self) -> Timeline:
        """Where every step, note and alarm transition is recorded."""
        return self.incidents.timeline

    @property
    def sources(self) -> Sources:
        """The profile's engines, given to the engine panes and the executor alike."""
        if self._sources is None:
            from services.sources import Sources

            self._sources = Sources.for_profile(self.profile)
        return self._sources

    @property
    def actions(self) -> ActionFlow:
        """The only way to an action's run (refused wholesale when read-only)."""
        if self._actions is None:
            from services.actions.executor import ActionExecutor
            from tui.flows.action_flow import ActionFlow

            name = self.profile.system.name
            self._actions = ActionFlow(self.app, ActionExecutor(self.sources, self.timeline, read_only=self.read_only,
                                                                profile_name=name))
        return self._actions

    @property
    def connected(self) -> bool:
        """The AWS session exists (never, for a profile without ``[aws]``)."""
        return self.sources.aws is not None

    def query_engines(self) -> Engines:
        """The saved queries' engines (``services/queries``), sharing the dashboard's AWS session once it exists.

        Made again only when the session appears after a first, AWS-less use (a postgres
        query run before the endpoint resolved): an AWS engine never makes its own session here.
        """
        from services.queries import Engines

        if self._queries is None or (self._queries.session is None and self.sources.aws is not None):
            self._queries = Engines(self.profile, self.sources.aws)
        return self._queries

    def aws_connected(self, session: AwsSession) -> None:
        """The dashboard's session, once ``connect`` resolved the endpoint: AWS actions can run from now on."""
        self.sources.aws = session

    def start_action(self, action_id: str, target: str = "", params: dict[str, Any] | None = None, *,
                     ask: bool = True) -> None:
        """Plan ``action_id`` (form first when ``ask``), then the confirmation screen."""
        from services.actions.engines import uses_aws

        if self.profile.has_aws and uses_aws(action_id) and not self.connected:
            self.app.notify("Not connected yet: actions are available once the sources are.", severity="warning")
            return
        self.actions.start(action_id, target, params, ask=ask)

    def undo(self) -> None:
        if self._actions is None:
            self.app.notify("No action has run in this cockpit.", severity="warning")
            return
        self._actions.undo_last()

    def show_timeline(self) -> None:
        from tui.screens.timeline import TimelineScreen

        tracker = self.incidents
        self.app.push_screen(TimelineScreen(tracker.timeline.path, tracker.read_events, shared=tracker.store is not None,
                                            system=tracker.timeline.profile))


@runtime_checkable
class CockpitHost(Protocol):
    """The app as its screens and the command palette see it."""

    cockpit: Cockpit | None
    """None until the profile is loaded."""

    def open_playbook(self, playbook_id: str) -> None: ...

    def action_help(self) -> None: ...


class NoCockpit(RuntimeError):
    """Asked for before the profile was loaded, or from an app that is not the cockpit's."""


def find_cockpit(node: MessagePump) -> Cockpit | None:
    """The app's cockpit; None before the profile is loaded (the command palette may open that early)."""
    app = node if isinstance(node, App) else node.app
    return app.cockpit if isinstance(app, CockpitHost) else None


def cockpit(node: MessagePump) -> Cockpit:
    """The cockpit of the app ``node`` (a widget, a screen or the app) runs in."""
    owner = find_cockpit(node)
    if owner is None:
        raise NoCockpit(f"{type(node).__name__}: no cockpit (profile not loaded yet, or not the cockpit's app)")
    return owner


def request_action(node: MessagePump, action_id: str, target: str, params: dict[str, Any] | None = None) -> None:
    """A pane's or screen's verb (restart, terminate, vacuum…): plan → confirm → run → verify, no form."""
    cockpit(node).start_action(action_id, target, dict(params or {}), ask=False)
