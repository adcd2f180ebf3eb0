"""One resource in full: its findings first (what a responder acts on), then every field read.

Plain data in (``ResourceDetailData``: what was read, or why it could not be); scrolls when
it is longer than the pane. A finding an action would fix says which (``x`` plans it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from widgets.resource_list import MARKS

LABEL_WIDTH = 22


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
        return detail_text(self.data) if self.data else ""


def _head(data: ResourceDetailData) -> Text:
    text = Text()
    text.append(f"{data.id}", "bold")
    text.append(f"  {data.type} {data.name}  ")
    text.append(data.status, "bold red" if data.status == "not found" else "bold")
    if data.read_at is not None:
        text.append(f"  read {data.read_at.astimezone().strftime('%H:%M:%S')}", "dim")
    if data.failure:
        text.append(f"\n! {data.failure}", "bold red")
    return text


def render_detail(data: ResourceDetailData) -> Group:
    """The findings and fields in two-column grids: a long value wraps under itself, not under the label."""
    parts: list[RenderableType] = [_head(data)]
    if data.findings:
        parts.append(Text("FINDINGS", "bold underline"))
        findings = Table.grid(padding=(0, 1))
        findings.add_column(width=1)
        findings.add_column(ratio=1)
        for finding in data.findings:
            glyph, style = MARKS.get(finding.level, ("·", ""))
            cell = Text(finding.text, style if finding.level != "ok" else "")
            if finding.fix:
                cell.append(f"\nfix (x): {finding.fix}", "cyan")
            findings.add_row(Text(glyph, style), cell)
        parts.append(findings)
    if data.fields:
        parts.append(Text("CONFIGURATION", "bold underline"))
        width = min(LABEL_WIDTH, max(len(item.label) for item in data.fields))
        fields = Table.grid(padding=(0, 1))
        fields.add_column(width=width, style="bold", no_wrap=True, overflow="ellipsis")
        fields.add_column(ratio=1)
        for item in data.fields:
            value = Text(item.value)
            for line in item.detail:
                value.append(f"\n{line}", "dim")
            fields.add_row(item.label, value)
        parts.append(fields)
    return Group(*parts)


def detail_text(data: ResourceDetailData) -> str:
    """The same content as plain lines (one per finding, field and detail line): what tests and copies read."""
    lines = [_head(data).plain]
    lines += [f"{MARKS.get(f.level, ('·', ''))[0]} {f.text}" + (f" | fix (x): {f.fix}" if f.fix else "")
              for f in data.findings]
    for item in data.fields:
        lines.append(f"{item.label}: {item.value}")
        lines += [f"    {line}" for line in item.detail]
    return "\n".join(lines)
