"""The Prometheus engine against a real Prometheus scraping a loopback exporter: instant, range, errors, CLI."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from services.errors import BadInput, Unreachable
from services.profile import parse_profile
from services.queries import Engines, run_to_end
from services.queries.params import BadParameter
from services.queries.prometheus import default_step
from tests.support.paths import COCKPIT
from tests.support.prometheus import ERRORS_PER_SECOND, QUEUE_DEPTHS, PrometheusServer


def _profile(url: str, queries: str):
    return parse_profile(f'[system]\nname = "API"\n[prometheus]\nurl = "{url}"\n{queries}')


@pytest.fixture
def prometheus(prometheus_server: PrometheusServer) -> PrometheusServer:
    # A rate over 5 s is the exporter's pace once the series is older than its window.
    prometheus_server.wait_for_data("count_over_time(errors_total[10s]) >= 7")
    return prometheus_server


def test_an_instant_query_gives_one_row_per_series_with_its_labels(prometheus: PrometheusServer) -> None:
    profile = _profile(prometheus.url, '[[queries]]\nid = "depth"\nengine = "prometheus"\nquery = "queue_depth"\n')
    spec = profile.queries[0]
    result = run_to_end(Engines(profile).engine_for(spec), spec, {}, timeout=30)
    assert result.status == "complete", result.error
    assert result.columns == ["__name__", "instance", "job", "queue", "value"]
    assert {row["queue"]: row["value"] for row in result.rows} == QUEUE_DEPTHS
    assert {row["job"] for row in result.rows} == {"api"}


def test_a_rate_has_the_exporters_pace(prometheus: PrometheusServer) -> None:
    profile = _profile(prometheus.url, '[[queries]]\nid = "errors"\nengine = "prometheus"\n'
                                       'query = "rate(errors_total[{window}])"\nparams = { window = "5s" }\n')
    spec = profile.queries[0]
    result = run_to_end(Engines(profile).engine_for(spec), spec, {}, timeout=30)
    [row] = result.rows
    assert row["value"] == pytest.approx(ERRORS_PER_SECOND, rel=0.25)
    assert "__name__" not in result.columns  # a rate drops the metric name, as Prometheus does


def test_a_range_query_gives_one_row_per_point(prometheus: PrometheusServer) -> None:
    profile = _profile(prometheus.url, '[[queries]]\nid = "depth"\nengine = "prometheus"\n'
                                       'query = \'queue_depth{queue="{queue}"}\'\nrange = "30s"\nstep = "1s"\n')
    spec = profile.queries[0]
    result = run_to_end(Engines(profile).engine_for(spec), spec, {"queue": "scans"}, timeout=30)
    assert result.status == "complete", result.error
    assert result.columns[-2:] == ["time", "value"]
    assert len(result.rows) >= 3 and {row["value"] for row in result.rows} == {QUEUE_DEPTHS["scans"]}
    times = [row["time"] for row in result.rows]
    assert times == sorted(times) and all(time.endswith("Z") for time in times)


def test_a_label_value_cannot_break_out_of_its_string(prometheus: PrometheusServer) -> None:
    profile = _profile(prometheus.url, '[[queries]]\nid = "depth"\nengine = "prometheus"\n'
                                       'query = \'queue_depth{queue="{queue}"}\'\n')
    spec = profile.queries[0]
    engine = Engines(profile).engine_for(spec)
    result = run_to_end(engine, spec, {"queue": 'scans"} or queue_depth{queue="alerts'}, timeout=30)
    assert result.status == "complete" and result.rows == []  # one odd label value: no series has it
    with pytest.raises(BadParameter):  # outside quotes only a bare token is taken
        run_to_end(engine, spec.model_copy(update={"query": "rate(errors_total[{queue}])"}), {"queue": "5s] or up[5s"})


def test_a_bad_query_is_bad_input_and_a_dead_server_unreachable(prometheus: PrometheusServer) -> None:
    profile = _profile(prometheus.url, '[[queries]]\nid = "bad"\nengine = "prometheus"\nquery = "rate(errors_total"\n')
    spec = profile.queries[0]
    result = run_to_end(Engines(profile).engine_for(spec), spec, {}, timeout=30)
    assert result.status == "failed" and isinstance(result.error, BadInput)
    assert "parse error" in str(result.error)
    from services.demo.engines import free_port

    dead = _profile(f"http://127.0.0.1:{free_port()}", '[[queries]]\nid = "up"\nengine = "prometheus"\nquery = "up"\n')
    result = run_to_end(Engines(dead).engine_for(dead.queries[0]), dead.queries[0], {}, timeout=30)
    assert result.status == "failed" and isinstance(result.error, Unreachable)


def test_default_step_gives_about_120_points() -> None:
    assert default_step(3600) == 30 and default_step(60) == 1 and default_step(1) == 1


def test_the_cli_prints_rows_as_json_and_as_a_table(prometheus: PrometheusServer, tmp_path: Path) -> None:
    path = tmp_path / "api.toml"
    path.write_text(f'[system]\nname = "API"\n[prometheus]\nurl = "{prometheus.url}"\n'
                    '[[queries]]\nid = "depth"\nengine = "prometheus"\nquery = "sort(queue_depth)"\n')
    result = subprocess.run([str(COCKPIT), "query", "depth", "--profile", str(path), "--json"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["queue"], row["value"]) for row in rows] == [("scans", 3), ("alerts", 7)]
    text = subprocess.run([str(COCKPIT), "query", "depth", "--profile", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert text.returncode == 0, text.stderr
    header, *lines = text.stdout.splitlines()
    assert header.split() == ["__name__", "instance", "job", "queue", "value"]
    assert [line.split()[-2:] for line in lines] == [["scans", "3"], ["alerts", "7"]]
    assert "2 rows" in text.stderr
