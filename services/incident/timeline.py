"""The incident timeline: an append-only JSON-lines file, one object per step.

Durability contract (``Timeline.append``):

- the file is opened with ``O_APPEND``, so concurrent writers never overwrite each other;
- each event is encoded first and written with **one** ``os.write`` of the whole line,
  then ``os.fsync``'d, before ``append`` returns. A process killed at any moment (even
  ``kill -9``) therefore leaves a file whose lines all parse: a line is either entirely
  there or not at all;
- secrets never reach the file: values under secret-looking names are ``***``
  (``services.redact``), and those values are masked in the free text recorded with them.

Event fields: ``time`` (ISO 8601, UTC), ``operator`` (the OS user), ``profile`` (the
system's name), ``step`` (see ``STEPS``, or a free kind such as ``note``), then where
known ``action``, ``target``, ``params``, ``before``, ``after``, ``error``, ``detail``
and any extra fields the caller gives (e.g. ``command``, ``ok``).
"""
from __future__ import annotations

import getpass
import json
import logging
import os
import re
import threading
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.errors import SourceError
from services.redact import mask_text, redact

if TYPE_CHECKING:
    from services.profile import Profile

log = logging.getLogger("cockpit.timeline")


class Step(StrEnum):
    """The steps the executor records; other kinds (``note``, ``alarm``...) are allowed."""

    PLANNED = "planned"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    REFUSED = "refused"
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    VERIFIED = "verified"
    UNDONE = "undone"
    NOTE = "note"
    ALARM = "alarm"


STEPS = frozenset(step.value for step in Step)
_KIND = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_TEXT_FIELDS = ("error", "detail", "command", "summary")


DEMO_RUNS_KEPT = 10


def system_slug(system: str) -> str:
    """``Sentra Scanner`` → ``sentra-scanner``: a system's name as a file name."""
    return re.sub(r"[^a-z0-9]+", "-", system.lower()).strip("-")


def default_timeline_path(system: str = "") -> Path:
    """One timeline per system: ``$XDG_STATE_HOME/incident-cockpit/timeline-<system>.jsonl``.

    (``~/.local/state/...`` by default.) The cockpit, ``cockpit note`` and ``cockpit report``
    find the same file from the profile's system name; no name: ``timeline.jsonl``.
    """
    from services.paths import state_dir

    slug = system_slug(system)
    return state_dir() / (f"timeline-{slug}.jsonl" if slug else "timeline.jsonl")


def demo_timeline_path(system: str) -> Path:
    """A new, empty timeline for one demo run: ``.../incident-cockpit/demo/timeline-<system>-<time>.jsonl``.

    A demo run must not show the steps of earlier runs, nor mix with the real system's
    timeline; the newest DEMO_RUNS_KEPT runs are kept for ``cockpit report``.
    """
    from services.paths import state_dir

    folder = state_dir() / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"timeline-{system_slug(system) or 'demo'}-"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for attempt in range(1000):
        path = folder / f"{prefix}{stamp}{f'-{attempt}' if attempt else ''}.jsonl"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # claimed: two runs never share it
            break
        except FileExistsError:
            continue
    _fsync_directory(folder)  # Timeline fsyncs the folder only for files it creates itself
    runs = sorted(folder.glob(f"{prefix}*.jsonl"), key=lambda p: p.stat().st_mtime)
    for old in runs[:-DEMO_RUNS_KEPT]:
        if old != path:
            old.unlink(missing_ok=True)
    return path


def current_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        return f"uid {os.getuid()}"


class Timeline:
    """Appends events for one system; safe to share between threads and processes."""

    def __init__(self, path: Path | str | None = None, *, profile: str = "", operator: str | None = None,
                 mirror: Any = None) -> None:
        self.path = Path(path) if path is not None else default_timeline_path(profile)
        self.profile = profile
        self.operator = operator or current_operator()
        self.mirror = mirror
        """A shared store (``services.incident.timeline_store``) that gets a copy of every event, after the file."""
        self._lock = threading.Lock()

    def append(self, step: str, *, action: str | None = None, target: str | None = None,
               params: dict[str, Any] | None = None, before: Any = None, after: Any = None,
               error: str | None = None, detail: str | None = None, profile: str | None = None,
               **extra: Any) -> dict[str, Any]:
        """Write one event durably (see the module's contract); return it as written."""
        if not _KIND.match(step):
            raise ValueError(f"timeline step {step!r}: expected a short lower-case kind such as 'note'")
        event: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "operator": self.operator,
            "profile": profile if profile is not None else self.profile,
            "step": step,
        }
        optional = {"action": action, "target": target, "params": params, "before": before, "after": after,
                    "error": error, "detail": detail, **extra}
        event.update({key: value for key, value in optional.items() if value is not None})
        secrets: set[str] = set()
        event = redact(event, secrets)
        for key in _TEXT_FIELDS:
            if isinstance(event.get(key), str) and secrets:
                event[key] = mask_text(event[key], secrets)
        line = (json.dumps(event, ensure_ascii=False, default=str, separators=(",", ":")) + "\n").encode()
        self._write(line)
        if self.mirror is not None:
            try:
                self.mirror.write_event(event)
            except SourceError as error:  # the file has it; the store gets it on its next write or read
                log.warning("shared timeline store: %s", error)
        return event

    def _write(self, line: bytes) -> None:
        with self._lock:
            created = not self.path.exists()
            if created:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                written = os.write(fd, line)  # one write: the line lands whole or not at all
                if written != len(line):
                    # Only a full disk does this to a regular file; say so rather than lose steps quietly.
                    raise OSError(f"timeline {self.path}: wrote {written} of {len(line)} bytes (disk full?)")
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                _fsync_directory(self.path.parent)  # the new file's name must survive a crash too

    def events(self) -> list[dict[str, Any]]:
        return read_timeline(self.path)


def open_timeline(profile: Profile, path: Path | str | None = None) -> Timeline:
    """The profile's timeline: the file, mirrored to the shared store when ``[incident] store = "postgres"``
    and its DSN variable is set (else ``mirror`` is None: see ``store_unset``). No connection yet."""
    store = None
    spec = profile.incident
    dsn = os.environ.get(spec.dsn_env) if spec.store == "postgres" and spec.dsn_env else None
    if dsn:
        from services.incident.timeline_store import PostgresTimelineStore

        store = PostgresTimelineStore(dsn, spec.table)
    return Timeline(path, profile=profile.system.name, mirror=store)


def store_unset(profile: Profile) -> str | None:
    """The variable a shared store needs and the environment lacks (the timeline then stays in the file)."""
    spec = profile.incident
    if spec.store == "postgres" and spec.dsn_env and not os.environ.get(spec.dsn_env):
        return spec.dsn_env
    return None


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_timeline(path: Path | str, *, strict: bool = True) -> list[dict[str, Any]]:
    """The events of a timeline file, oldest first; ``[]`` when it does not exist yet.

    ``strict``: a line that does not parse raises ``ValueError`` naming it; otherwise it
    is skipped (a pane showing the timeline should show the rest, not nothing).
    """
    path = Path(path)
    if not path.exists():
        return []
    events: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
                if not isinstance(event, dict):
                    raise ValueError("not an object")
            except ValueError as error:
                if strict:
                    raise ValueError(f"{path}:{number}: not a timeline event ({error})") from None
                continue
            events.append(event)
    return events
