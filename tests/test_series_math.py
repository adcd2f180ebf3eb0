"""Figures and drawing helpers on plain numbers: statistics, buckets, sparkline gaps, units."""
from __future__ import annotations

from services.formatting import format_value
from services.series_stats import series_stats
from tui.panes.metrics import limits_text
from widgets.sparkline_text import bucket, sparkline


def test_statistics_over_the_range() -> None:
    stats = series_stats([float(v) for v in range(1, 101)])
    assert stats is not None
    assert (stats.minimum, stats.maximum, stats.mean, stats.count) == (1, 100, 50.5, 100)
    assert stats.p50 == 50.5 and round(stats.p90, 2) == 90.1 and round(stats.p99, 2) == 99.01
    assert series_stats([]) is None  # no data is not zero


def test_points_spread_over_the_range_and_gaps_stay_blank() -> None:
    # 15 one-minute points, then nothing for 5 minutes, over a 20-minute range in 40 columns.
    times = [60.0 * i for i in range(15)]
    columns = bucket(times, [1.0] * 15, 0, 1200, 40, period=60)
    assert columns[:30] == [1.0] * 30 and columns[30:] == [None] * 10
    text = sparkline(columns, 40).plain
    assert text[:30] == "█" * 30 and text[30:] == " " * 10
    # Many points per column: the worst one, by direction.
    assert bucket([0, 10, 20], [5, 9, 1], 0, 60, 1, period=10) == [9]
    assert bucket([0, 10, 20], [5, 9, 1], 0, 60, 1, period=10, direction="below") == [1]


def test_bars_beyond_thresholds_are_styled_by_band() -> None:
    text = sparkline([1, 6, 11], 3, alert=5, critical=10)
    styles = [str(span.style) for span in text.spans]
    assert styles == ["cyan", "yellow", "bold red"]
    below = sparkline([3, 0.2], 2, critical=0.5, direction="below")
    assert [str(span.style) for span in below.spans] == ["cyan", "bold red"]


def test_human_units_and_threshold_text(demo_profile) -> None:
    assert format_value(287412, "ms") == "4.8 min"
    assert format_value(23600, "ms") == "23.6 s"
    assert format_value(5 * 2**20, "bytes") == "5.0 MiB"
    assert format_value(12345) == "12.3k" and format_value(2_500_000) == "2.5M"
    specs = {spec.id: spec for spec in demo_profile.metrics}
    assert limits_text(specs["duration"]) == "▲1 min ✖4 min"
    assert limits_text(specs["error_rate"]) == "▲5% ✖10%"
    assert limits_text(specs["files_processed"]) == "✖<0.5"
