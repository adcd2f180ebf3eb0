"""The logs pane: CloudWatch Logs in a ``LogView``; it owns its tail source and poller.

Its own keys: ``F`` a CloudWatch filter pattern sent to the server, ``g`` add a log group
from the account's list, ``P`` complete mode (polling) / Live Tail (``p`` stays the playbook). The shared keys
(filter, jump, save, follow, copy, expand) are the view's and the tail's.
"""
from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import reactive

from services.models import LogEvent
from services.profile import CockpitSettings, LogSpec
from services.profile.model import duration_seconds
from tui.flows.polling import Poller
from tui.messages import LogEventsArrived, SourceFailed
from widgets.log_tail import LogTail, TailLine
from widgets.log_view import LogView, local_iso


class LogsPane(Vertical):
    """One tail over the profile's ``[[logs]]`` groups and any added with ``g``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("F", "server_filter", "Server filter", show=False),
        Binding("g", "pick_group", "Add group", show=False),
        Binding("P", "toggle_mode", "Complete mode", show=False),
    ]

    # What only the pane knows, bound into the view's status line (see LogView's reactives).
    subject: reactive[str] = reactive("no group")
    note: reactive[str] = reactive("")
    source_status: reactive[str] = reactive("connecting…")
    level: reactive[str] = reactive("busy")

    page_size: int | None = None
    """FilterLogEvents page size (None: the service's default, 10,000); tests make pages small."""

    def __init__(self, logs: list[LogSpec], settings: CockpitSettings, *, id: str = "logs-pane") -> None:
        super().__init__(id=id, classes="pane")
        self.labels = {log.group: log.title for log in logs}
        self.settings = settings
        self.session: Any = None
        self.source: Any = None
        self.poller: Poller | None = None
        self.server_filter = ""
        self.subject = ", ".join(self.labels.values()) or "no group"
        self.view = LogView("LOGS", key="logs", save_name="logs", max_lines=settings.log_buffer)
        self.tail = self.view.tail

    def compose(self) -> ComposeResult:
        yield self.view.data_bind(LogsPane.subject, LogsPane.note, LogsPane.source_status, LogsPane.level)

    # ------------------------------------------------------------------ source
    def start(self, session: Any) -> None:
        """Begin tailing with ``session`` (an AwsSession); called once the endpoint is known."""
        from services.aws.tail_source import LogTailSource

        self.session = session
        if self.source is not None:
            self.source.close()
        self.source = LogTailSource(session, list(self.labels), since_seconds=duration_seconds(self.settings.logs_since),
                                    lookback_seconds=self.settings.logs_lookback,
                                    filter_pattern=self.server_filter or None, page_size=self.page_size)
        if self.poller is None:
            self.poller = Poller("logs", self, self.source.poll,
                                 lambda batch: LogEventsArrived(batch.events, batch.status), self.settings.logs_poll)
        else:  # a restart (server filter): the same poller, so the refresh key still reaches it
            self.poller.fetch, self.poller.failures = self.source.poll, 0
        # exclusive: the previous loop is cancelled, and with it any batch of the old source in flight
        self.run_worker(self.poller.run(), name="logs", group="logs", exclusive=True, exit_on_error=False)

    def on_unmount(self) -> None:
        if self.source is not None:
            self.source.close()

    @on(LogEventsArrived)
    def show_events(self, message: LogEventsArrived) -> None:
        self.source_status, self.level = message.status, "ok"
        self.view.append(self.tail_line(event) for event in message.events)

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        self.source_status, self.level = message.status, message.level

    def tail_line(self, event: LogEvent) -> TailLine:
        return TailLine(timestamp=event.timestamp.timestamp(), source=self.labels.get(event.group, event.group),
                        message=event.message, stream=event.stream, event_id=event.event_id, group=event.group)

    # ------------------------------------------------------------------ server filter, groups, modes, lines
    def action_server_filter(self) -> None:
        self.view.ask("server", "server filter pattern, e.g. ?ERROR ?Timeout", self.server_filter)

    @on(LogView.Answered)
    def answered(self, message: LogView.Answered) -> None:
        if message.mode == "server":
            self.set_server_filter(message.value)

    def set_server_filter(self, pattern: str) -> None:
        """Restart the tail with a CloudWatch filter pattern applied by the server."""
        self.server_filter = pattern
        self.note = f"server filter {pattern!r}" if pattern else ""
        self.view.clear()
        if self.session is not None:
            self.start(self.session)

    def action_toggle_mode(self) -> None:
        if self.source is None:
            return
        mode = "auto" if self.source.mode == "poll" else "poll"
        self.source.set_mode(mode)
        self.notify("complete mode: polling every event" if mode == "poll" else "Live Tail where the endpoint has it")
        if self.poller is not None:
            self.poller.wake()

    def action_pick_group(self) -> None:
        if self.session is None:
            return
        from tui.screens.log_groups import LogGroupPicker

        self.app.push_screen(LogGroupPicker(self.session, exclude=set(self.labels)), self.add_group)

    def add_group(self, group: str | None) -> None:
        if not group or group in self.labels or self.source is None:
            return
        self.labels[group] = group.rsplit("/", 1)[-1] or group
        self.source.add_group(group)
        if self.poller is not None:
            self.poller.wake()
        self.subject = ", ".join(self.labels.values())

    @on(LogTail.LineSelected)
    def expand_line(self, message: LogTail.LineSelected) -> None:
        from tui.screens.log_record import LogRecordScreen

        line = message.line
        self.app.push_screen(LogRecordScreen(line.message, {
            "time": local_iso(line.timestamp), "group": line.group, "stream": line.stream, "eventId": line.event_id}))
