"""Open, acknowledge, re-grade and resolve an incident; write a note. All go on the timeline.

Enter submits: in the title or services field it opens the incident, on a severity it
re-grades, in the resolution note it resolves. With nothing open, the form still offers
the last incident's report.
"""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from services.formatting import local_hm
from services.incident.state import SEVERITIES, Incident, Scale, default_severity, header_text

_DIALOG_CSS = """
    {name} {{ align: center middle; }}
    {name} > Vertical, {name} > VerticalScroll {{
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }}
    {name} Input, {name} Input:focus {{ border: none; height: 1; background: $boost; margin-bottom: 1; }}
    {name} OptionList, {name} OptionList:focus {{ height: auto; max-height: 6; border: none; }}
    {name} #buttons {{ height: auto; margin-top: 1; }}
    {name} #last {{ height: auto; margin-bottom: 1; }}
    {name} #last-incident {{ width: auto; }}
    {name} Button {{ margin-right: 2; min-width: 0; width: auto; }}
"""


def severity_option(code: str, scale: Scale = SEVERITIES) -> Option:
    level = scale[code]
    label = Text()
    label.append(f"{code} {level.name:9}" if level.name != code else f"{code:12}", "bold")
    if level.meaning:
        label.append(f" {level.meaning}" + (f" ({level.examples})" if level.examples else ""))
    label.append("  ")
    label.append(f"respond within {level.response_text}", "italic")
    return Option(label, id=code)


class IncidentScreen(ModalScreen[dict | None]):
    """Dismisses with the timeline event to record (``{"event": "opened", ...}``), or None."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="IncidentScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, incident: Incident | None, last: Incident | None = None, scale: Scale = SEVERITIES) -> None:
        super().__init__()
        self.incident = incident
        self.last = last
        self.scale = scale
        """The profile's severities (``[[incident.severities]]``), else runbook 004's P1–P4."""
        """The last incident, resolved: its report stays one button away."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            if self.incident is None:
                if self.last is not None:
                    with Horizontal(id="last"):
                        yield Static(Text(f"last: {self.last.severity} {self.last.title}, resolved "
                                          f"{local_hm(self.last.resolved) if self.last.resolved else '—'}  ", "dim"),
                                     id="last-incident")
                        yield Button("Report", id="report", compact=True)
                yield Static(Text(" OPEN AN INCIDENT ", "bold reverse"))
                yield Label("title")
                yield Input(placeholder="what is wrong, in a few words", id="title")
                yield Label("severity (runbook 004)" if self.scale is SEVERITIES else "severity (this system's scale)")
                yield OptionList(*(severity_option(code, self.scale) for code in self.scale), id="severity")
                yield Label("affected services (comma-separated)")
                yield Input(placeholder="e.g. scanner, results queue", id="services")
                with Horizontal(id="buttons"):
                    yield Button("Open incident", id="open", variant="error", compact=True)
                    yield Button("Cancel", id="cancel", compact=True)
                return
            incident = self.incident
            yield Static(Text(f" INCIDENT  {header_text(incident)}", "bold"))
            yield Static(Text(f"opened by {incident.opened_by}; services: {', '.join(incident.services) or '—'}", "dim"))
            yield Label("change severity")
            options = OptionList(*(severity_option(code, self.scale) for code in self.scale), id="severity")
            yield options
            yield Label("resolution note (enter resolves)")
            yield Input(placeholder="what fixed it", id="resolution")
            with Horizontal(id="buttons"):
                if incident.acknowledged is None:
                    yield Button("Acknowledge", id="ack", variant="warning", compact=True)
                yield Button("Set severity", id="regrade", compact=True)
                yield Button("Resolve", id="resolve", variant="success", compact=True)
                yield Button("Report", id="report", compact=True)
                yield Button("Close", id="cancel", compact=True)

    def on_mount(self) -> None:
        options = self.query_one("#severity", OptionList)
        codes = list(self.scale)
        current = self.incident.severity if self.incident else default_severity(self.scale)
        options.highlighted = codes.index(current) if current in codes else 0
        (self.query_one("#title", Input) if self.incident is None else self.query_one(Button)).focus()

    def _severity(self) -> str:
        options = self.query_one("#severity", OptionList)
        return list(self.scale)[options.highlighted or 0]

    @on(Input.Submitted, "#title, #services")
    @on(Button.Pressed, "#open")
    def open_incident(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.notify("An incident needs a title.", severity="warning")
            self.query_one("#title", Input).focus()
            return
        services = [s.strip() for s in self.query_one("#services", Input).value.split(",") if s.strip()]
        self.dismiss({"event": "opened", "title": title, **self._graded(), "services": services})

    @on(Button.Pressed, "#ack")
    def acknowledge(self) -> None:
        self.dismiss({"event": "acknowledged"})

    @on(OptionList.OptionSelected, "#severity")
    def severity_chosen(self) -> None:
        """Enter on a severity: re-grade the open incident; in the new one's form, go on to the services."""
        if self.incident is None:
            self.query_one("#services", Input).focus()
        else:
            self.regrade()

    @on(Button.Pressed, "#regrade")
    def regrade(self) -> None:
        self.dismiss({"event": "severity", **self._graded()})

    def _graded(self) -> dict:
        """The chosen severity, with its name and response time: a report read from the timeline alone has them."""
        code = self._severity()
        level = self.scale[code]
        graded: dict = {"severity": code, "severity_name": level.name}
        if level.response is not None:
            graded["respond_seconds"] = level.response.total_seconds()
        return graded

    @on(Input.Submitted, "#resolution")
    def resolve_with_note(self) -> None:
        if not self.query_one("#resolution", Input).value.strip():
            self.notify("Enter resolves with a note: type what fixed it (or press Resolve).", severity="warning")
            return
        self.resolve()

    @on(Button.Pressed, "#resolve")
    def resolve(self) -> None:
        note = self.query_one("#resolution", Input).value.strip()
        self.dismiss({"event": "resolved", **({"detail": note} if note else {})})

    @on(Button.Pressed, "#report")
    def report(self) -> None:
        self.dismiss({"event": "report"})

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteScreen(ModalScreen[str | None]):
    """``n``: one line of free text on the timeline, with time and operator."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="NoteScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(" NOTE ", "bold reverse"))
            yield Input(placeholder="what you saw, did or decided (enter to record)", id="note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
