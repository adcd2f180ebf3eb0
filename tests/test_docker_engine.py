"""The Docker service and docker.* actions against podman's real Docker API."""
from __future__ import annotations

import threading

import pytest

from services.actions.docker import Restart, Start, Stop
from services.engines.docker import ContainerLogTail, DockerEngine
from services.engines.docker_stats import StatsStreams
from services.errors import BadInput, Unreachable
from tests.support.engines import run_container
from tests.support.waiting import wait_for

TICKER = ["sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"]


def test_list_groups_by_compose_labels_and_filters_the_project(podman_service, docker_client) -> None:
    run_container(docker_client, "ss-api-1", ["sleep", "600"], project="ss", service="api",
                  environment={"API_KEY": "k-123-secret", "LOG_LEVEL": "info"}, ports={"8200/tcp": None},
                  network_mode=None)
    run_container(docker_client, "ss-db-1", ["sleep", "600"], project="ss", service="db")
    run_container(docker_client, "other-web-1", ["sleep", "600"], project="other", service="web")
    done = run_container(docker_client, "ss-job-1", ["true"], project="ss", service="job")
    done.wait(timeout=30)
    engine = DockerEngine(podman_service.url)
    snapshot = engine.list("ss")
    assert [(c.service, c.state) for c in snapshot.containers] == [("api", "running"), ("db", "running"), ("job", "exited")]
    assert snapshot.engine.startswith("podman ")
    api = snapshot.containers[0]
    assert api.name == "ss-api-1" and api.project == "ss" and api.started_at is not None and api.restart_count == 0
    assert snapshot.containers[2].exit_code == 0
    assert {c.project for c in engine.list(None).containers} >= {"ss", "other"}
    details = engine.details("ss-api-1")
    assert details.env_names[:1] and "API_KEY" in details.env_names and "LOG_LEVEL" in details.env_names
    assert "k-123-secret" not in repr(details)
    assert any("8200/tcp" in port for port in details.ports)
    assert details.image == "localhost/busybox:local"


def test_logs_are_tailed_exactly_once(podman_service, docker_client) -> None:
    run_container(docker_client, "ticker", TICKER)
    engine = DockerEngine(podman_service.url)
    tail = ContainerLogTail(engine, "ticker", initial_tail=5)
    wait_for(lambda: len(engine.logs("ticker")) >= 3, what="first lines")
    seen = list(tail.poll())
    assert 1 <= len(seen) <= 5

    def more_lines() -> bool:
        seen.extend(tail.poll())
        return len(seen) >= 25

    wait_for(more_lines, what="more lines", interval=0.3)
    numbers = [int(line.text.split()[1]) for line in seen]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # no gap, no repeat
    assert all(line.at is not None and line.container == "ticker" for line in seen)


def test_stats_stream_per_running_container(podman_service, docker_client) -> None:
    busy = run_container(docker_client, "busy", ["sh", "-c", "while true; do :; done"])
    idle = run_container(docker_client, "idle", ["sleep", "600"])
    engine = DockerEngine(podman_service.url)
    samples: dict[str, list] = {}
    lock = threading.Lock()

    def keep(stats) -> None:
        with lock:
            samples.setdefault(stats.id, []).append(stats)

    streams = StatsStreams(engine, keep)
    streams.track([busy.id[:12], idle.id[:12]])
    try:
        wait_for(lambda: all(len(samples.get(c.id[:12], [])) >= 2 for c in (busy, idle)), timeout=40,
                 what="two samples of each container")
        assert streams.streaming == {busy.id[:12], idle.id[:12]}
        busy_cpu = samples[busy.id[:12]][-1].cpu_percent
        idle_cpu = samples[idle.id[:12]][-1].cpu_percent
        assert busy_cpu is not None and busy_cpu > 20  # a shell spinning on one core
        assert idle_cpu is not None and idle_cpu < busy_cpu
        assert samples[idle.id[:12]][-1].memory_bytes and samples[idle.id[:12]][-1].memory_bytes > 0
        streams.track([idle.id[:12]])
        assert streams.streaming == {idle.id[:12]}
    finally:
        streams.stop()


