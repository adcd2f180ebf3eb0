"""``cockpit check``: validate a profile and try each configured source once, one line each.

AWS (identity, metrics, alarms, each log group), then the engines: the Docker engine,
PostgreSQL and each health URL. Exit codes: 0 all fine, 1 a source failed, 2 bad profile.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.cli.launch import configure_logging
from tui.cli.loading import SharedFlags, aws_target, load_profile_or_exit

if TYPE_CHECKING:  # the SDK layers and pydantic load when the check runs, not to parse flags
    from services.aws.session import AwsTarget
    from services.models import SourceCheck
    from services.profile import Profile


def add_parser(commands: Any, parents: SharedFlags) -> None:
    # The cockpit's flags too: `cockpit check` takes what `cockpit run` takes (--log is used)
    check = commands.add_parser("check", help="validate a profile and try each source once",
                                parents=[parents.profile, parents.aws, parents.cockpit])
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    profile = load_profile_or_exit(args.profile)
    target = aws_target(args, profile.aws)
    configure_logging(args.log)
    results = check_sources(profile, target)
    width = max((len(result.source) for result in results), default=10)
    for result in results:
        print(f"{'ok  ' if result.ok else 'FAIL'}  {result.source:<{width}}  {result.detail}")
    if not results:
        print("nothing to check: the profile configures no source")
    return 0 if all(result.ok for result in results) else 1


def check_sources(profile: Profile, target: AwsTarget) -> list[SourceCheck]:
    return check_aws(profile, target) + check_engines(profile)


def check_aws(profile: Profile, target: AwsTarget) -> list[SourceCheck]:
    from services.aws.session import AwsSession
    from services.errors import SourceError
    from services.models import SourceCheck

    if not profile.has_aws:  # metrics, alarms and logs each make it true
        return []
    session = AwsSession(target)
    results: list[SourceCheck] = []

    def attempt(name: str, probe: Callable[[], str]) -> None:
        try:
            results.append(SourceCheck(name, True, probe()))
        except SourceError as error:
            results.append(SourceCheck(name, False, str(error)))

    def identity() -> str:
        answer = session.call("sts", "get_caller_identity")
        return f"account {answer.get('Account', '?')} via {target.describe()}"

    attempt("aws", identity)
    if profile.metrics:
        from services.aws.metrics import MetricsSource

        source = MetricsSource(session, profile.metrics)

        def metrics() -> str:
            snapshot = source.fetch(3600)
            with_data = sum(1 for series in snapshot.series.values() if series.values)
            return f"{len(snapshot.series)} series ({with_data} with data in the last hour) in {snapshot.api_calls} call(s)"

        attempt("metrics", metrics)
    if profile.alarms:
        from services.aws.alarms import AlarmsSource

        alarms_source = AlarmsSource(session, profile.alarms)

        def alarms() -> str:
            found = alarms_source.fetch()
            firing = sum(1 for alarm in found if alarm.state == "ALARM")
            return f"{len(found)} alarms, {firing} in ALARM"

        attempt("alarms", alarms)
    for log in profile.logs:
        def probe_group(group: str = log.group) -> str:
            session.call("logs", "filter_log_events", logGroupName=group, limit=1)
            return "readable"

        attempt(f"logs {log.group}", probe_group)
    return results


def check_engines(profile: Profile) -> list[SourceCheck]:
    """[docker], [postgres], Prometheus tiles and each [[health]]; the drivers load only if the profile has them."""
    from services.errors import SourceError
    from services.models import SourceCheck

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
    if profile.prometheus is not None and any(spec.source == "prometheus" for spec in profile.tiles):
        from services.engines.prometheus_metrics import PrometheusMetrics

        tiles = PrometheusMetrics(profile.prometheus.url, profile.metrics)
        try:
            hour = tiles.fetch(3600)
            with_data = sum(1 for series in hour.series.values() if series.values)
            wrong = [f"{metric_id}: {series.error}" for metric_id, series in hour.series.items() if series.error]
            results.append(SourceCheck("prometheus", not wrong, f"{profile.prometheus.url}: {len(hour.series)} tiles "
                                       f"({with_data} with data in the last hour) in {hour.api_calls} queries"
                                       + "".join(f"; {line}" for line in wrong)))
        except SourceError as error:
            results.append(SourceCheck("prometheus", False, f"{profile.prometheus.url}: {error}"))
    for spec in profile.health:
        from services.engines.health import HealthProbe

        result = HealthProbe(spec).check()
        latency = f" in {result.latency_ms:.0f} ms" if result.latency_ms is not None else ""
        detail = f"{spec.url}: {'HTTP ' + str(result.status) if result.status else ''}{latency}"
        if result.matched is not None or not result.ok:
            detail += f", {result.detail}" if result.status else f" {result.detail}"
        results.append(SourceCheck(f"health {spec.name}", result.ok, detail.replace(": ,", ":")))
    return results
