"""An HTTP 500 is the endpoint failing: a server error, retried with backoff, never "not supported".

Only an answer that says so (a 501, an error code such as NotImplemented or
UnknownOperationException) makes an operation unsupported. The 500s come from
``tests/support/fault_proxy.py`` in front of the real moto server, in each wire protocol it speaks,
with the error document AWS sends (InternalFailure); and from moto itself, whose crash is a
bare web page.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from textual.message import Message

from services.aws.metrics import MetricsSource
from services.aws.session import AwsSession
from services.errors import ServerError, Unsupported
from services.profile.model import MetricSpec
from tests.support import fault_proxy
from tests.support.fault_proxy import FaultProxy
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.messages import SourceFailed
from tui.screens.dashboard import DashboardScreen
from widgets.pane_title import PaneTitle

INTERNAL = ("InternalFailure", "The server encountered an internal error", 500)
NOT_IMPLEMENTED = ("NotImplemented", "This operation is not implemented by this endpoint", 501)
SAID = "server error (HTTP 500 InternalFailure): The server encountered an internal error"


@pytest.fixture
def proxy(moto: str, monkeypatch: pytest.MonkeyPatch):
    # The proxy answers a mode's (code, message, status) in each protocol's own error format.
    monkeypatch.setitem(fault_proxy.FAULTS, "internal", INTERNAL)
    monkeypatch.setitem(fault_proxy.FAULTS, "not-implemented", NOT_IMPLEMENTED)
    proxy = FaultProxy(moto)
    yield proxy
    proxy.close()


# (client, the proxy's signing name, operation): one per wire protocol the proxy speaks.
CALLS = [("cloudwatch", "monitoring", "list_metrics"),  # rpc-v2-cbor
         ("logs", "logs", "describe_log_groups"),  # json
         ("lambda", "lambda", "list_functions"),  # rest-json
         ("sts", "sts", "get_caller_identity")]  # query


@pytest.mark.parametrize("service, signing, operation", CALLS, ids=[call[0] for call in CALLS])
def test_a_500_is_a_server_error_retried_with_backoff_in_every_protocol(service, signing, operation, aws_target,
                                                                        proxy) -> None:
    session = AwsSession(replace(aws_target, endpoint_url=proxy.url))
    proxy.fault("internal", signing)
    with pytest.raises(ServerError) as raised:
        session.call(service, operation)
    assert str(raised.value) == SAID
    assert raised.value.retry and not isinstance(raised.value, Unsupported)
    assert sum(proxy.faulted.values()) == 4  # the request and botocore's 3 retries, with backoff
    proxy.clear()
    assert isinstance(session.call(service, operation), dict)  # not remembered as unsupported: it answers now


@pytest.mark.parametrize("service, signing, operation", CALLS, ids=[call[0] for call in CALLS])
def test_an_answer_that_says_not_implemented_is_unsupported(service, signing, operation, aws_target, proxy) -> None:
    session = AwsSession(replace(aws_target, endpoint_url=proxy.url))
    proxy.fault("not-implemented", signing)
    with pytest.raises(Unsupported) as raised:
        session.call(service, operation)
    assert str(raised.value).startswith("not supported by this endpoint: ")


def _metric_data(session: AwsSession, stat: str) -> dict:
    now = datetime.now(UTC)
    query = {"Id": "a", "MetricStat": {"Metric": {"Namespace": "App", "MetricName": "Latency"}, "Period": 60, "Stat": stat}}
    return session.call("cloudwatch", "get_metric_data", MetricDataQueries=[query],
                        StartTime=now - timedelta(hours=1), EndTime=now + timedelta(minutes=1))


def test_a_bare_500_page_from_an_operation_that_answered_before_is_a_server_error(aws_session, boto) -> None:
    """moto crashes on a statistic it cannot compute: a web page, not an AWS error. The operation exists
    (it just answered), so this is the endpoint failing, and the next good request still goes out."""
    boto("cloudwatch").put_metric_data(Namespace="App", MetricData=[
        {"MetricName": "Latency", "Value": 3.0, "Timestamp": datetime.now(UTC) - timedelta(minutes=5)}])
    assert _metric_data(aws_session, "Maximum")["MetricDataResults"][0]["Values"] == [3.0]
    with pytest.raises(ServerError) as raised:
        _metric_data(aws_session, "Maximun")
    assert str(raised.value).startswith("server error (HTTP 500): "), str(raised.value)
    assert "not supported" not in str(raised.value) and "<html" not in str(raised.value)
    assert _metric_data(aws_session, "Maximum")["MetricDataResults"][0]["Values"] == [3.0]


def test_an_operation_moto_never_implemented_stays_unsupported(aws_session, boto) -> None:
    boto("cloudwatch").put_metric_alarm(AlarmName="a", Namespace="App", MetricName="Latency", Statistic="Maximum",
                                        Period=60, EvaluationPeriods=1, Threshold=1,
                                        ComparisonOperator="GreaterThanThreshold")
    with pytest.raises(Unsupported):
        aws_session.call("cloudwatch", "describe_alarm_history", AlarmName="a")


def test_the_metrics_source_raises_the_server_error(aws_target, boto, proxy) -> None:
    spec = MetricSpec(id="latency", namespace="App", metric="Latency", stat="Maximum", period=60)
    source = MetricsSource(AwsSession(replace(aws_target, endpoint_url=proxy.url)), [spec])
    assert source.fetch(3600).series["latency"].values == ()
    proxy.fault("internal", "monitoring", "GetMetricData")
    with pytest.raises(ServerError, match=r"^server error \(HTTP 500 InternalFailure\): "):
        source.fetch(3600)


async def test_the_metrics_pane_says_server_error_and_backs_off_then_heals(demo_profile, aws_target, sentra,
                                                                          proxy) -> None:
    failures: list[SourceFailed] = []
    app = CockpitApp(demo_profile, replace(aws_target, endpoint_url=proxy.url))

    def hook(message: Message) -> None:
        if isinstance(message, SourceFailed):
            failures.append(message)

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        title = app.screen.query_one("#metrics-title", PaneTitle)
        await until(pilot, lambda: "tiles" in title.status and title.level == "ok", timeout=60, what="metrics")
        proxy.fault("internal", "monitoring", "GetMetricData")
        await until(pilot, lambda: sum(m.source == "metrics" for m in failures) >= 2, timeout=90,
                    what=lambda: f"two metrics failures: {title.status}")
        assert title.status.startswith(SAID) and "retrying in" in title.status, title.status
        assert title.level == "warning"  # waiting can fix it, unlike "not supported"
        waits = [m.retry_in or 0 for m in failures if m.source == "metrics"]
        assert waits[1] > waits[0], waits
        proxy.clear()
        await until(pilot, lambda: title.level == "ok" and "tiles" in title.status, timeout=60,
                    what=lambda: f"metrics healed: {title.status}")
