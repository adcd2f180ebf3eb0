"""The CONTAINER LOGS pane: the highlighted container's log in a ``LogView``, polled
(``ContainerLogTail``: each line once). Its keys are the view's (``widgets/log_view.py``).
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive

from services.profile import CockpitSettings
from tui.flows.polling import Poller
from tui.messages import ContainerLogsArrived, SourceFailed
from widgets.log_tail import LogTail, TailLine
from widgets.log_view import LogView, local_iso


class ContainerLogsPane(Vertical):
    """The highlighted container's log, tailed by polling; ``ContainersPane`` picks the container."""

    # What only the pane knows, bound into the view's status line (see LogView's reactives).
    container: reactive[str] = reactive("")
    source_status: reactive[str] = reactive("highlight a container to tail its log")
    level: reactive[str] = reactive("ok")

    def __init__(self, settings: CockpitSettings, *, id: str = "container-logs-pane") -> None:
        super().__init__(id=id)  # not ".pane" (height: auto): it takes the rest, like #logs-pane (app.tcss)
        self.settings = settings
        self.view = LogView("CONTAINER LOGS", key="container-logs", save_name="container", max_lines=settings.log_buffer)
        self.tail = self.view.tail

    def compose(self) -> ComposeResult:
        yield self.view.data_bind(ContainerLogsPane.source_status, ContainerLogsPane.level,
                                  subject=ContainerLogsPane.container)

    def follow(self, engine: Any, name: str) -> None:
        from services.engines.docker import ContainerLogTail

        if name == self.container:
            return
        self.container = self.view.save_name = name
        self.view.clear()
        source = ContainerLogTail(engine, name)
        poller = Poller("container-logs", self, source.poll, lambda lines: ContainerLogsArrived(name, lines),
                        self.settings.logs_poll)
        self.source_status, self.level = "reading…", "ok"
        self.run_worker(poller.run(), name="container-logs", group="container-logs", exclusive=True, exit_on_error=False)

    @on(ContainerLogsArrived)
    def show_lines(self, message: ContainerLogsArrived) -> None:
        if message.container != self.container:
            return  # a late batch of the container highlighted before
        now = datetime.now(UTC).timestamp()
        self.source_status, self.level = "", "ok"
        self.view.append(TailLine(timestamp=line.at.timestamp() if line.at else now, source=line.container,
                                  message=line.text, group=line.container) for line in message.lines)

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        self.source_status, self.level = message.status, "warning"

    @on(LogTail.LineSelected)
    def expand_line(self, message: LogTail.LineSelected) -> None:
        from tui.screens.log_record import LogRecordScreen

        line = message.line
        self.app.push_screen(LogRecordScreen(line.message, {"time": local_iso(line.timestamp), "container": line.source}))
