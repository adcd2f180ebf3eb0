"""The METRICS pane: one tile per profile metric over the chosen time range.

The pane turns a ``MetricsSnapshot`` into tile readings (value in human units, band from
the runbook thresholds, time of the latest point or "no data since"); the tiles repaint
only what changed. The range keys live on the dashboard, which owns the poller.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from textual.app import ComposeResult
from textual.containers import Vertical

from services.formatting import format_value, local_clock, local_hm
from services.models import MetricSeries, MetricsSnapshot
from services.profile import MetricSpec
from services.thresholds import band_of
from widgets.metric_grid import MetricGrid
from widgets.metric_tile import MetricTile, TileReading
from widgets.pane_title import PaneTitle

RANGES = {"15m": 900, "1h": 3600, "3h": 3 * 3600, "12h": 12 * 3600, "24h": 86400, "7d": 7 * 86400}
STALE_PERIODS = 3  # a latest point older than this many periods means the metric stopped reporting


def range_label(seconds: float) -> str:
    for label, value in RANGES.items():
        if abs(value - seconds) < 1:
            return label
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds / 60:g}m"


def period_label(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def limits_text(spec: MetricSpec) -> str:
    """The thresholds in a few cells: "▲60 s ✖4 min" (bad above), "✖<0.5" (bad below)."""
    sign = "" if spec.direction == "above" else "<"
    parts = [f"{mark}{sign}{format_value(value, spec.unit)}"
             for mark, value in (("▲", spec.alert), ("✖", spec.critical)) if value is not None]
    return re.sub(r"(\.\d*?)0+(?=\D|$)", lambda m: m.group(1).rstrip("."), " ".join(parts))


def tile_reading(spec: MetricSpec, series: MetricSeries, snapshot: MetricsSnapshot, limits: str | None = None) -> TileReading:
    """Latest value, band and history of one metric, ready for a tile.

    Value and band are the newest point at the metric's own period where the snapshot has
    it (``latest``): the same at 7d as at 15m; the sparkline keeps the range's buckets.
    """
    period = snapshot.periods.get(spec.id, spec.period or 60)
    value_text, band, when, note = "—", "unknown", "", ""
    newest = snapshot.latest.get(spec.id)
    value, at, step = (newest.value, newest.at, newest.period) if newest else (series.latest, series.latest_time, period)
    if series.error:
        value_text, note = "error", series.error[:24]
    elif value is None or at is None:
        note = f"no data since {local_hm(snapshot.start)}"
    else:
        value_text = format_value(value, spec.unit)
        band = band_of(value, spec.alert, spec.critical, spec.direction)
        last_covered = at + timedelta(seconds=step)
        if (snapshot.end - last_covered).total_seconds() > STALE_PERIODS * step:
            note = f"no data since {local_hm(last_covered)}"
        else:
            when = local_hm(at)
    return TileReading(label=spec.title, value_text=value_text, band=band, history=series.values,
                       alert=spec.alert, critical=spec.critical, direction=spec.direction, when=when, note=note,
                       times=tuple(t.timestamp() for t in series.timestamps), start=snapshot.start.timestamp(),
                       end=snapshot.end.timestamp(), period=period,
                       limits=limits_text(spec) if limits is None else limits)


class MetricsPane(Vertical):
    """Title and status, then the tile grid; ``show`` takes one refresh's snapshot."""

    DEFAULT_CSS = """
    MetricsPane {
        height: auto;
    }
    """

    def __init__(self, specs: list[MetricSpec], *, id: str = "metrics-pane", classes: str = "pane") -> None:
        super().__init__(id=id, classes=classes)
        self.specs = [spec for spec in specs if not spec.hidden]
        self.snapshot: MetricsSnapshot | None = None
        self._tiles: dict[str, MetricTile] = {}
        self._limits = {spec.id: limits_text(spec) for spec in self.specs}

    def compose(self) -> ComposeResult:
        yield PaneTitle("METRICS", id="metrics-title")
        tiles = [MetricTile(TileReading(label=spec.title, alert=spec.alert, critical=spec.critical,
                                        direction=spec.direction, limits=limits_text(spec)),
                            metric_id=spec.id, id=f"tile-{spec.id}") for spec in self.specs]
        yield MetricGrid(*tiles, id="tiles")

    @property
    def title(self) -> PaneTitle:
        return self.get_child_by_id("metrics-title", PaneTitle)

    @property
    def grid(self) -> MetricGrid:
        return self.get_child_by_id("tiles", MetricGrid)

    def tile(self, metric_id: str) -> MetricTile:
        if not self._tiles:  # once: a DOM query per tile per refresh costs milliseconds at 200 tiles
            self._tiles = {tile.metric_id: tile for tile in self.query(MetricTile)}
        return self._tiles[metric_id]

    def reflow(self, width: int, height: int) -> None:
        """Columns from the width; rows of tiles for a third of the screen at most (then it scrolls)."""
        self.grid.reflow(width, max_rows=max(1, (height - 8) // 8))

    def spec_of(self, metric_id: str) -> MetricSpec:
        """The tile's spec with the thresholds it shows now (``limits_of`` ones, once read)."""
        spec = next(spec for spec in self.specs if spec.id == metric_id)
        limits = self.snapshot.limits.get(metric_id) if self.snapshot is not None else None
        return spec if limits is None else spec.model_copy(update={"alert": limits[0], "critical": limits[1]})

    def show(self, snapshot: MetricsSnapshot) -> None:
        self.snapshot = snapshot
        for spec in self.specs:
            series = snapshot.series.get(spec.id, MetricSeries(spec.id))
            if spec.id in snapshot.limits:  # thresholds that follow a timeout: this refresh's
                shown = self.spec_of(spec.id)
                self.tile(spec.id).reading = tile_reading(shown, series, snapshot, limits_text(shown))
                continue
            self.tile(spec.id).reading = tile_reading(spec, series, snapshot, self._limits[spec.id])
        calls = "call" if snapshot.api_calls == 1 else "calls"
        periods = sorted({snapshot.periods[spec.id] for spec in self.specs if spec.id in snapshot.periods})
        period = period_label(periods[0]) + ("+" if len(periods) > 1 else "") if periods else "?"
        label = range_label((snapshot.end - snapshot.start).total_seconds())
        self.title.show(f"{label} · period {period} · {len(self.specs)} tiles · {snapshot.api_calls} {calls} · "
                        f"updated {local_clock(datetime.now().astimezone())}")

    def series(self, metric_id: str) -> MetricSeries:
        if self.snapshot is None:
            return MetricSeries(metric_id)
        return self.snapshot.series.get(metric_id, MetricSeries(metric_id))

    def focus_tile(self, metric_id: str) -> bool:
        if metric_id not in {spec.id for spec in self.specs}:
            return False
        tile = self.tile(metric_id)
        tile.focus()
        self.grid.scroll_to_widget(tile, animate=False)
        return True
