"""The post-incident report, in the shape of runbook 004's Root Cause Analysis template.

Built from the timeline alone: summary, timeline, actions taken with before/after and
verification, alarms involved, and the sections only people can write (root cause,
impact, lessons) left as clearly marked placeholders.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from services.formatting import spelled_duration
from services.incident.state import Incident, Scale, clock, fold, parse_time

TODO = "_To be completed:"
LOOK_BACK = timedelta(hours=24)
"""How far before an incident's opening the report looks for the alarm or action that started it."""
LOOK_BACK_TEXT = "the 24 h look-back"
TERMINAL = {"verified", "failed", "cancelled", "refused"}


@dataclass
class ActionRecord:
    """One attempt at an action: planned, then confirmed and run, or not."""

    time: str
    action: str
    target: str
    operator: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    outcome: str = "planned"  # verified, failed, cancelled, refused, planned
    verification: str = ""
    error: str = ""
    undo_of: str | None = None
    command: str = ""

    @property
    def ran(self) -> bool:
        return self.outcome in ("verified", "failed")


@dataclass
class Report:
    title: str
    severity: str
    severity_name: str
    date: str
    opened: str
    report_from: str
    """HH:MM UTC of the report's first event: the alarm or action that came before the opening."""
    report_from_reason: str
    resolved: str | None
    duration: str
    services: list[str]
    responders: list[str]
    acknowledged_after: str | None
    response_target: str
    timeline: list[dict[str, str]]
    actions: list[ActionRecord]
    alarms: dict[str, list[str]]
    notes: list[dict[str, str]]
    notified: list[dict[str, str]] = field(default_factory=list)
    """Who was told, when and how: the ``notify.*`` steps (time, who, how, target, outcome)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


def _hm(event: dict[str, Any]) -> str:
    return parse_time(event["time"]).astimezone(UTC).strftime("%H:%M")


def _first_related(events: list[dict[str, Any]], incident: Incident, previous: Incident | None) -> tuple[datetime, str]:
    """Where the report starts: the alarm that fired before the incident was opened, or the fix that ran.

    The rule: the start of the last alarm episode before the opening (the first transition
    into ALARM after a moment when all alarms were OK, even if they were OK again by the
    opening); without one, the first action step. Looked for within LOOK_BACK before the
    opening and never before the previous incident ended; nothing found: the opening.
    """
    floor = incident.opened - LOOK_BACK
    if previous is not None:
        floor = max(floor, previous.resolved or previous.opened)
    firing: set[str] = set()
    episode: dict[str, Any] | None = None
    first_action: dict[str, Any] | None = None
    for event in events:
        when = parse_time(event["time"])
        if when >= incident.opened:
            break
        step = event.get("step")
        if step == "alarm":
            name = str(event.get("target"))
            if event.get("after") == "ALARM":
                if not firing and when > floor:
                    episode = event
                firing.add(name)
            else:
                firing.discard(name)
        elif event.get("action") and step not in ("note", "incident") and when > floor and first_action is None:
            first_action = event
    if episode is not None:
        return parse_time(episode["time"]), (f"first related event: alarm {episode.get('target')} "
                                             f"{episode.get('before')} → ALARM")
    if firing:  # in ALARM since before the look-back: start where it begins
        return floor, f"alarms in ALARM since before {LOOK_BACK_TEXT}"
    if first_action is not None:
        return parse_time(first_action["time"]), (f"first related event: {first_action.get('action')} "
                                                  f"{first_action.get('step')}")
    return incident.opened, "incident opened; nothing related before it"


def _window(events: list[dict[str, Any]], start: datetime, end: datetime | None) -> list[dict[str, Any]]:
    return [e for e in events if parse_time(e["time"]) >= start and (end is None or parse_time(e["time"]) <= end)]


def _actions(events: list[dict[str, Any]]) -> list[ActionRecord]:
    records: list[ActionRecord] = []
    open_by_key: dict[tuple[str, str], ActionRecord] = {}
    for event in events:
        step, action, target = event.get("step"), event.get("action"), event.get("target")
        if not action or step in ("alarm", "note", "incident"):
            continue
        key = (action, target or "")
        if step == "planned":
            record = ActionRecord(time=_hm(event), action=action, target=target or "", operator=str(event.get("operator", "")),
                                  before=dict(event.get("before") or {}), after=dict(event.get("after") or {}),
                                  undo_of=event.get("undoes"), command=str(event.get("command", "")))
            records.append(record)
            open_by_key[key] = record
            continue
        found = open_by_key.get(key)
        if found is None:
            continue
        record = found
        if step == "verified":
            record.outcome = "verified" if event.get("ok", True) else "failed"
            record.verification = str(event.get("detail", ""))
        elif step in ("failed", "cancelled", "refused"):
            record.outcome = step
            record.error = str(event.get("error") or event.get("detail") or "")
        if record.outcome in TERMINAL:
            open_by_key.pop(key, None)
    return records


def _notified(events: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each ``notify.*`` that ran: who (the escalation's name, else the target), when, how, and whether it went."""
    who: dict[tuple[str, str], str] = {}
    entries = []
    for event in events:
        action, target, step = str(event.get("action") or ""), str(event.get("target") or ""), event.get("step")
        if not action.startswith("notify."):
            continue
        if step == "planned":
            who[(action, target)] = str((event.get("params") or {}).get("who") or target)
        elif step in ("verified", "failed"):
            went = step == "verified" and event.get("ok", True)
            entries.append({"time": _hm(event), "who": who.get((action, target), target), "how": action.removeprefix("notify."),
                            "target": target, "outcome": "notified" if went else
                            f"NOT notified: {event.get('error') or event.get('detail') or step}"})
    return entries


