"""The runbook scenarios (001, 002, 004): each seeds, moves, feeds every pane of its profile, plays its incident,
and its playbooks' actions plan (and the first playbook runs) against the emulator."""
from __future__ import annotations

import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.actions.executor import ActionExecutor, Confirmation
from services.incident.timeline import Timeline
from services.sources import Sources
from tests.support.demo_scenarios import NAMES, engine_marked, jump_to_incident, profile_of, seed_scenario, tick
from tests.support.waiting import wait_for

DIAGNOSIS_ONLY = {"neptune_issues"}  # runbook 004's Neptune section: no action of the catalog fits


@pytest.fixture(params=NAMES)
def scenario(request, boto):
    seeded = seed_scenario(request.param, boto)
    yield seeded
    seeded.close()


def _executor(aws_session, tmp_path: Path, *, read_only: bool) -> ActionExecutor:
    return ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "timeline.jsonl"), read_only=read_only,
                          profile_name="demo")


def _states(aws_session, profile) -> dict[str, str]:
    from services.aws.alarms import AlarmsSource

    return {alarm.name: alarm.state for alarm in AlarmsSource(aws_session, profile.alarms).fetch()}


def test_every_tile_gets_data(scenario, aws_session) -> None:
    from services.aws.metrics import MetricsSource

    profile = profile_of(scenario)
    tick(scenario, 3)
    snapshot = MetricsSource(aws_session, profile.metrics).fetch(3600)
    assert len(profile.tiles) >= 6
    for spec in (tile for tile in profile.tiles if tile.source == "cloudwatch"):  # Prometheus's: test_prometheus_tiles
        series = snapshot.series[spec.id]
        assert series.error is None, (spec.id, series.error)
        assert series.values, f"tile {spec.id} has no data"
    assert len(snapshot.series[profile.tiles[0].id].values) > 3  # the seeded history, not just the last ticks


def test_alarms_exist_and_the_incident_puts_one_in_alarm(scenario, aws_session) -> None:
    profile = profile_of(scenario)
    states = _states(aws_session, profile)
    assert len(states) >= 3
    assert all(any(name.startswith(prefix) for prefix in profile.alarms.prefixes) for name in states)
    assert {name for book in profile.playbooks for name in book.alarms} <= set(states)
    assert set(states.values()) == {"OK"}
    jump_to_incident(scenario)
    firing: set[str] = set()
    for _ in range(40):  # bounded: the incident must raise an alarm within these ticks
        tick(scenario)
        firing = {name for name, state in _states(aws_session, profile).items() if state == "ALARM"}
        if firing:
            break
    assert firing, "no alarm went to ALARM during the incident"
    assert firing <= set(profile.playbooks[0].alarms), firing


def test_log_groups_have_events(scenario, boto) -> None:
    profile = profile_of(scenario)
    tick(scenario, 2)
    logs = boto("logs")
    for spec in profile.logs:
        events = logs.filter_log_events(logGroupName=spec.group, limit=10)["events"]
        assert events, f"no events in {spec.group}"


def test_saved_queries_run(scenario, aws_session) -> None:
    from services.aws.insights import InsightsClient
    from services.profile.model import duration_seconds

    profile = profile_of(scenario)
    client = InsightsClient(aws_session)
    end = datetime.now(UTC) + timedelta(minutes=1)
    insights = [query for query in profile.queries if query.engine == "insights"]  # Athena's: test_demo_athena.py
    assert len(insights) >= 3
    for query in insights:
        query_id = client.start(query.groups, query.query, end - timedelta(seconds=duration_seconds(query.since)), end)
        progress = client.results(query_id)
        assert progress.status == "Complete", (query.id, progress.status)
        assert progress.rows, f"query {query.id} found nothing"


def test_first_step_of_every_playbook_plans(scenario, aws_session, tmp_path: Path) -> None:
    profile = profile_of(scenario)
    executor = _executor(aws_session, tmp_path, read_only=True)
    assert len(profile.playbooks) >= 4
    for book in profile.playbooks:
        if not book.resolution:
            assert book.id in DIAGNOSIS_ONLY, f"playbook {book.id} has no resolution step"
            continue
        step = book.resolution[0]
        _, plan = executor.prepare(step.action, step.target, dict(step.params))
        assert plan.action_id == step.action and plan.target == step.target
        assert plan.changes and plan.command.startswith("aws "), (book.id, plan)


def test_the_first_playbook_runs_and_ends_the_incident(scenario, aws_session, tmp_path: Path) -> None:
    """Followed start to finish (every step confirmed, run, verified), the incident no longer raises its alarms."""
    profile = profile_of(scenario)
    executor = _executor(aws_session, tmp_path, read_only=False)
    book = profile.playbooks[0]
    for step in book.resolution:
        action, plan = executor.prepare(step.action, step.target, dict(step.params))
        outcome = executor.execute(action, plan, Confirmation(plan, typed_target=plan.target))
        assert outcome.ok, (step.action, outcome.error, outcome.verification)
    jump_to_incident(scenario)
    for _ in range(40):
        tick(scenario)
        assert "ALARM" not in _states(aws_session, profile).values()
    if getattr(scenario, "health", None) is not None:
        assert scenario.health.state == "ok"


