"""The main screen: metrics, alarms and logs of one system, live."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from services.aws.session import AwsSession, AwsTarget
from services.errors import SourceError
from services.models import MetricSeries
from services.profile import MetricSpec, Profile
from services.profile.model import duration_seconds
from services.thresholds import band_of
from tui.logs_pane import LogsPane
from tui.messages import AlarmsUpdated, MetricsUpdated, SourceConnecting, SourceFailed
from tui.polling import Poller
from tui.timefmt import age, local_clock, local_hm
from widgets.alarm_table import AlarmRow, AlarmTable
from widgets.cockpit_header import CockpitHeader
from widgets.log_tail import LogTail
from widgets.metric_tile import MetricTile, TileReading
from widgets.pane_title import PaneTitle
from widgets.units import format_value

TILE_WIDTH = 26


class DashboardScreen(Screen):
    """Arranges the panes the profile configures and runs one poller per source."""

    BINDINGS = [
        Binding("r", "refresh_all", "Refresh"),
        Binding("f", "focus_logs", "Logs"),
        Binding("a", "focus_alarms", "Alarms"),
    ]

    def __init__(self, profile: Profile, target: AwsTarget, connect: Callable[[AwsTarget], AwsTarget] | None = None,
                 *, read_only: bool = False) -> None:
        super().__init__()
        self.profile = profile
        self.target = target
        self.connect = connect
        self.read_only = read_only
        self.pollers: dict[str, Poller] = {}
        self.session: AwsSession | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        header = CockpitHeader(id="header")
        header.system = self.profile.system.name
        header.where = self.target.describe()
        header.read_only = self.read_only
        yield header
        if self.profile.tiles:
            with Vertical(id="metrics-pane", classes="pane"):
                yield PaneTitle("METRICS", id="metrics-title")
                with Grid(id="tiles"):
                    for spec in self.profile.tiles:
                        yield MetricTile(TileReading(label=spec.title, alert=spec.alert, critical=spec.critical,
                                                     direction=spec.direction), id=f"tile-{spec.id}")
        if self.profile.alarms:
            with Vertical(id="alarms-pane", classes="pane"):
                yield PaneTitle("ALARMS", id="alarms-title")
                yield AlarmTable(id="alarms")
        if self.profile.logs:
            yield LogsPane(self.profile.logs, self.profile.cockpit)
        yield Footer()

    def on_resize(self) -> None:
        if self.profile.tiles:
            grid = self.query_one("#tiles", Grid)
            columns = max(1, min(len(self.profile.tiles), self.size.width // TILE_WIDTH))
            rows = -(-len(self.profile.tiles) // columns)
            grid.styles.grid_size_columns = columns
            grid.styles.height = rows * 3

    def on_mount(self) -> None:
        for source in self._sources():
            self._title(source).show("connecting…", "busy")
        # After this screen's first paint: the SDK import in the pollers' threads would
        # otherwise hold the interpreter lock while the first frame is drawn.
        self.call_after_refresh(self.start_sources)

    def _sources(self) -> list[str]:
        return [name for name, present in (("metrics", self.profile.tiles), ("alarms", self.profile.alarms),
                                           ("logs", self.profile.logs)) if present]

    def _title(self, source: str) -> PaneTitle:
        return self.query_one(f"#{source}-title", PaneTitle)

    # ------------------------------------------------------------------ sources
    @work(exclusive=True, group="connect", exit_on_error=False)
    async def start_sources(self) -> None:
        """Resolve the endpoint (the demo's emulator may still be seeding), then poll."""
        if self.connect is not None:
            try:
                self.target = await asyncio.to_thread(self.connect, self.target)
            except SourceError as error:
                for source in self._sources():
                    self.post_message(SourceFailed(source, error, None))
                return
            self.query_one(CockpitHeader).where = self.target.describe()
        self.session = AwsSession(self.target)
        settings = self.profile.cockpit
        if self.profile.tiles:
            from services.aws.metrics import MetricsSource

            metrics = MetricsSource(self.session, self.profile.metrics)
            range_seconds = duration_seconds(settings.metrics_range)
            interval = settings.metrics_refresh or max(10, min(spec.period or 60 for spec in self.profile.metrics))
            self._start_poller(Poller("metrics", self, lambda: metrics.fetch(range_seconds), MetricsUpdated, interval))
        if self.profile.alarms:
            from services.aws.alarms import AlarmsSource

            alarms = AlarmsSource(self.session, self.profile.alarms)
            self._start_poller(Poller("alarms", self, alarms.fetch, AlarmsUpdated, settings.alarms_refresh))
        if self.profile.logs:
            logs = self.query_one(LogsPane)
            logs.start(self.session)
            self.pollers["logs"] = logs.poller

    def _start_poller(self, poller: Poller) -> None:
        self.pollers[poller.source] = poller
        self.run_worker(poller.run(), name=poller.source, group=poller.source, exclusive=True, exit_on_error=False)

    def action_refresh_all(self) -> None:
        for poller in self.pollers.values():
            poller.wake()

    def action_focus_logs(self) -> None:
        if self.profile.logs:
            self.query_one(LogTail).focus()

    def action_focus_alarms(self) -> None:
        if self.profile.alarms:
            self.query_one(AlarmTable).focus()

    # ------------------------------------------------------------------ data in
    @on(MetricsUpdated)
    def show_metrics(self, message: MetricsUpdated) -> None:
        snapshot = message.snapshot
        for spec in self.profile.tiles:
            series = snapshot.series.get(spec.id, MetricSeries(spec.id))
            self.query_one(f"#tile-{spec.id}", MetricTile).reading = tile_reading(spec, series, snapshot.end)
        calls = "call" if snapshot.api_calls == 1 else "calls"
        self._title("metrics").show(f"{len(self.profile.tiles)} tiles · {snapshot.api_calls} {calls} · "
                                    f"updated {local_clock(snapshot.end)}")

    @on(AlarmsUpdated)
    def show_alarms(self, message: AlarmsUpdated) -> None:
        now = datetime.now(UTC)
        rows = [AlarmRow(name=a.name, state=a.state, since=age(a.updated, now), reason=a.reason,
                         watches=" ".join(part for part in (a.metric, a.threshold) if part))
                for a in message.alarms]
        self.query_one(AlarmTable).show(rows)
        firing = sum(1 for a in message.alarms if a.state == "ALARM")
        status = f"{len(rows)} alarms · {firing} in ALARM · updated {local_clock(now)}"
        self._title("alarms").show(status, "warning" if firing else "ok")

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        retry = f" · retrying in {message.retry_in:.0f}s" if message.retry_in else ""
        level = "warning" if message.error.retry else "error"
        self._title(message.source).show(f"{message.error}{retry}", level)

    @on(SourceConnecting)
    def show_connecting(self, message: SourceConnecting) -> None:
        self._title(message.source).show(message.detail, "busy")


def tile_reading(spec: MetricSpec, series: MetricSeries, now: datetime) -> TileReading:
    """Latest value, band and history of one metric, ready for a tile."""
    base = TileReading(label=spec.title, alert=spec.alert, critical=spec.critical, direction=spec.direction,
                       history=series.values)
    if series.error:
        return replace(base, value_text="error", note=series.error[:20])
    if series.latest is None:
        return replace(base, value_text="no data", note="in range")
    band = band_of(series.latest, spec.alert, spec.critical, spec.direction)
    when = local_hm(series.latest_time) if series.latest_time else ""
    stale_after = 3 * (spec.period or 60)
    if series.latest_time and (now - series.latest_time).total_seconds() > stale_after:
        return replace(base, value_text=format_value(series.latest, spec.unit), band=band, note=f"no data since {when}")
    return replace(base, value_text=format_value(series.latest, spec.unit), band=band, when=when)
