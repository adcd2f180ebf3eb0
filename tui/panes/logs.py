"""The logs pane: title, tail view and a prompt line; it owns its tail source and poller.

Keys (on the pane): ``/`` filter as you type (``ctrl+r`` in the prompt: regex), ``F`` a
CloudWatch filter pattern sent to the server, ``t`` jump to a time, ``g`` add a log group
from the account's list, ``p`` complete mode (polling) / Live Tail. The view's own keys
(follow, copy, save, expand, fold REPORT) are in ``widgets/log_tail.py``.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from services.models import LogEvent
from services.profile import CockpitSettings, LogSpec
from services.profile.model import duration_seconds
from tui.messages import LogEventsArrived, SourceFailed
from tui.flows.polling import Poller
from widgets.log_tail import LogTail, TailLine
from widgets.pane_title import PaneTitle

PROMPTS = {"filter": "filter (ctrl+r regex)", "server": "server filter pattern, e.g. ?ERROR ?Timeout",
           "jump": "jump to HH:MM[:SS] or -10m"}


class LogsPane(Vertical):
    """One tail over the profile's ``[[logs]]`` groups and any added with ``g``."""

    DEFAULT_CSS = """
    LogsPane #logs-input {
        dock: bottom;
        height: 1;
        border: none;
        padding: 0 1;
        display: none;
    }
    LogsPane #logs-input.-open {
        display: block;
    }
    """

    BINDINGS = [
        Binding("slash", "prompt('filter')", "Filter"),
        Binding("F", "prompt('server')", "Server filter", show=False),
        Binding("t", "prompt('jump')", "Jump to time", show=False),
        Binding("g", "pick_group", "Add group", show=False),
        Binding("p", "toggle_mode", "Complete mode", show=False),
    ]

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
        self.regex = False
        self.prompt_mode = "filter"
        self.source_status = "connecting…"
        self.level = "busy"

    def compose(self) -> ComposeResult:
        yield PaneTitle("LOGS", id="logs-title")
        yield LogTail(max_lines=self.settings.log_buffer, id="logs")
        yield Input(id="logs-input", placeholder=PROMPTS["filter"])

    @property
    def tail(self) -> LogTail:
        return self.query_one(LogTail)

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
        self.tail.append(self.tail_line(event) for event in message.events)
        self.source_status, self.level = message.status, "ok"
        self.show_status()

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        self.source_status, self.level = message.status, message.level
        self.show_status()

    def tail_line(self, event: LogEvent) -> TailLine:
        return TailLine(timestamp=event.timestamp.timestamp(), source=self.labels.get(event.group, event.group),
                        message=event.message, stream=event.stream, event_id=event.event_id, group=event.group)

    def show_status(self) -> None:
        tail = self.tail
        parts = [", ".join(self.labels.values()) or "no group"]
        flt = tail.filter
        if flt is not None:
            kind = "regex" if flt.regex else "filter"
            parts.append(flt.error or f"{kind} {flt.text!r}: {tail.shown_count:,} of {tail.line_count:,}")
        else:
            parts.append(f"{tail.line_count:,} lines")
        if self.server_filter:
            parts.append(f"server filter {self.server_filter!r}")
        parts.append("following" if tail.following else "paused (end: follow)")
        parts.append(self.source_status)
        zone = datetime.now().astimezone().strftime("%Z")
        self.query_one(PaneTitle).show(" · ".join(part for part in parts if part) + f" · {zone}", self.level)

    def on_mount(self) -> None:
        self.watch(self.tail, "following", lambda _: self.show_status(), init=False)

    # ------------------------------------------------------------------ prompt
    def action_prompt(self, mode: str) -> None:
        prompt = self.query_one("#logs-input", Input)
        self.prompt_mode = mode
        prompt.placeholder = PROMPTS[mode]
        flt = self.tail.filter
        prompt.value = {"filter": flt.text if flt else "", "server": self.server_filter, "jump": ""}[mode]
        prompt.add_class("-open")
        prompt.focus()

    def _close_prompt(self) -> None:
        prompt = self.query_one("#logs-input", Input)
        prompt.remove_class("-open")
        self.tail.focus()

    def on_key(self, event: Any) -> None:
        prompt = self.query_one("#logs-input", Input)
        if not prompt.has_focus:
            return
        if event.key == "escape":
            event.stop()
            if self.prompt_mode == "filter":
                self.tail.set_filter("")
                self.show_status()
            self._close_prompt()
        elif event.key == "ctrl+r" and self.prompt_mode == "filter":
            event.stop()
            self.regex = not self.regex
            prompt.placeholder = "regex filter" if self.regex else PROMPTS["filter"]
            self._apply_filter(prompt.value)

    @on(Input.Changed, "#logs-input")
    def filter_as_you_type(self, event: Input.Changed) -> None:
        if self.prompt_mode == "filter":
            self._apply_filter(event.value)

    def _apply_filter(self, text: str) -> None:
        self.tail.set_filter(text, regex=self.regex)
        self.show_status()

    @on(Input.Submitted, "#logs-input")
    def prompt_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self.prompt_mode == "server":
            self.set_server_filter(value)
        elif self.prompt_mode == "jump" and value:
            when = parse_jump(value)
            if when is None:
                self.notify(f"not a time: {value!r} (HH:MM, HH:MM:SS or -10m)", severity="warning")
                return
            if not self.tail.jump_to(when):
                self.notify("no line at or after that time in the buffer", severity="warning")
        self._close_prompt()

    def set_server_filter(self, pattern: str) -> None:
        """Restart the tail with a CloudWatch filter pattern applied by the server."""
        self.server_filter = pattern
        self.tail.clear()
        if self.session is not None:
            self.start(self.session)
        self.show_status()

    # ------------------------------------------------------------------ groups, modes, lines
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
        self.show_status()

    @on(LogTail.LineSelected)
    def expand_line(self, message: LogTail.LineSelected) -> None:
        from tui.screens.log_record import LogRecordScreen

        line = message.line
        self.app.push_screen(LogRecordScreen(line.message, {
            "time": datetime.fromtimestamp(line.timestamp).astimezone().isoformat(timespec="milliseconds"),
            "group": line.group, "stream": line.stream, "eventId": line.event_id}))

    @on(LogTail.SaveRequested)
    def save_lines(self, message: LogTail.SaveRequested) -> None:
        path = Path.cwd() / f"cockpit-logs-{datetime.now():%Y%m%d-%H%M%S}.log"
        try:
            write_lines(path, message.lines)
        except OSError as error:
            self.notify(f"could not save: {error}", severity="error")
            return
        what = "filtered lines" if message.filtered else "lines"
        self.notify(f"saved {len(message.lines):,} {what} to {path}")


def write_lines(path: Path, lines: list[TailLine]) -> None:
    """One event per line: ISO time, group, stream, message (raw text, newlines kept escaped)."""
    with path.open("w", encoding="utf-8", errors="replace") as out:
        for line in lines:
            when = datetime.fromtimestamp(line.timestamp).astimezone().isoformat(timespec="milliseconds")
            message = line.message.replace("\n", "\\n")
            out.write(f"{when}\t{line.group or line.source}\t{line.stream}\t{message}\n")


def parse_jump(text: str, now: datetime | None = None) -> float | None:
    """``14:05``, ``14:05:30`` (today, local time) or ``-10m`` -> epoch seconds."""
    now = now or datetime.now().astimezone()
    if text.startswith("-"):
        try:
            return now.timestamp() - duration_seconds(text[1:])
        except ValueError:
            return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return now.replace(hour=hour, minute=minute, second=second, microsecond=0).timestamp()
