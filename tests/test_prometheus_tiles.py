"""Prometheus as a metrics source: ``source = "prometheus"`` tiles with thresholds, beside CloudWatch's.

Against a real Prometheus scraping the tests' exporter (``errors_total`` at a known pace,
``queue_depth`` per queue) and, for the mixed profile, moto's server.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.aws.session import AwsTarget
from services.demo.scenarios.cloud_remediator_sage import API_ERRORS_PER_SECOND, CloudRemediatorSage
from services.engines.prometheus_metrics import PrometheusMetrics
from services.errors import Unreachable
from services.metrics_feed import MetricsFeed
from services.profile import parse_profile
from tests.support.demo_scenarios import profile_of, seed_scenario
from tests.support.prometheus import ERRORS_PER_SECOND, PrometheusServer
from tests.support.waiting import until, wait_for
from tui.app import CockpitApp
from tui.cli.main import main
from tui.screens.dashboard import DashboardScreen
from widgets.metric_tile import MetricTile

TILES = '''
[[metrics]]
id = "api_errors"
label = "API errors"
source = "prometheus"
query = "sum(rate(errors_total[5s]))"
unit = "/s"
alert = 1
critical = 5

[[metrics]]
id = "depth"
label = "Queue depth"
source = "prometheus"
query = "queue_depth"

[[metrics]]
id = "broken"
label = "Broken"
source = "prometheus"
query = "rate(errors_total["
'''


def _profile(url: str, extra: str = TILES, aws: str = ""):
    return parse_profile(f'[system]\nname = "API"\n{aws}\n[prometheus]\nurl = "{url}"\n{extra}', "api.toml")


@pytest.fixture
def prometheus(prometheus_server: PrometheusServer) -> PrometheusServer:
    # A 5 s rate has the exporter's pace once the series is well older than its window.
    prometheus_server.wait_for_data("count_over_time(errors_total[15s]) >= 12")
    return prometheus_server


def test_each_tile_is_one_range_query_and_a_bad_one_is_only_that_tiles_error(prometheus: PrometheusServer) -> None:
    profile = _profile(prometheus.url)
    source = PrometheusMetrics(prometheus.url, profile.metrics)
    snapshot = source.fetch(900)
    assert snapshot.api_calls == 3  # one per distinct query, in one pass
    errors = snapshot.series["api_errors"]
    assert errors.error is None and errors.values
    assert errors.latest == pytest.approx(ERRORS_PER_SECOND, rel=0.25)
    assert snapshot.periods["api_errors"] == 8  # 15 min in about 120 points
    assert snapshot.series["depth"].error == "2 series: use sum(...)"
    assert snapshot.series["broken"].error is not None and "parse error" in snapshot.series["broken"].error
    assert (datetime.now(UTC) - snapshot.end).total_seconds() < 30


def test_a_dead_server_fails_the_pass_as_unreachable() -> None:
    source = PrometheusMetrics("http://127.0.0.1:9", _profile("http://127.0.0.1:9").metrics)
    with pytest.raises(Unreachable):
        source.fetch(900)


async def test_a_prometheus_only_profile_shows_tiles_with_their_bands_and_no_aws(prometheus: PrometheusServer) -> None:
    profile = _profile(prometheus.url)
    assert not profile.has_aws
    app = CockpitApp(profile, AwsTarget())
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and bool(app.screen.query(MetricTile)),
                    what="the tiles")
        tile = app.screen.query_one("#tile-api_errors", MetricTile)
        await until(pilot, lambda: tile.reading.value_text not in ("…", "—"), timeout=30, what="a value")
        assert tile.reading.value_text.endswith("/s") and tile.reading.band == "alert"  # 2/s: above 1, below 5
        assert tile.reading.limits == "▲1 /s ✖5 /s"
        assert app.screen.query_one("#tile-depth", MetricTile).reading.value_text == "error"


def test_a_mixed_profile_refreshes_both_sources_and_counts_both_calls(prometheus: PrometheusServer, aws_session,
                                                                      boto) -> None:
    boto("cloudwatch").put_metric_data(Namespace="Demo", MetricData=[
        {"MetricName": "Invocations", "Value": 3, "Timestamp": datetime.now(UTC), "Unit": "Count"}])
    cloudwatch = ('[[metrics]]\nid = "invocations"\nnamespace = "Demo"\nmetric = "Invocations"\nstat = "Sum"\n'
                  'period = 60\n')
    profile = _profile(prometheus.url, TILES.split("[[metrics]]\nid = \"depth\"")[0] + cloudwatch)
    feed = MetricsFeed(aws_session, profile.metrics, prometheus.url)
    snapshot = feed.fetch(900)
    assert snapshot.series["invocations"].values == (3.0,)
    assert snapshot.series["api_errors"].values
    assert snapshot.api_calls >= 2  # one GetMetricData, one range query
    # Prometheus down: its tiles carry the error, CloudWatch's still refresh.
    down = MetricsFeed(aws_session, profile.metrics, "http://127.0.0.1:9")
    snapshot = down.fetch(900)
    assert snapshot.series["invocations"].values == (3.0,)
    assert snapshot.series["api_errors"].error is not None and "unreachable" in snapshot.series["api_errors"].error


def test_check_names_the_tile_whose_query_fails(prometheus: PrometheusServer, tmp_path, capsys) -> None:
    path = tmp_path / "api.toml"
    path.write_text(f'[system]\nname = "API"\n[prometheus]\nurl = "{prometheus.url}"\n{TILES}')
    assert main(["check", "--profile", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  prometheus" in out and "3 tiles" in out and "depth: 2 series" in out and "broken:" in out


@pytest.mark.engines
def test_the_004_demo_exports_its_api_errors_and_they_follow_the_incident(boto) -> None:
    scenario = seed_scenario("cloud-remediator-sage", boto, prometheus=True)
    try:
        assert isinstance(scenario, CloudRemediatorSage) and scenario.prometheus_url, scenario.unavailable
        profile = profile_of(scenario)
        spec = next(spec for spec in profile.tiles if spec.source == "prometheus")
        source = PrometheusMetrics(scenario.prometheus_url, profile.metrics)

        def rate() -> float | None:
            return source.fetch(900).series[spec.id].latest

        wait_for(lambda: rate() is not None, timeout=30, what="the API's error rate in Prometheus")
        assert (rate() or 0.0) < (spec.alert or 0)  # the API healthy: a request fails now and then
        scenario.health.state = "degraded"  # what the ingest failures do to the API
        wait_for(lambda: (rate() or 0) > (spec.alert or 0), timeout=90,
                 what=lambda: f"the error rate above {spec.alert}: {rate()}")
        assert API_ERRORS_PER_SECOND["degraded"] > (spec.critical or 0)
    finally:
        scenario.close()
    assert scenario.prometheus is None
