"""SVG snapshots of the cockpit's screens at 120×40 and 80×24, fed fixed data (no AWS, no engine, no clock).

Each screen gets plain models (``services.models``, plans, incidents, database detail)
through the messages its sources would post; the clock is stopped at ``NOW`` in UTC
(``tests/support/clock.py``) and the theme is the app's default. The snapshots are
``tests/__snapshots__/test_snapshots/*.svg``: open one in a browser to review it.

After an intended change to a screen, regenerate them all, review the SVGs, commit:

    PYTHONPATH=$PWD .venv/bin/pytest tests/test_snapshots.py --snapshot-update
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Static

from services.actions.base import FieldChange, Plan, Risk
from services.aws.session import AwsTarget
from services.engines.postgres import (
    ActivitySnapshot,
    Backend,
    BlockingNode,
    DatabaseDetail,
    DatabaseOverview,
    TableHealth,
)
from services.incident.state import Incident
from services.models import (
    Alarm,
    AlarmHistoryItem,
    AlarmsSnapshot,
    AlarmTransition,
    LogEvent,
    MetricSeries,
    MetricsSnapshot,
)
from services.profile import Profile, load_profile
from services.profile.model import PostgresSpec, duration_seconds
from tests.support.apps import css_path_of
from tests.support.clock import frozen_clock
from tests.support.paths import DATA
from tests.support.waiting import until
from tui.app import DEFAULT_THEME, CockpitApp
from tui.flows.cockpit import Cockpit
from tui.messages import AlarmsUpdated, LogEventsArrived, MetricsUpdated
from tui.panes.logs import LogsPane
from tui.screens.alarm_detail import AlarmDetailScreen
from tui.screens.confirm_action import ConfirmActionScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.database import DatabaseScreen
from tui.screens.help import HelpScreen
from tui.screens.incident import IncidentScreen
from widgets.alarm_table import AlarmTable
from widgets.log_tail import LogTail
from widgets.pane_title import PaneTitle

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


@pytest.fixture(autouse=True)
def _stopped_clock() -> Iterator[None]:
    with frozen_clock(NOW):
        yield


def _profile() -> Profile:
    return load_profile(DATA / "profile.example.toml")  # the contract: the same tiles, alarms and logs as the demo


# ---------------------------------------------------------------------------------- fixed data
def _wave(index: int, base: float, swing: float, rise: float = 0.0) -> float:
    return max(0.0, base + swing * math.sin(index / 5) + rise * index)


def metrics_snapshot(profile: Profile) -> MetricsSnapshot:
    """Every tile's series over the profile's range: duration in ALERT, error rate CRIT, the rest ok."""
    seconds = int(duration_seconds(profile.cockpit.metrics_range))
    start = NOW - timedelta(seconds=seconds)
    shapes = {"duration": (30_000, 8_000, 250), "invocations": (40, 6, 0), "errors": (1, 1, 0.02),
              "error_rate": (3, 1, 0.05), "sqs_failures": (0.2, 0.2, 0), "files_processed": (12, 3, 0)}
    series, periods = {}, {}
    for spec in profile.metrics:
        period = int(spec.period or 60)
        count = seconds // period
        base, swing, rise = shapes.get(spec.id, (10, 2, 0))
        times = tuple(start + timedelta(seconds=period * i) for i in range(count))
        series[spec.id] = MetricSeries(spec.id, times, tuple(round(_wave(i, base, swing, rise), 2) for i in range(count)))
        periods[spec.id] = period
    return MetricsSnapshot(series=series, start=start, end=NOW, api_calls=1, periods=periods)


ALARMS = [
    Alarm("sentra-lambda-duration", "ALARM", "Threshold Crossed: 1 datapoint [74210.0 (14/03/25 09:27:00)] was greater "
          "than the threshold (60000.0).", NOW - timedelta(minutes=3), metric="AWS/Lambda/Duration",
          threshold="> 60000", description="Scans take longer than a minute: the timeout is near", threshold_value=60000),
    Alarm("sentra-error-rate", "ALARM", "Threshold Crossed: 2 datapoints were greater than the threshold (10.0).",
          NOW - timedelta(minutes=7), metric="AWS/Lambda/Errors", threshold="> 10"),
    Alarm("SentraScanner-files-processed", "INSUFFICIENT_DATA", "Insufficient Data: 1 datapoint was unknown.",
          NOW - timedelta(minutes=42), metric="Sentra/EmailScanner/FilesProcessed", threshold="< 0.5"),
    Alarm("sentra-sqs-failures", "OK", "Threshold Crossed: no datapoint was greater than the threshold (1.0).",
          NOW - timedelta(hours=5), metric="Sentra/EmailScanner/ProcessingErrors", threshold="> 1"),
]

HISTORY = [
    AlarmHistoryItem(NOW - timedelta(minutes=3), "StateUpdate", "Alarm updated from OK to ALARM", "OK", "ALARM",
                     "Threshold Crossed: 1 datapoint [74210.0] was greater than the threshold (60000.0)."),
    AlarmHistoryItem(NOW - timedelta(minutes=50), "ConfigurationUpdate", "Alarm \"sentra-lambda-duration\" updated"),
    AlarmHistoryItem(NOW - timedelta(hours=2), "StateUpdate", "Alarm updated from ALARM to OK", "ALARM", "OK",
                     "Threshold Crossed: no datapoint was greater than the threshold (60000.0)."),
]


def log_events(group: str) -> list[LogEvent]:
    lines = ["START RequestId: 5f1c Version: $LATEST", "Processing s3://sentra-inbox/2025/03/14/msg-0193.eml",
             "Successfully processed msg-0193.eml: 3 attachments, 0 findings",
             "ERROR Task timed out after 300.00 seconds (msg-0194.eml, 41 MB)",
             "REPORT RequestId: 5f1c Duration: 74210.00 ms Billed Duration: 74211 ms Memory Size: 1024 MB",
             '{"level": "WARN", "msg": "SQS send retried", "queue": "sentra-scanner-results", "attempt": 2}']
    return [LogEvent(f"e{i:03d}", group, "2025/03/14/[$LATEST]4b1d", NOW - timedelta(seconds=90 - 5 * i),
                     lines[i % len(lines)]) for i in range(18)]


PLAN = Plan(action_id="lambda.set-timeout", target="customer-sentra-scanner", params={"timeout": 600},
            changes=(FieldChange("Timeout", 300, 600),), risk=Risk.LOW,
            command="aws lambda update-function-configuration --function-name customer-sentra-scanner --timeout 600",
            summary="Raise the function's timeout from 300 s to 600 s (runbook: Lambda timeout errors).",
            reversible=True, notes=("Invocations already running keep the old timeout.",))

INCIDENT = Incident(title="Scanner timeouts on large attachments", severity="P2", opened=NOW - timedelta(minutes=9),
                    opened_by="alice", services=["scanner", "results queue"])


def _backend(pid: int, application: str, state: str, xact: float | None, blocked_by: tuple[int, ...] = ()) -> Backend:
    return Backend(pid=pid, user="sentrascan", application=application, client="10.0.3.7", database="sentrascan",
                   state=state, wait_event_type="Lock" if blocked_by else None,
                   wait_event="transactionid" if blocked_by else None, query_seconds=xact, xact_seconds=xact,
                   query="UPDATE scans SET status = 'done' WHERE id = $1", blocked_by=blocked_by)


def database_detail() -> DatabaseDetail:
    holder = _backend(4711, "nightly-rescan", "idle in transaction", 1830.0)
    waiters = [_backend(4802, "scan-worker", "active", 95.0, (4711,)), _backend(4803, "scan-worker", "active", 41.0, (4711,))]
    tree = (BlockingNode(holder, "", ("RowExclusiveLock on scans",),
                         tuple(BlockingNode(w, "ShareLock on transaction 90211", ()) for w in waiters)),)
    tables = (TableHealth("findings", 48_211, 120_034, None, NOW - timedelta(days=3)),
              TableHealth("scans", 1_204, 88_310, NOW - timedelta(hours=6), NOW - timedelta(minutes=40)),
              TableHealth("api_keys", 3, 57, None, None))
    overview = DatabaseOverview("sentrascan", 734_003_200, 42, 100, 0.973, 1830.0, 4711, tables)
    return DatabaseDetail(overview, tree, ActivitySnapshot([holder, *waiters], "PostgreSQL 16.4", at=NOW))


class FixedDatabase:
    """Stands where ``PostgresSource`` is: the same ``detail()`` every poll, no server."""

    server = "PostgreSQL 16.4"

    def __init__(self, dsn_env: str, **_: object) -> None:
        self.dsn_env = dsn_env

    def detail(self) -> DatabaseDetail:
        return database_detail()

    async def close(self) -> None:
        return None


# ---------------------------------------------------------------------------------- the app
class FixedDashboard(DashboardScreen):
    """The dashboard with fixed data where its sources would post theirs (it connects to nothing)."""

    def start_sources(self) -> None:  # type: ignore[override]  # replaces the worker that connects: nothing to wait for
        self.post_message(MetricsUpdated(metrics_snapshot(self.profile)))
        self.post_message(AlarmsUpdated(AlarmsSnapshot(alarms=list(ALARMS))))
        logs = self.query_one(LogsPane)
        logs.post_message(LogEventsArrived(log_events(self.profile.logs[0].group), "live tail"))


class SceneApp(App[None]):
    """The cockpit's stylesheet, keys and theme, showing the screens ``scene`` returns (pushed in order)."""

    CSS_PATH = css_path_of(CockpitApp)
    TITLE = CockpitApp.TITLE
    BINDINGS = CockpitApp.BINDINGS
    COMMANDS = CockpitApp.COMMANDS

    def __init__(self, scene: Callable[[], list[Screen]]) -> None:
        super().__init__()
        self.scene = scene
        # The screens reach the app's owner (timeline, actions) as in the cockpit; its timeline is
        # the test's own (XDG_STATE_HOME is under tmp_path) and nothing here starts a source.
        self.cockpit: Cockpit | None = Cockpit(self, _profile(), read_only=False)

    def open_playbook(self, playbook_id: str) -> None:
        """The palette's hook (CockpitHost); no playbook is opened in a snapshot."""

    def action_help(self) -> None:
        """The palette's hook (CockpitHost)."""

    def on_mount(self) -> None:
        self.theme = DEFAULT_THEME
        for screen in self.scene():
            self.push_screen(screen)


