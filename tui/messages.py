"""Every message the cockpit's workers post, in one place.

Workers only post these; state changes happen in the handlers. Data messages do not
bubble: they are posted to the screen that owns the pane.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from services.errors import SourceError
from services.models import Alarm, AlarmHistoryItem, AlarmsSnapshot, AlarmTransition, LogEvent, MetricsSnapshot

if TYPE_CHECKING:  # types only: the engines and the executor stay unimported until a pane needs them
    from services.actions.executor import Outcome
    from services.aws.insights import QueryProgress
    from services.aws.resources import ResourceReading
    from services.engines.docker import ContainerDetails, ContainerLogLine, ContainersSnapshot, ContainerStats
    from services.engines.health import HealthResult
    from services.engines.postgres import ActivitySnapshot, DatabaseDetail
    from services.queries.base import QueryHandle
    from services.queries.base import QueryProgress as EngineProgress


class MetricsUpdated(Message, bubble=False):
    def __init__(self, snapshot: MetricsSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class AlarmsUpdated(Message, bubble=False):
    """One refresh of the alarms (a snapshot also carries the state changes since the last one)."""

    def __init__(self, alarms: list[Alarm] | AlarmsSnapshot) -> None:
        super().__init__()
        snapshot = alarms if isinstance(alarms, AlarmsSnapshot) else AlarmsSnapshot(alarms=list(alarms))
        self.snapshot = snapshot
        self.alarms = snapshot.alarms
        self.transitions = snapshot.transitions


class AlarmStateChanged(Message):
    """An alarm changed state while the cockpit runs; bubbles to the app (timeline, incidents)."""

    def __init__(self, transition: AlarmTransition) -> None:
        super().__init__()
        self.transition = transition


class AlarmHistoryLoaded(Message, bubble=False):
    """``describe_alarm_history`` for ``name`` (newest first)."""

    def __init__(self, name: str, items: list[AlarmHistoryItem]) -> None:
        super().__init__()
        self.name = name
        self.items = items


class AlarmHistoryFailed(Message, bubble=False):
    """The history of ``name`` could not be read (``Unsupported`` on endpoints without it)."""

    def __init__(self, name: str, error: SourceError) -> None:
        super().__init__()
        self.name = name
        self.error = error


class PlaybookRequested(Message):
    """Hook for the Actions issue: open the playbook(s) listing ``alarm`` (ids in ``playbooks``)."""

    def __init__(self, alarm: str, playbooks: list[str]) -> None:
        super().__init__()
        self.alarm = alarm
        self.playbooks = playbooks


class LogEventsArrived(Message, bubble=False):
    """A tail's new events, and how it reads now (``status``: "live tail", "polling", …)."""

    def __init__(self, events: list[LogEvent], status: str = "") -> None:
        super().__init__()
        self.events = events
        self.status = status


class SourceFailed(Message, bubble=False):
    """A source's call failed; it will try again in ``retry_in`` seconds (None: it will not)."""

    def __init__(self, source: str, error: SourceError, retry_in: float | None) -> None:
        super().__init__()
        self.source = source
        self.error = error
        self.retry_in = retry_in

    @property
    def status(self) -> str:
        """The pane's one line: the typed error and when it is tried again."""
        retry = f" · retrying in {self.retry_in:.0f}s" if self.retry_in else ""
        return f"{self.error}{retry}"

    @property
    def level(self) -> str:
        """``warning`` while waiting can help, ``error`` when it cannot (bad input, denied…)."""
        return "warning" if self.error.retry else "error"


class ActionFinished(Message, bubble=False):
    """An action ran (or failed) through the executor; ``outcome`` is the executor's record."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class LogGroupsListed(Message, bubble=False):
    """The account's log groups for the picker, or why they could not be listed."""

    def __init__(self, groups: list[str], error: SourceError | None = None) -> None:
        super().__init__()
        self.groups = groups
        self.error = error


class InsightsProgress(Message, bubble=False):
    """A query's latest ``QueryProgress`` (status, rows, statistics), about once a second."""

    def __init__(self, run_id: int, progress: QueryProgress) -> None:
        super().__init__()
        self.run_id = run_id
        self.progress = progress


class InsightsFailed(Message, bubble=False):
    """A query could not start, be polled, or be stopped (``stage``: start, poll, stop)."""

    def __init__(self, run_id: int, error: SourceError, stage: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.error = error
        self.stage = stage


class InsightsRecordLoaded(Message, bubble=False):
    """``GetLogRecord``'s answer for a result row (``record`` None when it failed)."""

    def __init__(self, row: dict[str, str], record: dict[str, str] | None, error: SourceError | None = None) -> None:
        super().__init__()
        self.row = row
        self.record = record
        self.error = error


class QueryStarted(Message, bubble=False):
    """A saved query was accepted by its engine: ``handle.text`` is the query as sent."""

    def __init__(self, run_id: int, handle: QueryHandle) -> None:
        super().__init__()
        self.run_id = run_id
        self.handle = handle


class QueryUpdated(Message, bubble=False):
    """One poll of a saved query on any engine (``note``: what the screen should add, e.g. a stop not heard)."""

    def __init__(self, run_id: int, progress: EngineProgress, note: str = "") -> None:
        super().__init__()
        self.run_id = run_id
        self.progress = progress
        self.note = note


# ---------------------------------------------------------------- containers, PostgreSQL, health
class ContainersUpdated(Message, bubble=False):
    """One listing of the engine's containers."""

    def __init__(self, snapshot: ContainersSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class ContainerStatsArrived(Message, bubble=False):
    """One stats sample of one container; high rate: one per container per second."""

    def __init__(self, stats: ContainerStats) -> None:
        super().__init__()
        self.stats = stats


class ContainerLogsArrived(Message, bubble=False):
    """New log lines of the selected container."""

    def __init__(self, container: str, lines: list[ContainerLogLine]) -> None:
        super().__init__()
        self.container = container
        self.lines = lines


class ContainerDetailsLoaded(Message, bubble=False):
    def __init__(self, details: ContainerDetails) -> None:
        super().__init__()
        self.details = details


class PostgresActivityUpdated(Message, bubble=False):
    """``pg_stat_activity``."""

    def __init__(self, snapshot: ActivitySnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class DatabaseDetailUpdated(Message, bubble=False):
    """Blocking tree and overview for the database screen."""

    def __init__(self, detail: DatabaseDetail) -> None:
        super().__init__()
        self.detail = detail


class HealthChecked(Message, bubble=False):
    """One check of one ``[[health]]`` URL."""

    def __init__(self, result: HealthResult) -> None:
        super().__init__()
        self.result = result


class ResourceRead(Message, bubble=False):
    """One resource of the profile was read (``reading``), or its read failed (``error``)."""

    def __init__(self, resource_id: str, reading: ResourceReading | None, error: SourceError | None = None) -> None:
        super().__init__()
        self.resource_id = resource_id
        self.reading = reading
        self.error = error


class ResourcesRead(Message, bubble=False):
    """A pass over every resource ended: ``failed`` of ``total`` could not be read."""

    def __init__(self, total: int, failed: int) -> None:
        super().__init__()
        self.total = total
        self.failed = failed
