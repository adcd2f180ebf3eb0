"""The app's incident: the timeline it writes to, the open incident, the header line, escalations.

Events are written in threads (each one fsync'd, and copied to the shared store when
the profile has one). The open incident is re-read from the timeline every few
seconds, so another responder's acknowledgement or note shows up here too.

The profile's ``[[incident.escalation]]`` puts a countdown in the header; when one is due,
a notification says so once and ``e`` plans its ``notify.*`` action (nothing is sent
before its confirmation screen). It is done once that notification is verified on the
timeline, by this cockpit or another one sharing the store.
"""
from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from services.incident.state import Incident, current, fold, header_forms, header_text
from services.profile.escalation import EscalationSpec, next_escalation, pending

if TYPE_CHECKING:
    from services.incident.timeline import Timeline
    from services.profile import Profile

REFRESH_SECONDS = 5.0


class IncidentTracker:
    def __init__(self, app: App, profile: Profile, path: Path | None) -> None:
        from services.incident.timeline import open_timeline, store_unset

        self.app = app
        self.profile = profile
        self.timeline: Timeline = open_timeline(profile, path)
        self.store = self.timeline.mirror
        unset = store_unset(profile)
        if unset:
            app.notify(f"[incident] store: ${unset} is not set; the timeline stays in the local file",
                       severity="warning", timeout=10)
        self.incident: Incident | None = None
        self.events: list[dict[str, Any]] = []
        self._header_text: tuple[str, tuple[str, ...]] | None = None
        self.pending: list[EscalationSpec] = []
        """The open incident's escalations not notified yet, soonest first."""
        self._offered: set[tuple[str, str, str]] = set()
        """(incident opened, action, target) already announced as due: each is announced once."""

    def read_events(self) -> list[dict[str, Any]]:
        """Everyone's events when shared, else this file's (blocking: call from a thread)."""
        if self.store is not None:
            from services.errors import SourceError

            try:
                return [event for _, event in self.store.read()]
            except SourceError:
                pass  # the database is away: show what this cockpit recorded
        from services.incident.timeline import read_timeline

        return read_timeline(self.timeline.path, strict=False)

    async def refresh(self) -> None:
        self.events = await asyncio.to_thread(self.read_events)
        self.incident = current(self.events, self.profile.incident.scale)
        waiting = pending(self.profile.incident.escalation, self.incident, self.events)
        if bool(waiting) != bool(self.pending):
            self.app.refresh_bindings()  # the e key is shown while an escalation is pending
        self.pending = waiting
        self.update_header()

    async def follow(self) -> None:
        """Run as a worker: re-read every few seconds, repaint the header when its text changes."""
        while True:
            with contextlib.suppress(OSError):
                await self.refresh()
            for _ in range(int(REFRESH_SECONDS)):
                self.update_header()
                await asyncio.sleep(1.0)  # the header's clock: minute resolution, repainted only on change

    def update_header(self) -> None:
        """Put the incident's line in every header; nothing to do while the text is unchanged."""
        now = datetime.now(UTC)
        escalation = next_escalation(self.pending, self.incident, self.events) if self.pending else None
        text = header_text(self.incident, now, escalation) if self.incident else ""
        forms = header_forms(self.incident, now, escalation) if self.incident else ()
        self._announce_due(now)
        if (text, forms) == self._header_text:
            return
        self._header_text = (text, forms)
        from widgets.cockpit_header import CockpitHeader

        for screen in self.app.screen_stack:
            for header in screen.query(CockpitHeader):
                header.incident = text
                header.incident_forms = forms

    def _announce_due(self, now: datetime) -> None:
        """Say once that an escalation is due, with the key that plans it."""
        incident = self.incident
        if incident is None:
            return
        for rule in self.pending:
            key = (incident.opened.isoformat(), rule.action_id, rule.target)
            if rule.due(incident) <= now and key not in self._offered:
                self._offered.add(key)
                self.app.notify(f"escalation due: notify {rule.who} (e)", severity="warning", timeout=30)

    def escalation_request(self, now: datetime | None = None) -> tuple[str, str, dict[str, Any]] | None:
        """The ``notify.*`` action of the escalation that is due (else the next one): id, target, parameters.

        The message is written now, from the incident and the timeline; the plan shows it whole.
        """
        incident = self.incident
        if incident is None or not self.pending:
            return None
        from services.actions.notify import escalation_message

        now = now or datetime.now(UTC)
        due = [rule for rule in self.pending if rule.due(incident) <= now]
        rule = (due or self.pending)[0]
        subject, message = escalation_message(incident, self.events, who=rule.who, system=self.profile.system.name, now=now)
        return rule.action_id, rule.target, rule.params(subject, message)

    def header_mounted(self) -> None:
        """A new screen with a header appeared: give it the current line on the next tick."""
        self._header_text = None

    async def record(self, step: str, **fields: Any) -> dict[str, Any]:
        event = await asyncio.to_thread(self.timeline.append, step, **fields)
        await self.refresh()
        return event

    def write_report(self) -> tuple[Path, str]:
        """The last incident's report next to the timeline (blocking: call from a thread)."""
        from services.incident.report import write_report

        return write_report(self.read_events(), self.timeline.path.parent, scale=self.profile.incident.scale)

    # ------------------------------------------------------------------ dialogs (keys n and !)
    def note_dialog(self) -> None:
        from tui.screens.incident import NoteScreen

        async def record(text: str | None) -> None:
            if text:
                await self.record("note", detail=text)
                self.app.notify("Note recorded on the timeline.")

        self.app.push_screen(NoteScreen(), callback=record)

    def incident_dialog(self) -> None:
        from tui.screens.incident import IncidentScreen

        async def record(event: dict | None) -> None:
            if not event:
                return
            if event["event"] == "report":
                from tui.screens.report import ReportScreen

                path, text = await asyncio.to_thread(self.write_report)
                self.app.push_screen(ReportScreen(path, text))
                return
            await self.record("incident", **event)
            self.app.notify(f"Incident {event['event']}." + (" Report: ! then Report." if event["event"] == "resolved" else ""))

        incidents = fold(self.events, self.profile.incident.scale)
        last = incidents[-1] if self.incident is None and incidents else None
        self.app.push_screen(IncidentScreen(self.incident, last, self.profile.incident.scale), callback=record)