def dashboard() -> FixedDashboard:
    return FixedDashboard(_profile(), AwsTarget(region="us-east-1"))


async def _dashboard_filled(pilot) -> None:
    screen = next(s for s in pilot.app.screen_stack if isinstance(s, DashboardScreen))
    await until(pilot, lambda: "updated" in screen.query_one("#metrics-title", PaneTitle).status
                and len(screen.query_one(AlarmTable).rows_shown) == len(ALARMS)
                and screen.query_one(LogTail).line_count == 18, what="tiles, alarms and logs filled")


async def _no_blinking(pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor is on or off depending on when the shot is taken
    await pilot.pause()


# ---------------------------------------------------------------------------------- snapshots
@pytest.mark.parametrize("size", SIZES)
def test_dashboard(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(SceneApp(lambda: [dashboard()]), terminal_size=size, run_before=_dashboard_filled)


@pytest.mark.parametrize("size", SIZES)
def test_alarm_detail(snap_compare, size: tuple[int, int]) -> None:
    observed = [AlarmTransition("sentra-lambda-duration", "OK", "ALARM", NOW - timedelta(minutes=3), "Threshold Crossed")]

    def scene() -> list[Screen]:
        return [AlarmDetailScreen(ALARMS[0], observed=observed, history=lambda name: list(HISTORY))]

    async def history_shown(pilot) -> None:
        await until(pilot, lambda: pilot.app.screen.items is not None, what="the history")

    assert snap_compare(SceneApp(scene), terminal_size=size, run_before=history_shown)


@pytest.mark.parametrize("size", SIZES)
def test_confirmation(snap_compare, size: tuple[int, int]) -> None:
    async def ready(pilot) -> None:
        await _dashboard_filled(pilot)
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmActionScreen), what="the plan")

    app = SceneApp(lambda: [dashboard(), ConfirmActionScreen(PLAN, read_only=False)])
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_incident(snap_compare, size: tuple[int, int]) -> None:
    async def ready(pilot) -> None:
        await _dashboard_filled(pilot)
        await until(pilot, lambda: isinstance(pilot.app.screen, IncidentScreen), what="the incident")
        await _no_blinking(pilot)

    app = SceneApp(lambda: [dashboard(), IncidentScreen(INCIDENT)])
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_database(snap_compare, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.engines.postgres.PostgresSource", FixedDatabase)

    async def ready(pilot) -> None:
        await until(pilot, lambda: "updated" in pilot.app.screen.query_one("#db-title", PaneTitle).status,
                    what="the database detail")

    app = SceneApp(lambda: [DatabaseScreen(PostgresSpec(dsn_env="SENTRASCAN_PG_DSN"))])
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, size: tuple[int, int]) -> None:
    async def ready(pilot) -> None:
        await _dashboard_filled(pilot)
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen) and pilot.app.screen.query(Static),
                    what="the help")

    profile = _profile()
    app = SceneApp(lambda: [dashboard(), HelpScreen(profile.system.name, profile.system.runbook)])
    assert snap_compare(app, terminal_size=size, run_before=ready)
