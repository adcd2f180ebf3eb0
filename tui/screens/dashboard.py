"""The main screen: metrics, alarms and logs of one system, live."""
from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.widgets import Footer

from services.aws.session import AwsSession, AwsTarget
from services.errors import SourceError
from services.profile import Profile
from services.profile.model import duration_seconds
from tui.flows.cockpit import cockpit
from tui.flows.polling import Poller
from tui.messages import ActionFinished, AlarmStateChanged, AlarmsUpdated, MetricsUpdated, PlaybookRequested, SourceFailed
from tui.panes.alarms import AlarmsPane, alarm_messages
from tui.panes.engines import engine_panes, engines_where, refresh_engine_panes, start_engine_panes
from tui.panes.logs import LogsPane
from tui.panes.metrics import RANGES, MetricsPane
from widgets.alarm_table import AlarmTable
from widgets.cockpit_header import CockpitHeader
from widgets.log_tail import LogTail
from widgets.log_view import LogView
from widgets.metric_tile import MetricTile
from widgets.pane_title import PaneTitle

if TYPE_CHECKING:
    from services.metrics_feed import MetricsFeed

FOOTER_FIRST = ("q", "question_mark")

class DashboardScreen(Screen):
    """Arranges the panes the profile configures and runs one poller per source."""

    WORKER_SOURCES = frozenset({"metrics", "alarms", "logs"})
    """Worker groups whose failures the app's one handler posts here as ``SourceFailed`` (to the pane's title)."""

    BINDINGS = [
        Binding("r", "refresh_all", "Refresh"),
        Binding("f", "focus_logs", "Logs"),
        # priority: handled as it arrives, so keys typed right behind it reach the prompt, not the old
        # focus's bindings; a focused Input still takes "/" as text (Textual drops consumed keys first).
        Binding("slash", "filter_logs", "Filter logs", show=False, priority=True),
        Binding("a", "focus_alarms", "Alarms"),
        Binding("i", "queries", "Queries", tooltip="The profile's saved queries, every engine (Logs Insights editor: i there)"),
        Binding("x", "actions", "Actions", tooltip="Actions on the selected tile or alarm (each one confirmed)"),
        Binding("o", "resources", "Resources",
                tooltip="The profile's resources: configuration, permissions, versions (on a tile or alarm: its own)"),
        Binding("m", "focus_metrics", "Metrics", show=False),
        Binding("b", "database", "Blocking tree", show=False, tooltip="[postgres]: the database screen, blocking tree focused"),
        Binding("w", "cycle_range", "Range", tooltip="Metrics time range: 15m 1h 3h 12h 24h 7d"),
        *(Binding(str(key), f"metrics_range('{label}')", f"Range {label}", show=False)
          for key, label in enumerate(RANGES, start=1)),
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
        self.metrics_range = duration_seconds(profile.cockpit.metrics_range)
        self.metrics_source: MetricsFeed | None = None  # once connected (CloudWatch and Prometheus tiles)
        self._heap_frozen: set[str] = set()

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        header = CockpitHeader(id="header")
        header.system = self.profile.system.name
        header.where = self.target.describe() if self.profile.has_aws else engines_where(self.profile)
        header.read_only = self.read_only
        cockpit(self).incidents.header_mounted()  # the incident line reaches this header on the next tick
        yield header
        if self.profile.tiles:
            yield MetricsPane(self.profile.metrics)
        if self.profile.alarms:
            yield AlarmsPane(self.profile)
        if self.profile.logs:
            yield LogsPane(self.profile.logs, self.profile.cockpit)
        yield from engine_panes(self.profile)  # [docker], [postgres], [[health]]
        yield Footer()

    def on_resize(self) -> None:
        if self.profile.tiles:
            self.metrics_pane.reflow(self.size.width, self.size.height)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Quit and help first: the footer shows bindings in this order and crops the rest at 80 columns."""
        bindings = super().active_bindings
        first = {key: bindings[key] for key in FOOTER_FIRST if key in bindings}
        return first | {key: binding for key, binding in bindings.items() if key not in first}

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

    @property
    def metrics_pane(self) -> MetricsPane:
        return self.get_child_by_id("metrics-pane", MetricsPane)  # a direct child: no walk over 200 tiles

    @property
    def alarms_pane(self) -> AlarmsPane:
        return self.get_child_by_id("alarms-pane", AlarmsPane)

    # ------------------------------------------------------------------ sources
    async def _prepare_engines(self) -> dict[str, str]:
        """The app's ``prepare_engines`` (the demo starts its engines there); what it says is unavailable."""
        prepare = cockpit(self).prepare_engines
        if prepare is None or not (self.profile.docker or self.profile.postgres or self.profile.health):
            return {}
        try:
            return await asyncio.to_thread(prepare)
        except SourceError as error:
            return {"docker": str(error), "postgres": str(error), "health": str(error)}

    @work(exclusive=True, group="connect", exit_on_error=False)
    async def start_sources(self) -> None:
        """Resolve the endpoint (the demo's emulator may still be seeding), then poll."""
        owner = cockpit(self)
        start_engine_panes(self, owner.sources, await self._prepare_engines())
        if not self.profile.has_aws:
            self._start_metrics(None)  # Prometheus tiles need no AWS session
            return  # containers, PostgreSQL, health only: no AWS session at all
        if self.connect is not None:
            try:
                self.target = await asyncio.to_thread(self.connect, self.target)
            except SourceError as error:
                for source in self._sources():
                    self.post_message(SourceFailed(source, error, None))
                return
            self.query_one(CockpitHeader).where = self.target.describe()
        self.session = AwsSession(self.target)
        owner.aws_connected(self.session)  # AWS actions can be planned from now on
        settings = self.profile.cockpit
        self._start_metrics(self.session)
        if self.profile.alarms:
            from services.aws.alarms import AlarmHistorySource, AlarmsSource

            alarms = AlarmsSource(self.session, self.profile.alarms)
            self.alarms_pane.history = AlarmHistorySource(self.session).fetch
            self._start_poller(Poller("alarms", self, alarms.poll, alarm_messages, settings.alarms_refresh))
        if self.profile.logs:
            logs = self.query_one(LogsPane)
            logs.start(self.session)
            if logs.poller is not None:
                self.pollers["logs"] = logs.poller

    def _start_metrics(self, session: AwsSession | None) -> None:
        if not self.profile.tiles:
            return
        from services.metrics_feed import MetricsFeed

        prometheus = self.profile.prometheus.url if self.profile.prometheus is not None else None
        metrics = self.metrics_source = MetricsFeed(session, self.profile.metrics, prometheus)
        interval = metrics.refresh_interval(self.metrics_range, self.profile.cockpit.metrics_refresh)
        self._start_poller(Poller("metrics", self, lambda: metrics.fetch(self.metrics_range), MetricsUpdated, interval))

    def action_actions(self) -> None:
        """The actions that fit what is focused: a Lambda tile, an alarm row; else the whole catalog."""
        from tui.screens.action_menu import ActionMenuScreen, Selection, selection_of_metric

        focused = self.focused
        selection: Selection | None = None
        if isinstance(focused, MetricTile):
            selection = selection_of_metric(self.profile, focused.metric_id)
        elif isinstance(focused, AlarmTable) and focused.selected_name:
            selection = Selection("alarm.", focused.selected_name, f"alarm {focused.selected_name}")
        target = selection.target if selection else ""

        def chosen(action_id: str | None) -> None:
            if action_id:
                fits = action_id.startswith(selection.prefix if selection else "")
                cockpit(self).start_action(action_id, target if fits else "")

        self.app.push_screen(ActionMenuScreen(selection, read_only=self.read_only), callback=chosen)

    def action_resources(self) -> None:
        """``o``: the resources screen, on the resource the focused tile or alarm row is about."""
        from services.aws.resource_links import resources_for_metric
        from tui.screens.resources import open_resources

        focused = self.focused
        if isinstance(focused, MetricTile):
            ids = resources_for_metric(focused.metric_id, self.profile.metrics, self.profile.resources)
            open_resources(self, ids, about=f"tile {focused.metric_id}")
        elif isinstance(focused, AlarmTable) and focused.selected_name:
            self.alarms_pane.resource_of(focused.selected_name)  # as o in the alarm's detail does
        else:
            open_resources(self)

    def firing_alarms(self) -> list[str]:
        if not self.profile.alarms:
            return []
        return [alarm.name for alarm in self.alarms_pane.alarms if alarm.state == "ALARM"]

    def open_reference(self, reference: str) -> None:
        """A playbook's diagnosis item: a metric's detail, a query run, a resource read, a health check now."""
        kind, _, ref = reference.partition(":")
        if kind == "metric" and any(spec.id == ref for spec in self.profile.tiles):
            from tui.screens.metric_detail import MetricDetailScreen

            self.app.push_screen(MetricDetailScreen(self.metrics_pane.spec_of(ref)))
            self.call_after_refresh(self._feed_metric_detail)
        elif kind == "resource" and any(spec.id == ref for spec in self.profile.resources):
            from tui.screens.resources import open_resources

            open_resources(self, [ref])
        elif kind == "health" and any(spec.ref == ref for spec in self.profile.health):
            from tui.panes.health import HealthPane

            self.query_one(HealthPane).check_now(ref)
        elif kind == "query" and any(spec.id == ref for spec in self.profile.queries):
            query = next(query for query in self.profile.queries if query.id == ref)
            if query.engine == "insights":  # the Insights editor, as before: the query loaded, run, editable
                self.action_insights(ref)
            else:
                self.action_queries(ref)
        else:
            self.notify(f"{reference}: nothing to open (hidden metric or unknown reference)", severity="warning")

    @on(ActionFinished)
    def refresh_after_action(self) -> None:
        """Show the world as the action left it without waiting for the next refresh."""
        if self.metrics_source is not None:
            self.metrics_source.invalidate()  # a new timeout moves the tiles' limits
        self.action_refresh_all()

    def _point_to_playbook(self) -> None:
        firing = set(self.firing_alarms())
        book = next((book for book in self.profile.playbooks if firing & set(book.alarms)), None)
        self.get_child_by_id("header", CockpitHeader).notice = f"▶ playbook: {book.title} (p)" if book else ""

    def _start_poller(self, poller: Poller) -> None:
        self.pollers[poller.source] = poller
        self.run_worker(poller.run(), name=poller.source, group=poller.source, exclusive=True, exit_on_error=False)

    def action_refresh_all(self) -> None:
        for poller in self.pollers.values():
            poller.wake()
        refresh_engine_panes(self)

    def action_focus_logs(self) -> None:
        if self.profile.logs:
            self.query_one(LogTail).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Textual keeps a priority "slash" binding active over a focused Input (it can't tell that
        # "slash" is a printable key): refused here, the "/" goes on to the prompt as text.
        focused = self.focused
        return not (action == "filter_logs" and focused is not None and focused.check_consume_key("slash", "/"))

    def action_filter_logs(self) -> None:
        """``/`` from any focus, as in k9s: the focused log view's filter prompt, else the LOGS pane's
        (else CONTAINER LOGS')."""
        focused = [node for node in self.focused.ancestors_with_self if isinstance(node, LogView)] if self.focused else []
        views = focused or list(self.query(LogView))
        if views:
            views[0].action_prompt("filter")
        else:
            self.notify("This profile has no log pane to filter.", severity="warning")

    def action_focus_alarms(self) -> None:
        """The most urgent alarm (the top row), not the one the cursor followed while the table had no focus."""
        if self.profile.alarms:
            table = self.query_one(AlarmTable)
            table.cursor_row = 0
            table.focus()

    def action_insights(self, query_id: str | None = None) -> None:
        """Logs Insights on this system's groups; ``query_id`` runs one of the profile's saved queries."""
        from tui.screens.insights import InsightsScreen

        if self.session is None:
            self.notify("not connected yet", severity="warning")
            return
        self.app.push_screen(InsightsScreen(self.profile, self.session, query_id=query_id,
                                            history=cockpit(self).insights_history))

    def action_queries(self, query_id: str | None = None) -> None:
        """The saved queries of every engine; ``query_id`` opens on one (its parameters asked, then run)."""
        from tui.screens.query import QueryScreen

        self.app.push_screen(QueryScreen(self.profile, query_id=query_id, history=cockpit(self).query_history))

    def action_database(self) -> None:
        """``b`` whatever has focus (the PostgreSQL pane's title shows it): the database screen."""
        from tui.panes.postgres import PostgresPane

        panes = self.query(PostgresPane)
        if panes:
            panes.first().open_database()
        else:
            self.notify("b: this profile has no [postgres] section", severity="warning")

    def action_focus_metrics(self) -> None:
        if self.profile.tiles:
            self.metrics_pane.focus_tile(self.profile.tiles[0].id)

    def action_metrics_range(self, label: str) -> None:
        """Show ``label`` (15m … 7d): periods follow the range, the refresh follows the periods."""
        self.metrics_range = RANGES[label]
        poller = self.pollers.get("metrics")
        if poller is not None and self.metrics_source is not None:
            poller.interval = self.metrics_source.refresh_interval(self.metrics_range, self.profile.cockpit.metrics_refresh)
            poller.wake()
        if self.profile.tiles:
            self._title("metrics").show(f"{label} · loading…", "busy")

    def action_cycle_range(self) -> None:
        labels = list(RANGES)
        current = next((label for label in labels if RANGES[label] == self.metrics_range), labels[0])
        self.action_metrics_range(labels[(labels.index(current) + 1) % len(labels)])

    # ------------------------------------------------------------------ data in
    @on(MetricsUpdated)
    def show_metrics(self, message: MetricsUpdated) -> None:
        self.metrics_pane.show(message.snapshot)
        self._feed_metric_detail()
        self._freeze_heap("metrics")

    @on(AlarmsUpdated)
    def show_alarms(self, message: AlarmsUpdated) -> None:
        self.alarms_pane.show(message.snapshot)
        self._feed_metric_detail()
        self._point_to_playbook()
        self._freeze_heap("alarms")

    def _freeze_heap(self, source: str) -> None:
        """After a source's first data (its SDK client is built), move what exists out of the
        collector's reach: a full collection over boto3's and Textual's objects otherwise stalls
        the event loop for 100 ms and more every so often."""
        if source not in self._heap_frozen:
            self._heap_frozen.add(source)
            gc.freeze()

    @on(AlarmStateChanged)
    def record_alarm_change(self, message: AlarmStateChanged) -> None:
        """Recorded on the incident timeline; the message bubbles on to the app."""
        if self.profile.alarms:
            self.alarms_pane.record(message.transition)

    @on(MetricTile.Selected)
    def open_metric(self, message: MetricTile.Selected) -> None:
        from tui.screens.metric_detail import MetricDetailScreen

        self.app.push_screen(MetricDetailScreen(self.metrics_pane.spec_of(message.metric_id)))
        self.call_after_refresh(self._feed_metric_detail)

    def _feed_metric_detail(self) -> None:
        """Keep an open metric detail screen live with the latest series and alarms."""
        from services.aws.alarm_links import alarms_for_tile
        from tui.screens.metric_detail import MetricDetailScreen

        screen = self.app.screen
        pane = self.metrics_pane if self.profile.tiles else None
        if not isinstance(screen, MetricDetailScreen) or pane is None or pane.snapshot is None:
            return
        alarms = self.alarms_pane.alarms if self.profile.alarms else []
        screen.show(pane.series(screen.spec.id), pane.snapshot,
                    alarms_for_tile(screen.spec.id, self.profile.metrics, alarms))

    @on(AlarmsPane.TileWanted)
    def show_tile(self, message: AlarmsPane.TileWanted) -> None:
        self.metrics_pane.focus_tile(message.metric_id)

    @on(PlaybookRequested)
    def open_playbook(self, message: PlaybookRequested) -> None:
        """Hook for the Actions issue: open the first playbook listing the alarm."""
        from tui.screens.playbook import PlaybookScreen

        message.stop()
        playbook = next(book for book in self.profile.playbooks if book.id == message.playbooks[0])
        firing = [alarm.name for alarm in self.alarms_pane.alarms if alarm.state == "ALARM"]
        self.app.push_screen(PlaybookScreen(playbook, firing=[name for name in firing if name in playbook.alarms]))

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        self._title(message.source).show(message.status, message.level)


