"""The Textual application: one profile, one dashboard; quitting stops what it started."""
from __future__ import annotations

import logging
from collections.abc import Callable

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from services.aws.session import AwsTarget
from services.errors import SourceError
from services.profile import Profile
from tui.messages import SourceFailed
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen

log = logging.getLogger("cockpit.app")


class CockpitApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "incident-cockpit"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, profile: Profile, target: AwsTarget, *, read_only: bool = False,
                 connect: Callable[[AwsTarget], AwsTarget] | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.target = target
        self.read_only = read_only or profile.cockpit.read_only
        self.connect = connect
        self.sub_title = profile.system.name

    def on_mount(self) -> None:
        self.push_screen(DashboardScreen(self.profile, self.target, self.connect, read_only=self.read_only))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.profile.system.name, self.profile.system.runbook))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker that died of an unexpected error is reported: its pane and the log."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        log.error("worker %s failed: %r", event.worker.name, error, exc_info=error)
        screen = self.screen
        if isinstance(screen, DashboardScreen) and event.worker.group in ("metrics", "alarms", "logs"):
            wrapped = error if isinstance(error, SourceError) else SourceError(f"unexpected {type(error).__name__}: {error}")
            screen.post_message(SourceFailed(event.worker.group, wrapped, None))
        else:
            self.notify(f"{event.worker.name}: {error}", severity="error")
