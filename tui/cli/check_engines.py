"""``cockpit check`` for the engines: the Docker engine, PostgreSQL and each health URL, one line each."""
from __future__ import annotations

from services.errors import SourceError
from services.models import SourceCheck
from services.profile import Profile


def check_engines(profile: Profile) -> list[SourceCheck]:
    results: list[SourceCheck] = []
    if profile.docker is not None:
        from services.engines.docker import DockerEngine

        engine = DockerEngine(profile.docker.host, timeout=10)
        try:
            snapshot = engine.list(profile.docker.project)
            running = sum(1 for c in snapshot.containers if c.running)
            scope = f"project {profile.docker.project}" if profile.docker.project else "all projects"
            results.append(SourceCheck("docker", True, f"{snapshot.engine} at {engine.describe()}: "
                                       f"{len(snapshot.containers)} containers ({running} running) in {scope}"))
        except SourceError as error:
            results.append(SourceCheck("docker", False, f"{engine.describe()}: {error}"))
    if profile.postgres is not None:
        from services.engines.postgres import PostgresSource

        source = PostgresSource(profile.postgres.dsn_env)
        try:
            overview = source.overview_sync()
            results.append(SourceCheck("postgres", True, f"PostgreSQL {overview['server'].split()[0]} via "
                                       f"${profile.postgres.dsn_env}: database {overview['database']}, "
                                       f"{overview['connections']}/{overview['max_connections']} connections"))
        except SourceError as error:
            results.append(SourceCheck("postgres", False, f"${profile.postgres.dsn_env}: {error}"))
    for spec in profile.health:
        from services.engines.health import HealthProbe

        result = HealthProbe(spec).check()
        latency = f" in {result.latency_ms:.0f} ms" if result.latency_ms is not None else ""
        detail = f"{spec.url}: {'HTTP ' + str(result.status) if result.status else ''}{latency}"
        if result.matched is not None or not result.ok:
            detail += f", {result.detail}" if result.status else f" {result.detail}"
        results.append(SourceCheck(f"health {spec.name}", result.ok, detail.replace(": ,", ":")))
    return results
