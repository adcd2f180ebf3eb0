"""The ALARMS pane: the profile's alarms, what just changed, and what the responder acknowledged.

A state change seen in a refresh highlights the row (``●``) until the alarm is opened or
acknowledged or ``HIGHLIGHT_SECONDS`` pass, rings the bell once for the refresh (the
profile's ``alarm_bell``), and is recorded on the incident timeline. Acknowledging is
local to this cockpit (no AWS call): the alarm sinks to the bottom, marked ``✓``, until
its state changes again.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message

from services.aws.alarms import STATE_ORDER
from services.formatting import local_clock, local_since
from services.models import Alarm, AlarmHistoryItem, AlarmsSnapshot, AlarmTransition
from services.profile import Profile
from tui.flows.cockpit import cockpit
from tui.messages import PlaybookRequested
from widgets.alarm_table import GAP, STATE_LABEL, AlarmRow, AlarmTable
from widgets.pane_title import PaneTitle

HIGHLIGHT_SECONDS = 600.0
OBSERVED_KEPT = 500
GAPS = 2 + 3 * len(GAP) + 1  # after the mark, state, name and since; the scrollbar
NARROW = 48  # fewer cells than this for reason and watches: the reason only, compacted if need be
_COMPARISONS = {  # CloudWatch's wording of a threshold comparison, as a sign
    "was not greater than or equal to": "<", "was greater than or equal to": "≥",
    "was not less than or equal to": ">", "was less than or equal to": "≤",
    "was not greater than": "≤", "was greater than": ">", "was not less than": "≥", "was less than": "<",
}
_COMPARISON = re.compile(r" ?(" + "|".join(_COMPARISONS) + r") the threshold \(([^)]*)\)")


def _watches(alarm: Alarm) -> str:
    """The metric's name (its namespace is on the detail screen) and the threshold."""
    metric = alarm.metric.rsplit("/", 1)[-1] if alarm.metric else ""
    return " ".join(part for part in (metric, alarm.threshold) if part)


def compact_reason(reason: str) -> str:
    """CloudWatch's state reason in fewer cells: "1/1 datapoints [287412] > 240000" (the detail screen has it whole)."""
    text = reason.removeprefix("Threshold Crossed: ")
    text = re.sub(r"(\d+) out of the last (\d+) datapoints", r"\1/\2 datapoints", text)
    text = re.sub(r" \(\d\d/\d\d/\d\d \d\d:\d\d:\d\d\)", "", text)  # each datapoint's time
    text = re.sub(r" \(minimum \d+ datapoints? for \w+ -> \w+ transition\)", "", text)
    text = _COMPARISON.sub(lambda match: f" {_COMPARISONS[match.group(1)]} {match.group(2)}", text)
    return re.sub(r"(?<![\d.])(\d+)\.0(?!\d)", r"\1", text).rstrip(".")


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _reason(reason: str, width: int) -> str:
    text = reason.removeprefix("Threshold Crossed: ")
    return text if len(text) <= width else compact_reason(reason)


def alarm_order(alarm: Alarm, acked: set[str]) -> tuple[int, int, float]:
    """Unacknowledged first; then ALARM, INSUFFICIENT_DATA, OK; then the most recent change."""
    return (alarm.name in acked, STATE_ORDER.get(alarm.state, 3), -alarm.updated.timestamp())