def _line(event: dict[str, Any]) -> str | None:
    step = event.get("step")
    who = event.get("operator", "")
    if step == "incident":
        kind = event.get("event")
        if kind == "opened":
            services = f" — services: {', '.join(event.get('services') or [])}" if event.get("services") else ""
            return f"Incident opened by {who}: {event.get('title', '')} ({event.get('severity', '')}){services}"
        if kind == "severity":
            return f"Severity changed to {event.get('severity')} by {who}"
        if kind == "acknowledged":
            return f"Acknowledged by {who}"
        if kind == "resolved":
            return f"Resolved by {who}" + (f": {event['detail']}" if event.get("detail") else "")
    if step == "alarm":
        return f"Alarm {event.get('target')} {event.get('before')} → {event.get('after')}: {event.get('detail', '')}".rstrip(": ")
    if step == "note":
        return f"Note ({who}): {event.get('detail', '')}"
    if step == "confirmed":
        return f"{who} confirmed {event.get('action')} on {event.get('target')}: {event.get('detail', '')}"
    if step == "verified":
        state = "verified" if event.get("ok", True) else "NOT verified"
        return f"{event.get('action')} on {event.get('target')} {state}: {event.get('detail', '')}"
    if step in ("failed", "refused"):
        return f"{event.get('action')} on {event.get('target')} {step}: {event.get('error', '')}"
    if step == "undone":
        return f"Undone: {event.get('detail', '')}"
    return None


def build_report(events: list[dict[str, Any]], *, incident_index: int = -1, now: datetime | None = None,
                 scale: Scale | None = None) -> Report:
    incidents = fold(events, scale)
    incident = incidents[incident_index] if incidents else None
    now = now or datetime.now(UTC)
    if incident is not None:
        position = incidents.index(incident)
        start, reason = _first_related(events, incident, incidents[position - 1] if position else None)
        window = _window(events, start, incident.resolved)
    else:
        window = events
        start = parse_time(window[0]["time"]) if window else now
        reason = "the timeline's first event"
    opened = incident.opened if incident else start
    resolved = incident.resolved if incident else None
    alarms: dict[str, list[str]] = {}
    for event in window:
        if event.get("step") == "alarm":
            alarms.setdefault(str(event.get("target")), []).append(f"{_hm(event)} {event.get('before')} → {event.get('after')}")
    acknowledged_after = clock(incident.acknowledged - incident.opened) if incident and incident.acknowledged else None
    return Report(
        title=incident.title if incident else "Untitled incident",
        severity=incident.severity if incident else "PX",
        severity_name=incident.level.name if incident else "unknown",
        date=opened.astimezone(UTC).strftime("%Y-%m-%d"),
        opened=opened.astimezone(UTC).strftime("%H:%M"),
        report_from=start.astimezone(UTC).strftime("%H:%M"),
        report_from_reason=reason,
        resolved=resolved.astimezone(UTC).strftime("%H:%M") if resolved else None,
        duration=spelled_duration((resolved or now) - opened),
        services=incident.services if incident else [],
        responders=sorted({str(e.get("operator")) for e in window if e.get("operator")}),
        acknowledged_after=acknowledged_after,
        response_target=incident.level.response_text if incident else "",
        timeline=[{"time": _hm(e), "text": text} for e in window if (text := _line(e))],
        actions=_actions(window),
        alarms=alarms,
        notes=[{"time": _hm(e), "operator": str(e.get("operator", "")), "text": str(e.get("detail", ""))}
               for e in window if e.get("step") == "note"],
        notified=_notified(window),
    )



