"""Live Tail parsing and the auto source against moto's server; boto3-level Stubber where no server does it."""
from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime

import pytest

from services.aws import tail_source
from services.aws.live_tail import LiveTail, MergedDedupe
from services.aws.log_tail import FilterLogEventsTail
from services.aws.tail_source import LogTailSource
from services.errors import SourceError, Throttled
from services.models import LogEvent
from services.rate import RateBudget
from tests.support.waiting import wait_for

GROUP = "/aws/lambda/live-test"
OTHER = "/aws/lambda/live-other"


@pytest.fixture(autouse=True)
def _forget_live_support():
    tail_source._live_unsupported.clear()
    tail_source._live_proven.clear()
    yield
    tail_source._live_unsupported.clear()
    tail_source._live_proven.clear()


def _seed(boto, count: int, group: str = GROUP, stream: str = "s1", start: int | None = None) -> int:
    logs = boto("logs")
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    start = start or int(time.time() * 1000) - 30_000
    for offset in range(0, count, 5000):
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": start + i, "message": f"m{i}"}
                                       for i in range(offset, min(count, offset + 5000))])
    return start


def test_live_tail_parses_the_servers_event_stream(aws_session, boto) -> None:
    # moto's StartLiveTail answers one real event stream (sessionStart, one sessionUpdate
    # with what the groups hold, then the end): botocore's EventStream parsing end to end.
    # moto 5.2.5 resolves every identifier to the account's last-created group: ours, and
    # the other group (created first) must not leak in.
    _seed(boto, 2, group=OTHER, stream="o1")
    _seed(boto, 3)
    live = LiveTail(aws_session, [GROUP])
    live.start()
    got: list[LogEvent] = []

    def drained() -> bool:
        try:
            got.extend(live.poll())
        except SourceError as error:
            assert "closed by the endpoint" in str(error)
            return True
        return False

    wait_for(drained, what="the session's end")
    assert [(event.group, event.stream, event.message) for event in got] == [
        (GROUP, "s1", "m0"), (GROUP, "s1", "m1"), (GROUP, "s1", "m2")]
    assert len({event.event_id for event in got}) == 3 and all(e.event_id.startswith("live:") for e in got)
    assert live.sampled is False


def test_live_tail_reports_sampling(aws_session, boto) -> None:
    _seed(boto, 600)  # above 500 events a session update is sampled
    live = LiveTail(aws_session, [GROUP])
    live.start()
    got: list[LogEvent] = []

    def drained() -> bool:
        try:
            got.extend(live.poll())
        except SourceError:
            return True
        return False

    wait_for(drained, what="the session's end")
    assert live.sampled is True and len(got) == 500


def test_auto_source_falls_back_to_polling_and_delivers_each_event_once(aws_session, boto) -> None:
    start = _seed(boto, 20)
    source = LogTailSource(aws_session, [GROUP], since_seconds=120, lookback_seconds=60, min_live_seconds=5)
    first = source.poll()
    assert [event.message for event in first.events] == [f"m{i}" for i in range(20)]
    assert source.live is not None  # moto answers StartLiveTail…
    batches = [first]

    def fell_back() -> bool:
        batches.append(source.poll())
        return source.live is None

    wait_for(fell_back, what="the fallback")
    assert "no live tail here" in source.status()  # …but closes it at once: remembered as unsupported
    assert ("session closed after" in tail_source._live_unsupported[(aws_session.target.endpoint_url, "us-east-1")])
    logs = boto("logs")
    logs.put_log_events(logGroupName=GROUP, logStreamName="s1",
                        logEvents=[{"timestamp": start + 5, "message": "late"}, {"timestamp": start + 25, "message": "new"}])

    def new_arrived() -> bool:
        batches.append(source.poll())
        return any("new" in [e.message for e in b.events] for b in batches)

    wait_for(new_arrived, what="the new events")
    messages = [event.message for batch in batches for event in batch.events]
    assert sorted(messages) == sorted([f"m{i}" for i in range(20)] + ["late", "new"])
    # A second source on the same endpoint does not try again.
    again = LogTailSource(aws_session, [GROUP], since_seconds=120)
    again.poll()
    assert again.live is None and again.status().startswith("polling")


def test_a_refused_start_falls_back_at_once(aws_session, boto) -> None:
    from botocore.stub import Stubber

    _seed(boto, 3)
    stubber = Stubber(aws_session.streaming_client("logs"))
    stubber.add_client_error("start_live_tail", service_error_code="AccessDeniedException",
                             service_message="not allowed: logs:StartLiveTail", http_status_code=400)
    with stubber:
        source = LogTailSource(aws_session, [GROUP], since_seconds=120)
        batch = source.poll()
    assert len(batch.events) == 3 and source.live is None
    assert "no live tail here" in batch.status
    stubber.assert_no_pending_responses()
    forced = LogTailSource(aws_session, [GROUP], mode="live", since_seconds=120)
    with pytest.raises(SourceError, match="live tail unavailable"):
        forced.poll()


