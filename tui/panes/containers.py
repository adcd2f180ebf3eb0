"""The CONTAINERS pane (``[docker]``); the CONTAINER LOGS pane below it is ``container_logs.py``.

The listing is polled in a thread; CPU and memory arrive from one stats stream per
running container (``services/docker_stats.py``), posted as messages and applied to the
table at most once a second. Highlighting a container shows its details and tails its
logs in the CONTAINER LOGS pane. An unreachable engine is one line in the title,
retried with backoff.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from services.formatting import age, human_bytes, local_clock
from services.profile import CockpitSettings
from services.profile.model import DockerSpec
from tui.flows.cockpit import request_action
from tui.flows.polling import Poller
from tui.messages import ContainerDetailsLoaded, ContainerStatsArrived, ContainersUpdated, SourceFailed
from tui.panes.container_logs import ContainerLogsPane
from widgets.container_table import ContainerRow, ContainerTable
from widgets.pane_title import PaneTitle

if TYPE_CHECKING:
    from services.engines.docker import Container, ContainerStats, DockerEngine
    from services.engines.docker_stats import StatsStreams

LIST_INTERVAL = 5.0
USAGE_APPLY_INTERVAL = 1.0
VERBS = {"restart": "docker.restart", "stop": "docker.stop", "start": "docker.start"}



def container_row(container: Container, stats: ContainerStats | None, now: datetime) -> ContainerRow:
    up = age(container.started_at, now) if container.running and container.started_at else ""
    if not container.running and container.exit_code is not None:
        up = f"exit {container.exit_code}"
    cpu = f"{stats.cpu_percent:.1f}%" if stats is not None and stats.cpu_percent is not None and container.running else ""
    memory = human_bytes(stats.memory_bytes) if stats is not None and container.running else ""
    return ContainerRow(key=container.id, project=container.project or "(none)", service=container.service or "",
                        name=container.name, state=container.state, health=container.health or "-", up=up,
                        restarts=container.restart_count, cpu=cpu, memory=memory)


class ContainersPane(Vertical):
    """Title, container table and a one-line detail of the highlighted container."""

    DEFAULT_CSS = """
    ContainersPane {
        height: auto;
    }
    ContainersPane #container-details {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, spec: DockerSpec, settings: CockpitSettings, *, id: str = "containers-pane") -> None:
        super().__init__(id=id, classes="pane")
        self.spec = spec
        self.settings = settings
        self.engine: DockerEngine | None = None
        self.streams: StatsStreams | None = None
        self.poller: Poller | None = None
        self.containers: dict[str, Container] = {}
        self.usage: dict[str, ContainerStats] = {}
        self._dirty: set[str] = set()
        self.stats_samples = 0
        self.cells_written = 0

    def compose(self) -> ComposeResult:
        yield PaneTitle("CONTAINERS", id="containers-title")
        yield ContainerTable(id="containers")
        yield Static("", id="container-details")

    @property
    def table(self) -> ContainerTable:
        return self.query_one(ContainerTable)

    @property
    def title(self) -> PaneTitle:
        return self.query_one("#containers-title", PaneTitle)

    def on_mount(self) -> None:
        self.title.show(f"connecting to {self.spec.host or 'the local engine'}…", "busy")
        self.set_interval(USAGE_APPLY_INTERVAL, self.apply_usage)

    def start(self, engine: DockerEngine) -> None:
        """Poll ``engine`` (the cockpit's ``DockerEngine``, the one its actions run on)."""
        from services.engines.docker_stats import StatsStreams

        self.engine = engine
        self.streams = StatsStreams(engine, self._post_stats)
        project = self.spec.project
        self.poller = Poller("containers", self, lambda: engine.list(project), ContainersUpdated, LIST_INTERVAL)
        self.run_worker(self.poller.run(), name="containers", group="containers", exclusive=True, exit_on_error=False)

    def _post_stats(self, stats: ContainerStats) -> None:
        """Called on a stats reader's thread: only posts (post_message is thread-safe)."""
        self.post_message(ContainerStatsArrived(stats))

    def refresh_now(self) -> None:
        if self.poller is not None:
            self.poller.wake()

    def on_unmount(self) -> None:
        if self.streams is not None:
            self.streams.stop()

    # ------------------------------------------------------------------ data in
    @on(ContainersUpdated)
    def show_containers(self, message: ContainersUpdated) -> None:
        snapshot = message.snapshot
        now = datetime.now(UTC)
        self.containers = {c.id: c for c in snapshot.containers}
        self.usage = {cid: stats for cid, stats in self.usage.items() if cid in self.containers}
        rows = [container_row(c, self.usage.get(c.id), now) for c in snapshot.containers]
        self.cells_written += self.table.show(rows)
        running = [c.id for c in snapshot.containers if c.running]
        if self.streams is not None:
            self.streams.track(running)
        scope = f"project {self.spec.project}" if self.spec.project else "all projects"
        unhealthy = sum(1 for c in snapshot.containers if c.health == "unhealthy")
        stopped = len(snapshot.containers) - len(running)
        level = "warning" if unhealthy or stopped else "ok"
        self.title.show(f"{snapshot.engine} · {scope} · {len(running)}/{len(rows)} running"
                        + (f" · {unhealthy} unhealthy" if unhealthy else "")
                        + f" · updated {local_clock(snapshot.at)}", level)
        if not rows:
            self.query_one("#container-details", Static).update(
                f"no containers{' with label com.docker.compose.project=' + self.spec.project if self.spec.project else ''}")

    @on(ContainerStatsArrived)
    def keep_stats(self, message: ContainerStatsArrived) -> None:
        stats = message.stats
        self.stats_samples += 1
        if stats.id in self.containers:
            self.usage[stats.id] = stats
            self._dirty.add(stats.id)

    def apply_usage(self) -> None:
        """At most once a second: the CPU and memory cells of the containers that had a sample."""
        dirty, self._dirty = self._dirty, set()
        now = datetime.now(UTC)
        for cid in dirty:
            container = self.containers.get(cid)
            if container is not None:
                row = container_row(container, self.usage.get(cid), now)
                self.cells_written += self.table.update_usage(cid, row.cpu, row.memory)

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        if message.source != "containers":
            return
        self.title.show(message.status, message.level)

    # ------------------------------------------------------------------ selection, details, actions
    @on(ContainerTable.Highlighted)
    def container_highlighted(self, message: ContainerTable.Highlighted) -> None:
        container = self.containers.get(message.key)
        if container is None or self.engine is None:
            return
        engine = self.engine
        self.run_worker(self._load_details(engine, container.name), group="container-details", exclusive=True,
                        exit_on_error=False)
        for logs in self.screen.query(ContainerLogsPane):
            logs.follow(engine, container.name)

    async def _load_details(self, engine: DockerEngine, name: str) -> None:
        import asyncio

        from services.errors import SourceError

        try:
            details = await asyncio.to_thread(engine.details, name)
        except SourceError as error:
            self.query_one("#container-details", Static).update(f"{name}: {error}")
            return
        self.post_message(ContainerDetailsLoaded(details))

    @on(ContainerDetailsLoaded)
    def show_details(self, message: ContainerDetailsLoaded) -> None:
        details = message.details
        ports = ", ".join(details.ports) or "no ports"
        env = ", ".join(details.env_names) or "none"
        self.query_one("#container-details", Static).update(
            f"{details.name} · {details.image} · {ports} · restart={details.restart_policy} · env: {env}")

    @on(ContainerTable.VerbRequested)
    def verb_requested(self, message: ContainerTable.VerbRequested) -> None:
        container = self.containers.get(message.key)
        if container is not None:
            request_action(self, VERBS[message.verb], container.name)