class AlarmsPane(Vertical):
    """Title and status, then the alarm table; ``show`` takes one refresh's snapshot."""

    DEFAULT_CSS = """
    AlarmsPane {
        height: auto;
        max-height: 14;
    }
    """

    class TileWanted(Message):
        """``m`` on an alarm: the dashboard focuses the tile ``metric_id``."""

        def __init__(self, metric_id: str) -> None:
            super().__init__()
            self.metric_id = metric_id

    def __init__(self, profile: Profile, *, id: str = "alarms-pane", classes: str = "pane") -> None:
        super().__init__(id=id, classes=classes)
        self.profile = profile
        self.alarms: list[Alarm] = []
        self.acked: set[str] = set()
        self.changed_at: dict[str, float] = {}
        self.observed: list[AlarmTransition] = []
        self.bells = 0
        self.history: Callable[[str], list[AlarmHistoryItem]] | None = None
        """Set by the dashboard once connected: reads ``describe_alarm_history`` (blocking)."""

    def compose(self) -> ComposeResult:
        yield PaneTitle("ALARMS", id="alarms-title")
        yield AlarmTable(id="alarms")

    @property
    def table(self) -> AlarmTable:
        return self.get_child_by_id("alarms", AlarmTable)

    @property
    def title(self) -> PaneTitle:
        return self.get_child_by_id("alarms-title", PaneTitle)

    def alarm(self, name: str) -> Alarm | None:
        return next((alarm for alarm in self.alarms if alarm.name == name), None)

    # ------------------------------------------------------------------ data in
    def show(self, snapshot: AlarmsSnapshot) -> None:
        now = time.monotonic()
        ring = False
        for change in snapshot.transitions:
            self.changed_at[change.name] = now
            self.acked.discard(change.name)  # a new episode is not acknowledged yet
            self.observed = ([*self.observed, change])[-OBSERVED_KEPT:]
            bell = self.profile.cockpit.alarm_bell
            ring = ring or bell == "any" or (bell == "alarm" and change.new_state == "ALARM")
        if ring:
            self.bells += 1
            self.app.bell()
        self.alarms = list(snapshot.alarms)
        self.acked &= {alarm.name for alarm in self.alarms}
        self._render_rows()

    def _render_rows(self) -> None:
        now = time.monotonic()
        self.changed_at = {name: at for name, at in self.changed_at.items() if now - at < HIGHLIGHT_SECONDS}
        wall = datetime.now(UTC)
        since = {a.name: local_since(a.updated, wall) for a in self.alarms}
        reason_width, watches_width = self._text_widths(list(since.values()))
        rows = [AlarmRow(name=a.name, state=a.state, since=since[a.name],
                         reason=_fit(_reason(a.reason, reason_width), reason_width),
                         watches=_fit(_watches(a), watches_width),
                         acked=a.name in self.acked, changed=a.name in self.changed_at)
                for a in sorted(self.alarms, key=lambda alarm: alarm_order(alarm, self.acked))]
        self.table.show(rows)
        firing = sum(1 for a in self.alarms if a.state == "ALARM")
        unacked = sum(1 for a in self.alarms if a.state == "ALARM" and a.name not in self.acked)
        acked = f" ({firing - unacked} acked)" if firing != unacked else ""
        self.title.show(f"{len(rows)} alarms · {firing} in ALARM{acked} · updated {local_clock(wall)}",
                        "warning" if unacked else "ok")

    def _text_widths(self, since: list[str]) -> tuple[int, int]:
        """Cells for the reason and the watched metric: what the other columns leave, reason first."""
        width = self.table.size.width or self.app.size.width
        fixed = GAPS + sum(max([len(header), *(len(text) for text in texts)]) for header, texts in (
            ("state", [STATE_LABEL.get(alarm.state, alarm.state) for alarm in self.alarms]),
            ("alarm", [alarm.name for alarm in self.alarms]), ("since", since)))
        left = max(20, width - fixed)
        if left < NARROW:  # the reason only (the table leaves out the empty column); the detail shows the rest
            return left, 0
        reason = left * 3 // 5
        return reason, left - reason - len(GAP)

    def on_resize(self) -> None:
        if self.alarms:
            self._render_rows()

    def transitions_of(self, name: str) -> list[AlarmTransition]:
        return [change for change in self.observed if change.name == name]

    def record(self, change: AlarmTransition) -> None:
        """The timeline hook: one ``alarm`` step per transition, written (fsync) off the event loop."""
        timeline = cockpit(self).timeline
        event = timeline_event(change)
        self.run_worker(lambda: timeline.append("alarm", **event), thread=True, group="timeline",
                        name=f"timeline alarm {change.name}", exit_on_error=False)

    # ------------------------------------------------------------------ keys on the table
    @on(AlarmTable.AckToggled)
    def toggle_ack(self, message: AlarmTable.AckToggled) -> None:
        message.stop()
        if message.name in self.acked:
            self.acked.discard(message.name)
        else:
            self.acked.add(message.name)
            self.changed_at.pop(message.name, None)
        self._render_rows()
        self.table.select_alarm(message.name)

    @on(AlarmTable.MetricWanted)
    def jump_to_metric(self, message: AlarmTable.MetricWanted) -> None:
        message.stop()
        self.show_metric_of(message.name)

    @on(AlarmTable.PlaybookWanted)
    def open_playbook(self, message: AlarmTable.PlaybookWanted) -> None:
        message.stop()
        self.playbook_of(message.name)

    @on(AlarmTable.Opened)
    def open_detail(self, message: AlarmTable.Opened) -> None:
        message.stop()
        alarm = self.alarm(message.name)
        if alarm is None:
            return
        from tui.screens.alarm_detail import AlarmDetailScreen

        if self.changed_at.pop(alarm.name, None) is not None:
            self._render_rows()  # seen: no longer "just changed"
        screen = AlarmDetailScreen(alarm, acked=alarm.name in self.acked, observed=self.transitions_of(alarm.name),
                                   history=self.history)

        def follow_up(choice: str | None) -> None:
            if choice == "metric":
                self.show_metric_of(alarm.name)
            elif choice == "playbook":
                self.playbook_of(alarm.name)
            elif choice == "resource":
                self.resource_of(alarm.name)

        self.app.push_screen(screen, follow_up)

    def show_metric_of(self, name: str) -> None:
        from services.aws.alarm_links import tiles_for_alarm

        alarm = self.alarm(name)
        tiles = tiles_for_alarm(alarm, self.profile.metrics) if alarm else []
        if tiles:
            self.post_message(self.TileWanted(tiles[0]))
        else:
            watched = alarm.metric if alarm and alarm.metric else "its metric"
            self.app.notify(f"{name}: no tile in this profile shows {watched}", severity="warning")

    def resource_of(self, name: str) -> None:
        from services.aws.resource_links import resources_for_alarm
        from tui.screens.resources import open_resources

        alarm = self.alarm(name)
        ids = resources_for_alarm(alarm, self.profile.resources) if alarm else []
        open_resources(self, ids, about=f"alarm {name}")

    def playbook_of(self, name: str) -> None:
        from services.aws.alarm_links import playbooks_for_alarm

        playbooks = playbooks_for_alarm(name, self.profile.playbooks)
        if playbooks:
            self.post_message(PlaybookRequested(name, [playbook.id for playbook in playbooks]))
        else:
            self.app.notify(f"No playbook in this profile lists {name}", severity="warning")


def alarm_messages(snapshot: AlarmsSnapshot) -> list[Message]:
    """What the alarms poller posts per refresh: the snapshot, then one message per state change."""
    from tui.messages import AlarmStateChanged, AlarmsUpdated

    return [AlarmsUpdated(snapshot), *(AlarmStateChanged(change) for change in snapshot.transitions)]


def timeline_event(change: AlarmTransition) -> dict[str, Any]:
    """The fields of a ``{"step": "alarm", ...}`` timeline event for one transition."""
    return {"target": change.name, "before": change.old_state, "after": change.new_state,
            "detail": change.reason, "at": change.at.isoformat()}
