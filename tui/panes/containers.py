"""The CONTAINERS pane (``[docker]``) and the CONTAINER LOGS pane below it.

The listing is polled in a thread; CPU and memory arrive from one stats stream per
running container (``services/docker_stats.py``), posted as messages and applied to the
table at most once a second. Highlighting a container shows its details and tails its
logs in the same tail view as CloudWatch's, with the same keys (``/`` filter, ``ctrl+r``
regex, ``t`` jump, ``enter`` expand, ``s`` save, ``end`` follow). An unreachable engine
is one line in the title, retried with backoff.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from services.profile import CockpitSettings
from services.profile.model import DockerSpec
from tui.flows.cockpit import request_action
from tui.messages import (ContainerDetailsLoaded, ContainerLogsArrived, ContainersUpdated, ContainerStatsArrived,
                          SourceFailed)
from tui.flows.polling import Poller
from services.formatting import age, human_bytes, local_clock
from widgets.container_table import ContainerRow, ContainerTable
from widgets.log_tail import LogTail, TailLine
from widgets.pane_title import PaneTitle

if TYPE_CHECKING:
    from services.engines.docker import DockerEngine

LIST_INTERVAL = 5.0
USAGE_APPLY_INTERVAL = 1.0
VERBS = {"restart": "docker.restart", "stop": "docker.stop", "start": "docker.start"}



def container_row(container: Any, stats: Any | None, now: datetime) -> ContainerRow:
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
        self.engine: Any = None
        self.streams: Any = None
        self.poller: Poller | None = None
        self.containers: dict[str, Any] = {}
        self.usage: dict[str, Any] = {}
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
        self.streams = StatsStreams(self.engine, lambda stats: self.post_message(ContainerStatsArrived(stats)))
        project = self.spec.project
        self.poller = Poller("containers", self, lambda: self.engine.list(project), ContainersUpdated, LIST_INTERVAL)
        self.run_worker(self.poller.run(), name="containers", group="containers", exclusive=True, exit_on_error=False)

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

    async def _load_details(self, engine: Any, name: str) -> None:
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


class ContainerLogsPane(Vertical):
    """The highlighted container's log, tailed by polling (``ContainerLogTail``: each line once)."""

    DEFAULT_CSS = """
    ContainerLogsPane {
        height: 1fr;
        min-height: 4;
    }
    ContainerLogsPane #container-logs-input {
        dock: bottom;
        height: 1;
        border: none;
        padding: 0 1;
        display: none;
    }
    ContainerLogsPane #container-logs-input.-open {
        display: block;
    }
    """

    BINDINGS = [
        Binding("slash", "prompt('filter')", "Filter"),
        Binding("t", "prompt('jump')", "Jump to time", show=False),
    ]

    def __init__(self, settings: CockpitSettings, *, id: str = "container-logs-pane") -> None:
        super().__init__(id=id)  # not ".pane" (height: auto in app.tcss): this one takes the rest
        self.settings = settings
        self.container: str | None = None
        self.regex = False
        self.prompt_mode = "filter"
        self.status = "highlight a container to tail its log"

    def compose(self) -> ComposeResult:
        yield PaneTitle("CONTAINER LOGS", id="container-logs-title")
        yield LogTail(max_lines=self.settings.log_buffer, id="container-logs")
        yield Input(id="container-logs-input", placeholder="filter (ctrl+r regex)")

    @property
    def tail(self) -> LogTail:
        return self.query_one(LogTail)

    def on_mount(self) -> None:
        self.show_status()

    def follow(self, engine: Any, name: str) -> None:
        from services.engines.docker import ContainerLogTail

        if name == self.container:
            return
        self.container = name
        self.tail.clear()
        source = ContainerLogTail(engine, name)
        poller = Poller("container-logs", self, source.poll, lambda lines: ContainerLogsArrived(name, lines),
                        self.settings.logs_poll)
        self.status = "reading…"
        self.show_status()
        self.run_worker(poller.run(), name="container-logs", group="container-logs", exclusive=True, exit_on_error=False)

    @on(ContainerLogsArrived)
    def show_lines(self, message: ContainerLogsArrived) -> None:
        if message.container != self.container:
            return  # a late batch of the container highlighted before
        now = datetime.now(UTC).timestamp()
        self.tail.append(TailLine(timestamp=line.at.timestamp() if line.at else now, source=line.container,
                                  message=line.text, group=line.container) for line in message.lines)
        self.status = ""
        self.show_status()

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        self.status = message.status
        self.show_status("warning")

    def show_status(self, level: str = "ok") -> None:
        tail = self.tail
        parts = [self.container or ""]
        flt = tail.filter
        if flt is not None:
            parts.append(flt.error or f"{'regex' if flt.regex else 'filter'} {flt.text!r}: {tail.shown_count:,} of {tail.line_count:,}")
        elif self.container:
            parts.append(f"{tail.line_count:,} lines")
        if self.container:
            parts.append("following" if tail.following else "paused (end: follow)")
        parts.append(self.status)
        zone = datetime.now().astimezone().strftime("%Z")
        self.query_one(PaneTitle).show(" · ".join(p for p in parts if p) + f" · {zone}", level)

    # ------------------------------------------------------------------ the logs pane's keys
    def action_prompt(self, mode: str) -> None:
        prompt = self.query_one("#container-logs-input", Input)
        self.prompt_mode = mode
        flt = self.tail.filter
        prompt.placeholder = "filter (ctrl+r regex)" if mode == "filter" else "jump to HH:MM[:SS] or -10m"
        prompt.value = (flt.text if flt else "") if mode == "filter" else ""
        prompt.add_class("-open")
        prompt.focus()

    def on_key(self, event: Any) -> None:
        prompt = self.query_one("#container-logs-input", Input)
        if not prompt.has_focus:
            return
        if event.key == "escape":
            event.stop()
            if self.prompt_mode == "filter":
                self.tail.set_filter("")
                self.show_status()
            prompt.remove_class("-open")
            self.tail.focus()
        elif event.key == "ctrl+r" and self.prompt_mode == "filter":
            event.stop()
            self.regex = not self.regex
            self.tail.set_filter(prompt.value, regex=self.regex)
            self.show_status()

    @on(Input.Changed, "#container-logs-input")
    def filter_as_you_type(self, event: Input.Changed) -> None:
        if self.prompt_mode == "filter":
            self.tail.set_filter(event.value, regex=self.regex)
            self.show_status()

    @on(Input.Submitted, "#container-logs-input")
    def prompt_submitted(self, event: Input.Submitted) -> None:
        from tui.panes.logs import parse_jump

        if self.prompt_mode == "jump" and event.value.strip():
            when = parse_jump(event.value.strip())
            if when is None or not self.tail.jump_to(when):
                self.notify("no line at or after that time in the buffer", severity="warning")
                return
        self.query_one("#container-logs-input", Input).remove_class("-open")
        self.tail.focus()

    @on(LogTail.LineSelected)
    def expand_line(self, message: LogTail.LineSelected) -> None:
        from tui.screens.log_record import LogRecordScreen

        line = message.line
        self.app.push_screen(LogRecordScreen(line.message, {
            "time": datetime.fromtimestamp(line.timestamp).astimezone().isoformat(timespec="milliseconds"),
            "container": line.source}))

    @on(LogTail.SaveRequested)
    def save_lines(self, message: LogTail.SaveRequested) -> None:
        from tui.panes.logs import write_lines

        path = Path.cwd() / f"cockpit-{self.container or 'container'}-{datetime.now():%Y%m%d-%H%M%S}.log"
        try:
            write_lines(path, message.lines)
        except OSError as error:
            self.notify(f"could not save: {error}", severity="error")
            return
        self.notify(f"saved {len(message.lines):,} lines to {path}")
