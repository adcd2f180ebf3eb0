"""``cockpit check``: try each configured source once, one line each."""
from __future__ import annotations

from collections.abc import Callable

from services.aws.session import AwsSession, AwsTarget
from services.errors import SourceError
from services.models import SourceCheck
from services.profile import Profile


def check_sources(profile: Profile, target: AwsTarget) -> list[SourceCheck]:
    session = AwsSession(target) if profile.has_aws else None
    results: list[SourceCheck] = []

    def attempt(name: str, probe: Callable[[], str]) -> None:
        try:
            results.append(SourceCheck(name, True, probe()))
        except SourceError as error:
            results.append(SourceCheck(name, False, str(error)))

    if profile.has_aws:
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
    from tui.cli.check_engines import check_engines

    results.extend(check_engines(profile))  # [docker], [postgres], [[health]]
    return results


def run_check(profile: Profile, target: AwsTarget) -> int:
    results = check_sources(profile, target)
    width = max((len(result.source) for result in results), default=10)
    for result in results:
        print(f"{'ok  ' if result.ok else 'FAIL'}  {result.source:<{width}}  {result.detail}")
    if not results:
        print("nothing to check: the profile configures no source")
    return 0 if all(result.ok for result in results) else 1
