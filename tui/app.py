"""The Textual application: one profile, one dashboard; quitting stops what it started.

The first frame (header with the system's name) is drawn before the profile is
validated and before the dashboard's widgets and pydantic are imported: a responder
sees the cockpit at once; a profile that turns out invalid ends the app with exit 2.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from services.aws.session import AwsTarget
from services.errors import SourceError
from tui.commands import CockpitCommands
from widgets.cockpit_header import CockpitHeader

if TYPE_CHECKING:
    from pathlib import Path

    from services.profile import Profile
    from tui.flows.cockpit import Cockpit

log = logging.getLogger("cockpit.app")

DEFAULT_THEME = "ansi-dark"
"""The terminal's own palette: shortest escape sequences over SSH, and the responder's colours."""

ProfileSource = Callable[[], "Profile"]


class CockpitApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "incident-cockpit"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {CockpitCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("t", "timeline", "Timeline"),
        Binding("u", "undo", "Undo", tooltip="Plan the inverse of the last action (confirmed like any action)"),
        Binding("p", "playbooks", "Playbook", tooltip="The playbook of a firing alarm, or the list"),
        Binding("n", "note", "Note", tooltip="A note on the incident timeline"),
        Binding("exclamation_mark", "incident", "Incident", tooltip="Open, acknowledge, re-grade or resolve"),
        # Not in the footer: the header's "esc DUE → … (e)" and the notification say it when it applies.
        Binding("e", "escalate", "Escalate", tooltip="Plan the notification of the escalation due (confirmed first)",
                show=False),
    ]

    def __init__(self, profile: Profile | ProfileSource, target: AwsTarget, *, read_only: bool = False,
                 connect: Callable[[AwsTarget], AwsTarget] | None = None, system_name: str | None = None,
                 timeline_path: Path | None = None,
                 prepare_engines: Callable[[], dict[str, str]] | None = None, theme: str | None = None) -> None:
        # Native ANSI colours whatever the theme: Textual picks its NO_COLOR filter here, from the theme
        # current at construction (not yet ours). With ANSI off it picks Monochrome, which turns the
        # terminal's default colours into black on black (38;5;16 on 48;5;16) and costs bytes; with it
        # on, NoColor (the terminal's own default colours).
        super().__init__(ansi_color=True)
        self.on_hang_up: list[Callable[[], None]] = []
        """Called when the terminal hangs up, before the process exits (the CLI stops the demo's emulator)."""
        self.theme_choice = theme
        """``--theme``; else the profile's ``[cockpit] theme``; else ``DEFAULT_THEME``."""
        self._timeline_path = timeline_path
        self._prepare_engines = prepare_engines
        self.cockpit: Cockpit | None = None
        """The profile's sources, timeline, incident and action flow (``tui/flows/cockpit.py``); set once
        the profile is loaded. Screens and panes reach it with ``cockpit(widget)``."""
        self._profile_source = profile if callable(profile) else None
        self.profile: Profile | None = None if callable(profile) else profile
        self.system_name = system_name or (self.profile.system.name if self.profile else "")
        self.target = target
        self.read_only_flag = read_only
        self.connect = connect
        self.profile_errors: list[str] = []

    @property
    def read_only(self) -> bool:
        return self.read_only_flag or bool(self.profile and self.profile.cockpit.read_only)

    def compose(self) -> ComposeResult:
        header = CockpitHeader(id="startup-header")
        header.system = self.system_name
        header.where = self.target.describe()
        yield header
        yield Static(" loading profile…", id="startup-status")

    def on_mount(self) -> None:
        self._apply_theme(self.theme_choice or DEFAULT_THEME)
        loop = asyncio.get_running_loop()
        for signum, handler in ((signal.SIGTERM, self.exit), (signal.SIGHUP, self._hang_up)):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, handler)
        self.call_after_refresh(self._open_dashboard)

    def _open_dashboard(self) -> None:
        if self.profile is None and self._profile_source is not None:
            from services.profile import ProfileError

            try:
                self.profile = self._profile_source()
            except ProfileError as error:
                self.profile_errors = error.lines
                self.exit(return_code=2)
                return
        assert self.profile is not None
        if self.theme_choice is None:
            self._apply_theme(self.profile.cockpit.theme)
        from tui.flows.cockpit import Cockpit
        from tui.screens.dashboard import DashboardScreen

        self.cockpit = Cockpit(self, self.profile, read_only=self.read_only, timeline_path=self._timeline_path,
                               prepare_engines=self._prepare_engines)
        self.run_worker(self.cockpit.incidents.follow(), group="incident", name="incident", exit_on_error=False)
        self.sub_title = self.profile.system.name
        self.push_screen(DashboardScreen(self.profile, self.target, self.connect, read_only=self.read_only))

    def _hang_up(self) -> None:
        """The terminal is gone (an SSH drop): leave now, after stopping what this cockpit started.

        A graceful shutdown would restore a terminal that no longer exists and can block
        writing to it. Nothing is lost: every timeline step is already fsync'd.
        """
        log.warning("terminal hung up: stopping")
        for cleanup in self.on_hang_up:
            try:
                cleanup()
            except Exception:  # one failed cleanup must not keep the others from running
                log.exception("cleanup after hang-up failed")
        os._exit(129)

    def _apply_theme(self, name: str) -> None:
        if name == self.theme:
            return
        if name in self.available_themes:
            self.theme = name
        else:
            self.notify(f"unknown theme {name!r}; available: {', '.join(sorted(self.available_themes))}",
                        severity="warning")

    # ------------------------------------------------------------------ actions, playbooks, timeline
    def start_action(self, action_id: str, target: str = "", params: dict | None = None, *, ask: bool = True) -> None:
        """Plan ``action_id`` (form first when ``ask``), then the confirmation screen."""
        if self.cockpit is None:
            self.notify("Not connected yet: actions are available once the sources are.", severity="warning")
            return
        self.cockpit.start_action(action_id, target, params, ask=ask)

    def action_undo(self) -> None:
        if self.cockpit is None:
            self.notify("No action has run in this cockpit.", severity="warning")
            return
        self.cockpit.undo()

    def action_timeline(self) -> None:
        if self.cockpit is not None:
            self.cockpit.show_timeline()

    def action_note(self) -> None:
        if self.cockpit is not None:
            self.cockpit.incidents.note_dialog()

    def action_incident(self) -> None:
        if self.cockpit is not None:
            self.cockpit.incidents.incident_dialog()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "escalate":  # only while the open incident has an escalation not notified yet
            return self.cockpit is not None and bool(self.cockpit.incidents.pending)
        return True

    def action_escalate(self) -> None:
        request = self.cockpit.incidents.escalation_request() if self.cockpit is not None else None
        if self.cockpit is None or request is None:
            self.notify("No escalation is pending for an open incident.", severity="warning")
            return
        action_id, target, params = request
        self.cockpit.start_action(action_id, target, params, ask=False)

    def open_playbook(self, playbook_id: str) -> None:
        from tui.screens.playbook import PlaybookScreen

        if self.profile is None:
            return
        book = next((book for book in self.profile.playbooks if book.id == playbook_id), None)
        if book is not None:
            self.push_screen(PlaybookScreen(book, firing=[name for name in self.firing_alarms() if name in book.alarms]))

    def firing_alarms(self) -> list[str]:
        from tui.screens.dashboard import DashboardScreen

        dashboards = [screen for screen in self.screen_stack if isinstance(screen, DashboardScreen)]
        return dashboards[0].firing_alarms() if dashboards else []

    def action_playbooks(self) -> None:
        """The playbook of the first firing alarm that has one; else the list of playbooks."""
        if self.profile is None or not self.profile.playbooks:
            self.notify("This profile has no playbooks.", severity="warning")
            return
        firing = set(self.firing_alarms())
        for book in self.profile.playbooks:
            if firing & set(book.alarms):
                self.open_playbook(book.id)
                return
        from tui.screens.playbook_list import PlaybookListScreen

        self.push_screen(PlaybookListScreen(self.profile.playbooks), callback=self._open_chosen_playbook)

    def _open_chosen_playbook(self, chosen: str | None) -> None:
        if chosen:
            self.open_playbook(chosen)

    def on_playbook_screen_step_chosen(self, message) -> None:  # PlaybookScreen.StepChosen, imported lazily
        self.start_action(message.action, message.target, message.params, ask=True)

    def on_playbook_screen_diagnosis_chosen(self, message) -> None:  # PlaybookScreen.DiagnosisChosen
        from tui.screens.dashboard import DashboardScreen

        dashboards = [screen for screen in self.screen_stack if isinstance(screen, DashboardScreen)]
        if dashboards:
            dashboards[0].open_reference(message.reference)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if self.profile is not None:
            self.push_screen(HelpScreen(self.profile.system.name, self.profile.system.runbook))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker that died of an unexpected error is reported: its pane and the log."""
        if event.state != WorkerState.ERROR:
            return
        from textual.screen import Screen

        from tui.messages import SourceFailed

        error = event.worker.error
        if isinstance(error, SourceError):  # typed: the world said no (bad input, unreachable…), not a bug
            log.warning("worker %s failed: %s", event.worker.name, error)
        else:
            log.error("worker %s failed: %r", event.worker.name, error, exc_info=error)
        # The screen that started the worker (a pane's worker: the screen on top) says it on its status line,
        # if it declares that group among its WORKER_SOURCES (dashboard: metrics, alarms, logs; queries: query).
        node = event.worker.node
        screen = node if isinstance(node, Screen) else self.screen
        if event.worker.group in getattr(screen, "WORKER_SOURCES", ()):
            wrapped = error if isinstance(error, SourceError) else SourceError(f"unexpected {type(error).__name__}: {error}")
            screen.post_message(SourceFailed(event.worker.group, wrapped, None))
        else:
            self.notify(f"{event.worker.name}: {error}", severity="error")