def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _change(record: ActionRecord) -> str:
    keys = list(record.after) or list(record.before)
    return "; ".join(f"{key}: {record.before.get(key)} → {record.after.get(key)}" for key in keys) or "—"


def render_markdown(report: Report) -> str:
    until = f"{report.resolved} UTC" if report.resolved else "the time of writing"
    lines = [f"# Post-Incident Report: {report.title}", "",
             f"From {report.report_from} UTC ({report.report_from_reason}) to {until}.", "", "## Summary", ""]
    lines += [
        f"- **Incident Date**: {report.date}",
        f"- **Duration**: {report.duration}" + ("" if report.resolved else " (still open when this report was written)"),
        f"- **Severity**: {report.severity} ({report.severity_name})",
        f"- **Services Affected**: {', '.join(report.services) or TODO + ' list of services_'}",
        f"- **Customer Impact**: {TODO} who was affected, how, and for how long_",
        f"- **Responders**: {', '.join(report.responders) or '—'}",
    ]
    if report.response_target:
        acknowledged = report.acknowledged_after or "not acknowledged"
        lines.append(f"- **Acknowledged**: {acknowledged} (target: {report.response_target})")
    lines += ["", "## Timeline", "", "All times UTC.", ""]
    lines += [f"- **{entry['time']}** - {entry['text']}" for entry in report.timeline] or ["- (no events)"]
    lines += ["", "## Actions Taken", ""]
    ran = [record for record in report.actions if record.outcome != "planned"]
    if ran:
        lines += ["| time | action | target | before → after | outcome | verification |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for record in ran:
            outcome = record.outcome + (f" (undo of {record.undo_of})" if record.undo_of else "")
            detail = record.verification or record.error
            lines.append(f"| {record.time} | {_cell(record.action)} | {_cell(record.target)} | {_cell(_change(record))} "
                         f"| {_cell(outcome)} | {_cell(detail)} |")
    else:
        lines.append("No action was run from the cockpit.")
    if report.notified:  # only then: runbook 004's template has no such section of its own
        lines += ["", "## Escalation", ""]
        lines += [f"- **{entry['time']}** - {entry['who']} by {entry['how']} ({entry['target']}): {entry['outcome']}"
                  for entry in report.notified]
    lines += ["", "## Alarms Involved", ""]
    if report.alarms:
        lines += [f"- **{name}**: {'; '.join(changes)}" for name, changes in report.alarms.items()]
    else:
        lines.append("No alarm changed state while the cockpit watched.")
    lines += ["", "## Root Cause", "", f"{TODO} a detailed analysis of what caused the incident_",
              "", "## Impact Assessment", "",
              f"- Customer impact: {TODO}_", f"- Revenue impact: {TODO}_",
              f"- Reputation impact: {TODO}_", f"- Internal team impact: {TODO}_",
              "", "## Response Analysis", ""]
    failed = sum(1 for record in ran if record.outcome == "failed")
    undone = sum(1 for record in ran if record.undo_of)
    lines.append(f"- {len([r for r in ran if r.ran])} action(s) run, {failed} failed, {undone} undo(s); "
                 f"{len(report.notes)} note(s).")
    lines += [f"- {TODO} what went well and what could be improved_", "", "## Action Items", "",
              f"1. {TODO} [Action] - [Owner] - [Due Date]_", "", "## Lessons Learned", "",
              f"{TODO} key takeaways for future incidents_", ""]
    return "\n".join(lines)


def write_report(events: list[dict[str, Any]], directory: Path, *, incident_index: int = -1,
                 scale: Scale | None = None) -> tuple[Path, str]:
    """Write the Markdown report (the text ``cockpit report`` prints) into ``directory``.

    Named after the incident's opening, so a report written after Resolve names that
    incident: ``incident-report-20261202-1004.md``; returns the path and the text.
    """
    incidents = fold(events, scale)
    text = render_markdown(build_report(events, incident_index=incident_index, scale=scale))
    stamp = incidents[incident_index].opened.astimezone(UTC) if incidents else None
    path = directory / (f"incident-report-{stamp:%Y%m%d-%H%M}.md" if stamp else "incident-report.md")
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path, text
