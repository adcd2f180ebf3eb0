"""The session's saved-query runs on every engine, kept above the query screen.

The dashboard owns one ``QueryHistory`` and hands it to each ``QueryScreen`` it opens, so
closing the screen (``esc``) and opening it again finds the runs, their rows and the query
last chosen. The Logs Insights editor keeps its own draft in ``InsightsHistory``; this is
the same idea for the saved queries of every engine.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SavedQueryRun:
    """One run of one saved query in this session: what was asked, how it ended, what it returned."""

    run_id: int
    query_id: str
    engine: str
    params: dict[str, str]
    started_at: float = field(default_factory=time.time)
    """Wall clock, for the history list."""
    started: float = field(default_factory=time.monotonic)
    """Monotonic, for the elapsed time."""
    status: str = "starting"
    elapsed: float = 0.0
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""
    error: str = ""
    text: str = ""
    """The query as sent, parameters filled in."""

    @property
    def running(self) -> bool:
        return self.status in ("starting", "running", "stopping")

    def label(self) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(self.started_at))
        what = f"{len(self.rows)} rows" if self.status == "complete" else self.status
        return f"{clock} {self.query_id} · {what}"


@dataclass
class QueryHistory:
    """Every saved-query run of this session, oldest first, and the query the screen last showed."""

    runs: list[SavedQueryRun] = field(default_factory=list)
    chosen: str | None = None
    shown: int | None = None
    """The run whose rows the screen showed last."""

    def start(self, query_id: str, engine: str, params: dict[str, str]) -> SavedQueryRun:
        run = SavedQueryRun(len(self.runs) + 1, query_id, engine, dict(params))
        self.runs.append(run)
        self.shown = run.run_id
        return run

    def get(self, run_id: int | None) -> SavedQueryRun | None:
        return next((run for run in self.runs if run.run_id == run_id), None)
