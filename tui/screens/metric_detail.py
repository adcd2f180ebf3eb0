"""One metric: a larger chart with its thresholds, figures over the range, the alarms on it.

The dashboard keeps feeding it (``show``) while it is open, so it stays live.
"""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from services.formatting import format_value, local_since
from services.models import Alarm, MetricSeries, MetricsSnapshot
from services.profile import MetricSpec
from services.series_stats import series_stats
from tui.panes.metrics import limits_text, period_label, range_label, tile_reading
from widgets.alarm_table import STATE_LABEL, STATE_STYLE
from widgets.metric_chart import ChartData, MetricChart
from widgets.metric_tile import BAND_MARK, BAND_STYLE


class MetricDetailScreen(Screen[None]):
    """``escape`` goes back to the dashboard."""

    DEFAULT_CSS = """
    MetricDetailScreen > Static {
        padding: 0 1;
        height: auto;
    }
    MetricDetailScreen #metric-stats {
        background: $panel;
    }
    MetricDetailScreen MetricChart {
        padding: 0 1;
    }
    """

    BINDINGS = [Binding("escape", "app.pop_screen", "Back"),
                Binding("o", "resource", "Resource", tooltip="The resource this metric is about (resources screen)")]

    def __init__(self, spec: MetricSpec) -> None:
        super().__init__()
        self.spec = spec
        self._texts: dict[str, Text] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text(self.spec.title, "bold"), id="metric-head")
        yield MetricChart(id="metric-chart")
        yield Static("", id="metric-stats")
        yield Static("", id="metric-alarms")
        yield Footer()

    def _set(self, widget_id: str, text: Text) -> None:
        if self._texts.get(widget_id) != text:  # Static.update always relayouts: only on change
            self._texts[widget_id] = text
            self.query_one(f"#{widget_id}", Static).update(text)

    def show(self, series: MetricSeries, snapshot: MetricsSnapshot, alarms: list[Alarm]) -> None:
        spec = self.spec
        reading = tile_reading(spec, series, snapshot)
        period = snapshot.periods.get(spec.id, spec.period or 60)
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(spec.title, "bold")
        head.append(f"  {reading.value_text} ", BAND_STYLE.get(reading.band, ""))
        head.append(f" {BAND_MARK.get(reading.band, reading.band)} ", BAND_STYLE.get(reading.band, ""))
        head.append(f"  {reading.note or reading.when}", "yellow" if reading.note else "dim")
        source = spec.expression or f"{spec.namespace}/{spec.metric} {spec.stat}"
        head.append(f"\n{source} · range {range_label((snapshot.end - snapshot.start).total_seconds())} · "
                    f"period {period_label(period)} · thresholds {limits_text(spec) or 'none'}", "dim")
        self._set("metric-head", head)
        self.query_one(MetricChart).data = ChartData(
            times=reading.times, values=series.values, start=reading.start, end=reading.end, period=period,
            alert=spec.alert, critical=spec.critical, direction=spec.direction, unit=spec.unit)
        stats = series_stats(series.values)
        line = Text(no_wrap=True, overflow="ellipsis")
        if stats is None:
            line.append(f"no data in range ({reading.note})", "yellow")
        else:
            for name, value in (("min", stats.minimum), ("avg", stats.mean), ("max", stats.maximum),
                                ("p50", stats.p50), ("p90", stats.p90), ("p99", stats.p99)):
                line.append(f"{name} ", "dim")
                line.append(f"{format_value(value, spec.unit)}   ", "bold")
            line.append(f"{stats.count} points", "dim")
        self._set("metric-stats", line)
        listing = Text()
        listing.append("ALARMS ON THIS METRIC\n", "bold")
        for alarm in alarms:
            listing.append(f"{STATE_LABEL.get(alarm.state, alarm.state):8}", STATE_STYLE.get(alarm.state, ""))
            listing.append(f" {alarm.name}  ", "bold")
            listing.append(f"{alarm.threshold or ''}  since {local_since(alarm.updated)}\n", "dim")
        if not alarms:
            listing.append("none found for this metric among the profile's alarms", "dim")
        self._set("metric-alarms", listing)

    def action_resource(self) -> None:
        from services.aws.resource_links import resources_for_metric
        from tui.flows.cockpit import cockpit
        from tui.screens.resources import open_resources

        owner = cockpit(self)
        ids = resources_for_metric(self.spec.id, owner.profile.metrics, owner.profile.resources)
        open_resources(self, ids, about=f"metric {self.spec.id}")