def test_live_sessions_renew_without_gap_or_repeat(aws_session, boto) -> None:
    # Real sessions last 3 h: open-ended sessions stand in for them here. The first
    # delivers A and B; past renew_after a second one opens while the first is still
    # open, delivers B again (the overlap) and C; the first closes after the overlap.
    from services.aws.live_tail import LiveTailSession, _Update

    _seed(boto, 1)
    now = datetime.now(UTC)
    script = [["A", "B"], ["B", "C"]]
    opened: list[LiveTailSession] = []

    class OpenEnded(LiveTailSession):
        def open(self) -> None:
            opened.append(self)
            self.opened = self.clock()
            self.out.put(_Update(self.name, [], started=True))
            self.started = True
            events = [LogEvent("", GROUP, "s1", now.replace(microsecond=ord(m) * 1000), m) for m in script.pop(0)]
            self.out.put(_Update(self.name, events))

    clock = [0.0]
    live = LiveTail(aws_session, [GROUP], renew_after=100, overlap=5, clock=lambda: clock[0], opener=OpenEnded)
    live.start()
    assert [event.message for event in live.poll()] == ["A", "B"]
    clock[0] = 101  # due: a new session opens before the old one is closed
    assert [event.message for event in live.poll()] == ["C"]
    assert len(opened) == 2 and not opened[0].ended  # both open during the overlap
    clock[0] = 107
    assert live.poll() == []
    assert opened[0].ended and not opened[1].ended and live.sessions == [opened[1]]
    live.close()
    assert opened[1].ended


def test_merged_dedupe_counts_identical_events() -> None:
    when = datetime.now(UTC)
    event = LogEvent("", GROUP, "s", when, "same")
    dedupe = MergedDedupe()
    assert dedupe.admit("a", event) and dedupe.admit("a", event)  # two identical events from one source
    assert not dedupe.admit("b", event) and not dedupe.admit("b", event)  # the other source's copies
    assert dedupe.admit("b", event)  # a third one
    dedupe.prune(int(when.timestamp() * 1000) + 1)
    assert len(dedupe) == 0


def test_throttling_slows_every_tail_and_loses_nothing(aws_session, boto) -> None:
    from botocore.stub import Stubber

    _seed(boto, 4)
    budget = RateBudget(50)
    tail = FilterLogEventsTail(aws_session, [GROUP], since_seconds=120, budget=budget)
    real = boto("logs").filter_log_events(logGroupName=GROUP, startTime=tail.window_start(GROUP))
    stubber = Stubber(aws_session.client("logs"))
    stubber.add_client_error("filter_log_events", service_error_code="ThrottlingException", http_status_code=400)
    page = {key: real[key] for key in ("events", "searchedLogStreams")}
    stubber.add_response("filter_log_events", page)
    with stubber:
        events = tail.poll()
    assert [event.message for event in events] == ["m0", "m1", "m2", "m3"]
    assert tail.throttled == 1 and tail.calls == 1
    assert budget._slowdown_until > 0  # everyone sharing the budget waits


def test_a_pass_cut_short_commits_nothing(aws_session, boto) -> None:
    from botocore.stub import Stubber

    _seed(boto, 6)
    _seed(boto, 2, group=OTHER, stream="o1")
    tail = FilterLogEventsTail(aws_session, [GROUP, OTHER], since_seconds=120, budget=RateBudget(50), page_size=3)
    client = boto("logs")
    first_page = client.filter_log_events(logGroupName=GROUP, startTime=tail.window_start(GROUP), limit=3)
    stubber = Stubber(aws_session.client("logs"))
    stubber.add_response("filter_log_events", {"events": first_page["events"], "nextToken": first_page["nextToken"]})
    stubber.add_client_error("filter_log_events", service_error_code="InvalidParameterException",
                             http_status_code=400)
    with stubber, pytest.raises(SourceError):
        tail.poll()
    assert tail.remembered() == 0  # page one was not committed: it is read again
    events = tail.poll()
    assert sorted((e.group, e.message) for e in events) == sorted(
        [(GROUP, f"m{i}") for i in range(6)] + [(OTHER, "m0"), (OTHER, "m1")])
    assert tail.poll() == []
    assert not isinstance(SourceError("x"), Throttled)