def test_restart_stop_start_through_the_actions(podman_service, docker_client) -> None:
    run_container(docker_client, "ss-api-1", ["sleep", "600"], project="ss", service="api")
    engine = DockerEngine(podman_service.url)
    before = engine.inspect("ss-api-1")
    restart = Restart.build(engine, "ss-api-1", {"timeout": 1})
    plan = restart.plan()
    assert plan.command == f"docker -H {podman_service.url} restart --time 1 ss-api-1"
    assert plan.changes[0].before == "running" and "service api of ss" in plan.summary
    restart.run(plan)
    verification = restart.verify(plan)
    assert verification.ok, verification.detail
    restarted = engine.inspect("ss-api-1").started_at
    assert restarted is not None and before.started_at is not None and restarted > before.started_at

    stop = Stop.build(engine, "ss-api-1", {"timeout": 1})
    stop_plan = stop.plan()
    assert stop_plan.risk.needs_typed_target and stop_plan.reversible
    stop.run(stop_plan)
    assert stop.verify(stop_plan).ok
    assert engine.inspect("ss-api-1").state == "exited"
    start = stop.inverse(stop_plan)
    assert isinstance(start, Start)
    start_plan = start.plan()
    assert start_plan.command.endswith("start ss-api-1") and start_plan.changes[0].before == "exited"
    start.run(start_plan)
    assert start.verify(start_plan).ok and engine.inspect("ss-api-1").running
    with pytest.raises(BadInput, match="no container 'ghost'"):
        Restart.build(engine, "ghost", {}).plan()


def test_an_engine_that_goes_away_is_unreachable_then_comes_back(podman_service, docker_client) -> None:
    run_container(docker_client, "survivor", ["sleep", "600"])
    engine = DockerEngine(podman_service.url, timeout=5)
    assert any(c.name == "survivor" for c in engine.list().containers)
    podman_service.stop()
    try:
        with pytest.raises(Unreachable):
            engine.list()
    finally:
        podman_service.start()
    assert any(c.name == "survivor" and c.running for c in engine.list().containers)


def test_an_unreachable_host_is_one_typed_error(tmp_path) -> None:
    engine = DockerEngine(f"unix://{tmp_path}/nothing.sock", timeout=2)
    with pytest.raises(Unreachable, match="engine does not answer"):
        engine.list()


def test_cpu_percent_needs_a_long_enough_window() -> None:
    from services.engines.docker import stats_from_sample

    def sample(total: float, system: float, pre_total: float, pre_system: float) -> dict:
        return {"cpu_stats": {"cpu_usage": {"total_usage": total}, "system_cpu_usage": system, "online_cpus": 2},
                "precpu_stats": {"cpu_usage": {"total_usage": pre_total}, "system_cpu_usage": pre_system},
                "memory_stats": {"usage": 5_000_000, "stats": {"inactive_file": 1_000_000}, "limit": 10**9},
                "read": "2026-01-01T00:00:05.000000001Z"}

    first, previous = stats_from_sample("abc", sample(2e9, 10e9, 1.99e9, 9.999e9), None)  # "pre" 1 ms before
    assert first.cpu_percent is None and first.memory_bytes == 4_000_000
    second, _ = stats_from_sample("abc", sample(4.5e9, 20e9, 2e9, 10e9), previous)  # 2.5 s of CPU in 10 s of 2 CPUs
    assert second.cpu_percent == 50.0
    third, _ = stats_from_sample("abc", sample(9e9, 20.2e9, 2e9, 20e9), previous)  # impossible: clamped to 2 CPUs
    assert third.cpu_percent == 200.0


def test_a_compose_v2_name_finds_the_v1_container_and_the_reverse(podman_service, docker_client) -> None:
    """Runbook 003's names are Compose v2's (sentrascan-api-1); a host on v1 calls it sentrascan_api_1."""
    run_container(docker_client, "ss_api_1", ["sleep", "600"], project="ss", service="api")
    run_container(docker_client, "ss-db-1", ["sleep", "600"], project="ss", service="db")
    run_container(docker_client, "ss-api-x", ["sleep", "600"])  # no labels: never a twin
    engine = DockerEngine(podman_service.url)
    assert engine.compose_twin("ss-api-1") == "ss_api_1"
    assert engine.compose_twin("ss_db_1") == "ss-db-1"
    assert engine.compose_twin("ss-web-1") is None and engine.compose_twin("ss-api-2") is None
    plan = Restart.build(engine, "ss-api-1", {"timeout": 1}).plan()
    assert plan.target == "ss_api_1" and plan.command.endswith("restart --time 1 ss_api_1")
    with pytest.raises(BadInput, match="no container 'ss-web-1'"):
        Restart.build(engine, "ss-web-1", {"timeout": 1}).plan()
