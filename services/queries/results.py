"""What a run's rows become outside the engine: the one-line summary, CSV, JSON, a file under the state directory.

The CLI (``cockpit query``) and the query screen say the same thing about a run, so the
summary lives here once. Exports keep values exact: JSON has the engine's plain values,
CSV has each cell as :func:`~services.queries.base.cell_text` shows it in the table.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from services.paths import state_dir
from services.queries.base import QueryProgress, Row, cell_text


def summary(progress: QueryProgress) -> str:
    """``3 rows · 1.2 s · 12.0 MB scanned · $0.0001`` (what the engine reports)."""
    parts = [f"{len(progress.rows)} row{'s' if len(progress.rows) != 1 else ''}", f"{progress.elapsed:.1f} s"]
    stats = progress.stats
    if stats.scanned is not None:
        parts.append(f"{stats.scanned:g} read")
    if stats.bytes_scanned is not None:
        parts.append(f"{byte_size(stats.bytes_scanned)} scanned")
    if stats.cost_usd is not None:
        parts.append(f"${stats.cost_usd:.4f}")
    text = " · ".join(parts)
    if progress.truncated:
        text += " · more rows exist (the query's limit)"
    if progress.warning:
        text += f"\nwarning: {progress.warning}"
    return text


def byte_size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"


def to_csv(columns: list[str], rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(name)) for name in columns])
    return buffer.getvalue()


def to_json(columns: list[str], rows: list[Row]) -> str:
    return json.dumps([{name: row.get(name) for name in columns} for row in rows], indent=2, ensure_ascii=False) + "\n"


def export(query_id: str, columns: list[str], rows: list[Row], kind: str, *, now: datetime | None = None,
           directory: Path | None = None) -> Path:
    """Write the rows as ``kind`` (``csv`` or ``json``) to ``STATE/exports/QUERY-YYYYMMDD-HHMMSS.kind``; the path."""
    folder = (directory or state_dir()) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", query_id) or "query"
    stamp = f"{(now or datetime.now()):%Y%m%d-%H%M%S}"
    path = folder / f"{safe}-{stamp}.{kind}"
    counter = 1
    while path.exists():  # two exports in one second keep both
        counter += 1
        path = folder / f"{safe}-{stamp}-{counter}.{kind}"
    text: Any = to_csv(columns, rows) if kind == "csv" else to_json(columns, rows)
    path.write_text(text, encoding="utf-8")
    return path
