"""FilterLogEventsTail against moto's server: new, late, paged and new-stream events, each once."""
from __future__ import annotations

import time
from typing import Any

from services.aws.log_tail import FilterLogEventsTail

GROUP = "/aws/lambda/tail-test"


def _put(logs, stream: str, stamps_and_messages: list[tuple[int, str]]) -> None:
    logs.put_log_events(logGroupName=GROUP, logStreamName=stream,
                        logEvents=[{"timestamp": t, "message": m} for t, m in stamps_and_messages])


def test_each_event_once_including_late_ones_new_streams_and_pages(aws_session, boto) -> None:
    logs = boto("logs")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="a")
    now = int(time.time() * 1000)
    _put(logs, "a", [(now - 5000 + i, f"first-{i}") for i in range(5)])
    tail = FilterLogEventsTail(aws_session, [GROUP], since_seconds=60, lookback_seconds=60)
    assert [event.message for event in tail.poll()] == [f"first-{i}" for i in range(5)]
    assert tail.poll() == []  # nothing new: nothing repeated

    # Same millisecond as the newest seen, late (older timestamp), a new stream.
    _put(logs, "a", [(now - 5000 + 4, "same-ms"), (now - 3000, "after")])
    logs.create_log_stream(logGroupName=GROUP, logStreamName="b")
    _put(logs, "b", [(now - 4500, "late-in-new-stream")])
    assert sorted(event.message for event in tail.poll()) == ["after", "late-in-new-stream", "same-ms"]
    assert tail.poll() == []

    # A burst bigger than one page of moto's (it pages at 10,000 by default; ask for small pages).
    _put(logs, "b", [(now - 2000 + i, f"burst-{i}") for i in range(250)])
    seen_pages: list[int] = []
    client = aws_session.client("logs")

    def small_pages(params: dict[str, Any], **_: Any) -> None:
        params.update(limit=100)
        seen_pages.append(1)

    client.meta.events.register("provide-client-params.logs.FilterLogEvents", small_pages)
    burst = tail.poll()
    assert [event.message for event in burst] == [f"burst-{i}" for i in range(250)]
    assert len(seen_pages) >= 3
    assert tail.calls >= 6
    assert len({event.event_id for event in burst}) == 250


def test_ids_older_than_the_window_are_forgotten(aws_session, boto) -> None:
    logs = boto("logs")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="a")
    now = int(time.time() * 1000)
    _put(logs, "a", [(now - 50_000 + i * 1000, f"m{i}") for i in range(40)])
    tail = FilterLogEventsTail(aws_session, [GROUP], since_seconds=60, lookback_seconds=10)
    assert len(tail.poll()) == 40
    # Only events within 10 s of the newest are remembered; the window re-reads no more.
    assert tail.remembered() == 11
    assert tail.window_start(GROUP) == now - 50_000 + 39_000 - 10_000


def test_a_missing_group_is_bad_input(aws_session) -> None:
    from services.errors import BadInput

    tail = FilterLogEventsTail(aws_session, ["/no/such/group"])
    try:
        tail.poll()
    except BadInput as error:
        assert "ResourceNotFoundException" in str(error)
    else:
        raise AssertionError("a missing group must raise BadInput")
