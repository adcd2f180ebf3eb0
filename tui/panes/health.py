"""The HEALTH pane (``[[health]]``): each URL checked on its own interval, in a thread.

A check never raises: refused, 503 and a body that does not match ``expect`` are all
results. The pane shows the status, the latency, the body's verdict and, while failing,
how many checks failed since when.
"""
from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical

from services.formatting import local_clock, local_since
from services.profile.model import HealthSpec
from tui.flows.polling import Poller
from tui.messages import HealthChecked, SourceFailed
from widgets.health_table import HealthRow, HealthTable
from widgets.pane_title import PaneTitle


def health_row(spec: HealthSpec, result: Any | None) -> HealthRow:
    if result is None:
        return HealthRow(spec.name, None, "", "", "", "", spec.url)
    latency = f"{result.latency_ms:.0f} ms" if result.latency_ms is not None else ""
    body = "" if result.matched is None and result.ok else result.detail
    if result.matched is True:
        body = result.detail if spec.expect_list is not None else "matches"  # "0 of 5 where passed=false"
    failing = f"{result.failures}× since {local_since(result.failing_since)}" if result.failing_since else ""
    return HealthRow(spec.name, result.ok, str(result.status) if result.status else "-", latency, body, failing, spec.url)


class HealthPane(Vertical):
    DEFAULT_CSS = """
    HealthPane {
        height: auto;
    }
    """

    def __init__(self, specs: list[HealthSpec], *, id: str = "health-pane") -> None:
        super().__init__(id=id, classes="pane")
        self.specs = specs
        self.results: dict[str, Any] = {}
        self.pollers: list[Poller] = []
        self._announce: set[str] = set()  # checks a playbook asked for: their next result is a toast

    def compose(self) -> ComposeResult:
        yield PaneTitle("HEALTH", id="health-title")
        yield HealthTable(id="health")

    @property
    def table(self) -> HealthTable:
        return self.query_one(HealthTable)

    def on_mount(self) -> None:
        self.query_one("#health-title", PaneTitle).show("checking…", "busy")
        self.table.show([health_row(spec, None) for spec in self.specs])

    def start(self) -> None:
        from services.engines.health import HealthProbe

        for index, spec in enumerate(self.specs):
            probe = HealthProbe(spec)
            poller = Poller(f"health {spec.name}", self, probe.check, HealthChecked, spec.interval)
            self.pollers.append(poller)
            self.run_worker(poller.run(), name=f"health-{index}", group=f"health-{index}", exclusive=True,
                            exit_on_error=False)

    def refresh_now(self) -> None:
        for poller in self.pollers:
            poller.wake()

    def check_now(self, ref: str) -> bool:
        """A playbook's ``health:ID``: its row under the cursor, checked now, the result told in a toast."""
        index = next((number for number, spec in enumerate(self.specs) if spec.ref == ref), None)
        if index is None:
            return False
        self.table.move_cursor(row=index)
        self._announce.add(self.specs[index].name)
        if index < len(self.pollers):
            self.pollers[index].wake()
        return True

    @on(HealthChecked)
    def show_result(self, message: HealthChecked) -> None:
        result = message.result
        self.results[result.name] = result
        if result.name in self._announce:
            self._announce.discard(result.name)
            verdict = "OK" if result.ok else "FAIL"
            self.app.notify(f"{verdict} · {result.status or '-'} · {result.detail}", title=f"health {result.name}",
                            severity="information" if result.ok else "error")
        self.table.show([health_row(spec, self.results.get(spec.name)) for spec in self.specs])
        failing = [r for r in self.results.values() if not r.ok]
        status = f"{len(self.specs)} checks · {len(failing)} failing · updated {local_clock(result.checked_at)}"
        self.query_one("#health-title", PaneTitle).show(status, "error" if failing else "ok")

    @on(SourceFailed)
    def show_failure(self, message: SourceFailed) -> None:
        self.query_one("#health-title", PaneTitle).show(str(message.error), "error")
