"""One resource in full: its findings first (what a responder acts on), then every field read.

Plain data in (``ResourceDetailData``: what was read, or why it could not be); scrolls when
it is longer than the pane. A finding an action would fix says which (``x`` plans it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from widgets.resource_list import MARKS

LABEL_WIDTH = 18


@dataclass(frozen=True, slots=True)
class DetailField:
    label: str
    value: str
    detail: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DetailFinding:
    level: str
    text: str
    fix: str = ""
    """The action that would fix it, as text (``iam.grant role sqs:SendMessage arn:…``)."""


@dataclass(frozen=True, slots=True)
class ResourceDetailData:
    id: str
    type: str
    name: str
    status: str
    read_at: datetime | None = None
    fields: tuple[DetailField, ...] = ()
    findings: tuple[DetailFinding, ...] = ()
    failure: str = ""
    """Why the last read failed (the fields shown are then the last good ones, if any)."""


class ResourceDetail(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    ResourceDetail {
        height: 1fr;
        border-top: solid $primary-darken-2;
        padding: 0 1;
    }
    ResourceDetail:focus {
        border-top: solid $accent;
    }
    ResourceDetail > Static {
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: ResourceDetailData | None = None

    def compose(self) -> ComposeResult:
        yield Static("Select a resource.", id="resource-detail-text")

    def show(self, data: ResourceDetailData | None) -> None:
        self.data = data
        self.query_one("#resource-detail-text", Static).update(render_detail(data) if data else "Select a resource.")

    def text(self) -> str:
        """What the detail shows, as plain text (what a test or a copy reads)."""
        return render_detail(self.data).plain if self.data else ""


def render_detail(data: ResourceDetailData) -> Text:
    text = Text()
    text.append(f"{data.id}", "bold")
    text.append(f"  {data.type} {data.name}  ")
    text.append(data.status, "bold red" if data.status == "not found" else "bold")
    if data.read_at is not None:
        text.append(f"  read {data.read_at.astimezone().strftime('%H:%M:%S')}", "dim")
    text.append("\n")
    if data.failure:
        text.append(f"! {data.failure}\n", "bold red")
    if data.findings:
        text.append("FINDINGS\n", "bold underline")
        for finding in data.findings:
            glyph, style = MARKS.get(finding.level, ("·", ""))
            text.append(f" {glyph} ", style)
            text.append(f"{finding.text}\n", style if finding.level != "ok" else "")
            if finding.fix:
                text.append(f"     fix (x): {finding.fix}\n", "cyan")
    if data.fields:
        text.append("CONFIGURATION\n", "bold underline")
        width = min(LABEL_WIDTH, max(len(item.label) for item in data.fields))
        for item in data.fields:
            text.append(f" {item.label:<{width}} ", "bold")
            text.append(f"{item.value}\n")
            for line in item.detail:
                text.append(f" {'':<{width}}   {line}\n", "dim")
    text.rstrip()
    return text
