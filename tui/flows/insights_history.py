"""The session's Logs Insights runs and the editor's last state, kept above the screen.

The dashboard owns one ``InsightsHistory`` and hands it to each ``InsightsScreen`` it opens,
so closing the screen (``esc``) and opening it again finds the history, the draft and the
last result where they were.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class QueryRun:
    """One run of this session, for the history list."""

    run_id: int
    query: str
    groups: list[str]
    range_text: str
    started: float
    status: str = "starting"
    rows: int = 0
    query_id: str = ""

    def label(self) -> str:
        first = self.query.strip().splitlines()[0] if self.query.strip() else ""
        clock = time.strftime("%H:%M:%S", time.localtime(self.started))
        return f"{clock} {self.status} · {self.rows} rows · {first[:40]}"


@dataclass
class InsightsDraft:
    """What the editor and its fields held when the screen was last seen."""

    query: str
    groups: str
    range_text: str


@dataclass
class InsightsResult:
    """The rows last shown, with the warning that came with them (an endpoint that did not run the query)."""

    run_id: int
    fields: list[str]
    rows: list[dict[str, str]]
    warning: str | None = None
    stats_text: str = ""


@dataclass
class InsightsHistory:
    """Everything the Insights screen should find again when it is reopened in this session."""

    runs: list[QueryRun] = field(default_factory=list)
    draft: InsightsDraft | None = None
    result: InsightsResult | None = None

    def next_run_id(self) -> int:
        return len(self.runs) + 1