@pytest.mark.parametrize("scenario", ["mantissa-log"], indirect=True)
def test_mantissa_ids_are_the_profiles(scenario) -> None:
    """moto's ids are random: seeded before creation, the NACL and user pool are the ones the playbook names."""
    profile = profile_of(scenario)
    steps = {step.action: step for step in profile.playbooks[0].resolution}
    assert steps["ec2.nacl-deny"].target == scenario.nacl_id
    assert steps["cognito.global-sign-out"].params["user_pool_id"] == scenario.user_pool_id


@pytest.mark.parametrize("scenario", ["cloud-remediator-sage"], indirect=True)
def test_the_health_endpoint_degrades_during_the_incident(scenario) -> None:
    import json

    def status() -> str:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        return json.loads(opener.open(scenario.health_url, timeout=5).read())["status"]

    assert status() == "ok"
    jump_to_incident(scenario)
    for _ in range(20):
        tick(scenario)
        if scenario.health.state == "degraded":
            break
    assert status() == "degraded"


@pytest.mark.parametrize("name", engine_marked(NAMES))
def test_each_scenario_starts_in_the_emulator(name: str, moto, monkeypatch) -> None:
    """The demo's own path (a private podman for 004's container); moto's state is per process, so ``moto``
    empties it first. The health and Prometheus ports are free ones: another run of this suite (a demo in
    tmux) may hold the demo's."""
    import boto3
    import docker

    from services.demo.catalog import scenario_profile_path
    from services.demo.emulator import Emulator
    from services.demo.scenarios import cloud_remediator_sage
    from services.profile import load_profile

    monkeypatch.setattr(cloud_remediator_sage, "HEALTH_PORT", 0)
    monkeypatch.setattr(cloud_remediator_sage, "PROMETHEUS_PORT", 0)  # the same for the demo's Prometheus

    emulator = Emulator(name)
    endpoint = emulator.start()
    scenario = emulator.scenario
    try:
        emulator.tick()
        logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="demo",
                            aws_secret_access_key="demo")
        group = load_profile(scenario_profile_path(name)).logs[0].group
        assert logs.filter_log_events(logGroupName=group, limit=5)["events"]
        assert getattr(scenario, "unavailable", {}) == {}, scenario.unavailable
        docker_host = getattr(scenario, "env", {}).get("DOCKER_HOST")
        if docker_host:
            client = docker.DockerClient(base_url=docker_host)
            names = [c.name for c in client.containers.list(filters={"label": "com.docker.compose.project=" + name})]
            client.close()
            assert names == [name]
    finally:
        emulator.stop()
    assert emulator.server is None
    if getattr(scenario, "health_url", ""):  # the scenario's own servers stopped with the emulator
        with pytest.raises(OSError):
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(scenario.health_url, timeout=2)
    if docker_host:
        assert not Path(docker_host.removeprefix("unix://")).exists()


def test_without_podman_the_container_is_unavailable_and_the_rest_runs(boto, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("COCKPIT_PODMAN", str(tmp_path / "no-podman"))
    scenario = seed_scenario("cloud-remediator-sage", boto, containers=True)
    try:
        assert "podman is not installed" in scenario.unavailable["docker"]
        assert set(scenario.unavailable) == {"docker"} and "DOCKER_HOST" not in scenario.env
        tick(scenario, 2)
        assert scenario.health.state == "ok" and boto("logs").filter_log_events(
            logGroupName="/aws/lambda/cloud-remediator-prowler-ingest", limit=5)["events"]
    finally:
        scenario.close()


def test_the_container_follows_the_incident(boto, podman_service) -> None:
    """004's container on a real Docker API: listed under its compose project, its log turns to errors in the incident."""
    scenario = seed_scenario("cloud-remediator-sage", boto, docker_host=podman_service.url)
    client = podman_service.client()
    try:
        assert scenario.env["DOCKER_HOST"] == podman_service.url and "docker" not in scenario.unavailable
        container = client.containers.get("cloud-remediator-sage")
        assert container.labels["com.docker.compose.project"] == "cloud-remediator-sage"
        wait_for(lambda: b"GET /health 200" in container.logs(), what="the app's first lines")
        jump_to_incident(scenario)
        for _ in range(20):
            tick(scenario)
            if scenario.health.state == "degraded":
                break
        wait_for(lambda: b"risk graph stale" in container.logs(), timeout=20, what="the app's error lines")
    finally:
        scenario.close()
    assert "cloud-remediator-sage" not in [c.name for c in client.containers.list(all=True)]
    client.close()


def test_demo_list_names_every_scenario() -> None:
    result = subprocess.run([str(Path(sys.executable).with_name("cockpit")), "demo", "--list"],
                            capture_output=True, text=True, timeout=60)
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert result.returncode == 0
    assert set(NAMES) | {"sentra-scanner"} <= set(listed)
