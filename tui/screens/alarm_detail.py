"""One alarm: state, reason, since when, what it watches, and its history.

The history comes from ``describe_alarm_history`` in a thread. Where the endpoint does
not implement it (moto's server), one line says so and the screen shows what it can:
the transitions this cockpit saw while it ran.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from services.errors import SourceError, Unsupported
from services.formatting import age, local_since
from services.models import Alarm, AlarmHistoryItem, AlarmTransition
from tui.messages import AlarmHistoryFailed, AlarmHistoryLoaded
from widgets.alarm_table import STATE_LABEL, STATE_STYLE


def _state(state: str | None) -> Text:
    return Text(STATE_LABEL.get(state or "", state or "?"), STATE_STYLE.get(state or "", ""))


class AlarmDetailScreen(Screen[str | None]):
    """Dismissed with ``"metric"`` or ``"playbook"`` when the responder wants to go there next."""

    DEFAULT_CSS = """
    AlarmDetailScreen #alarm-head {
        padding: 0 1;
        height: auto;
    }
    AlarmDetailScreen #history-status {
        padding: 0 1;
        height: 1;
        background: $panel;
    }
    AlarmDetailScreen #history {
        padding: 0 1;
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("escape", "dismiss_none", "Back"),
        Binding("m", "go('metric')", "Metric", tooltip="Focus the tile of the metric this alarm watches"),
        Binding("p", "go('playbook')", "Playbook", tooltip="Open the playbook that lists this alarm"),
        Binding("o", "go('resource')", "Resource", tooltip="The resource this alarm's metric is about (resources screen)"),
    ]

    def __init__(self, alarm: Alarm, *, acked: bool = False, observed: list[AlarmTransition] | None = None,
                 history: Callable[[str], list[AlarmHistoryItem]] | None = None) -> None:
        super().__init__()
        self.alarm = alarm
        self.acked = acked
        self.observed = list(observed or [])
        self.history_source = history
        self.items: list[AlarmHistoryItem] | None = None
        self.history_note = ""

    def compose(self) -> ComposeResult:
        yield Static(self._head(), id="alarm-head")
        yield Static(Text(" HISTORY  loading…", "dim"), id="history-status")
        with VerticalScroll(id="history"):
            yield Static(self._observed_text(), id="history-lines")
        yield Footer()

    def on_mount(self) -> None:
        if self.history_source is None:
            self._note("history: not connected yet · transitions seen by this cockpit:", "warning")
        else:
            self.load_history()

    def _head(self) -> Text:
        alarm = self.alarm
        text = Text(no_wrap=False)
        text.append(alarm.name, "bold")
        text.append("  ")
        text.append_text(_state(alarm.state))
        text.append(f"  since {local_since(alarm.updated)} ({age(alarm.updated)} ago)")
        if self.acked:
            text.append("  ✓ acknowledged here", "dim")
        rows = [("reason", alarm.reason), ("watches", " ".join(p for p in (alarm.metric, alarm.threshold) if p)),
                ("about", alarm.description), ("kind", f"{alarm.kind} alarm · actions "
                                                        f"{'enabled' if alarm.actions_enabled else 'DISABLED'}")]
        for label, value in rows:
            if value:
                text.append(f"\n{label:>8}  ", "dim")
                text.append(value)
        return text

    def _observed_text(self) -> Text:
        text = Text()
        for change in reversed(self.observed):
            text.append(f"{local_since(change.at)}  ")
            text.append_text(_state(change.old_state))
            text.append(" → ")
            text.append_text(_state(change.new_state))
            text.append(f"  {change.reason}\n", "dim")
        if not self.observed:
            text.append("no state change seen since the cockpit started", "dim")
        return text

    def _note(self, line: str, level: str = "ok") -> None:
        self.history_note = line
        style = {"warning": "bold yellow", "error": "bold red"}.get(level, "dim")
        self.query_one("#history-status", Static).update(Text.assemble((" HISTORY ", "bold reverse"), " ", (line, style)))

    @work(thread=True, exclusive=True, group="alarm-history", exit_on_error=False)
    def load_history(self) -> None:
        assert self.history_source is not None
        try:
            items = self.history_source(self.alarm.name)
        except SourceError as error:
            self.post_message(AlarmHistoryFailed(self.alarm.name, error))
            return
        self.post_message(AlarmHistoryLoaded(self.alarm.name, items))

    @on(AlarmHistoryLoaded)
    def show_history(self, message: AlarmHistoryLoaded) -> None:
        self.items = message.items
        self._note(f"{len(message.items)} entries (describe_alarm_history, newest first)")
        text = Text()
        for item in message.items:
            text.append(f"{local_since(item.timestamp, datetime.now(UTC))}  ")
            if item.new_state:
                text.append_text(_state(item.old_state))
                text.append(" → ")
                text.append_text(_state(item.new_state))
                text.append(f"  {item.reason or item.summary}\n", "dim")
            else:
                text.append(f"{item.kind}  {item.summary}\n", "dim")
        if not message.items:
            text.append("no history in the last 7 days", "dim")
        self.query_one("#history-lines", Static).update(text)

    @on(AlarmHistoryFailed)
    def show_history_failure(self, message: AlarmHistoryFailed) -> None:
        if isinstance(message.error, Unsupported):
            self._note("history: not supported by this endpoint (describe_alarm_history) · "
                       "transitions seen by this cockpit:", "warning")
        else:
            self._note(f"history: {message.error} · transitions seen by this cockpit:", "error")

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def action_go(self, where: str) -> None:
        self.dismiss(where)
