"""Where the cockpit keeps its files: ``$XDG_STATE_HOME/incident-cockpit`` (``~/.local/state/...``)."""
from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    path = Path(base) / "incident-cockpit"
    path.mkdir(parents=True, exist_ok=True)
    return path
