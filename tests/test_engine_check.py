"""``cockpit check`` on a profile with the engines and no AWS: one line per engine and health URL."""
from __future__ import annotations

from services.demo.health_server import HealthServer
from tests.support.engine_profiles import write_profile
from tests.support.engines import PG_PASSWORD, run_container
from tui.cli.main import main


def test_check_reports_docker_postgres_and_health(tmp_path, podman_service, docker_client, pg_dsn, capsys) -> None:
    run_container(docker_client, "sentrascan-api-1", ["sleep", "600"], project="sentrascan", service="api")
    server = HealthServer().start()
    try:
        path = write_profile(tmp_path, docker_url=podman_service.url, postgres=True, health_url=server.url)
        assert main(["check", "--profile", str(path)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert [line.split()[1] for line in lines] == ["docker", "postgres", "health"]
        assert all(line.startswith("ok") for line in lines)
        assert "1 containers (1 running) in project sentrascan" in lines[0] and "podman" in lines[0]
        assert "via $SENTRASCAN_PG_DSN: database sentrascan" in lines[1]
        assert "HTTP 200" in lines[2] and "body matches" in lines[2]
        server.state = "degraded"
        assert main(["check", "--profile", str(path)]) == 1
        out = capsys.readouterr().out
        assert 'FAIL  health API' in out and 'status="degraded" (expected "ok")' in out
        assert PG_PASSWORD not in out and "aws" not in out.split()
    finally:
        server.stop()


def test_check_reports_unreachable_engines(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SENTRASCAN_PG_DSN", "postgresql://u:Very-Secret-1@127.0.0.1:9/x")
    path = write_profile(tmp_path, docker_url=f"unix://{tmp_path}/none.sock", postgres=True,
                         health_url="http://127.0.0.1:9/health")
    assert main(["check", "--profile", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("FAIL") == 3
    assert "unreachable" in out and "reconnecting" in out
    assert "Very-Secret-1" not in out
