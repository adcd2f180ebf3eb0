"""An endpoint that does not run Logs Insights queries (moto: raw events) is said to, not shown as success (Keys 5)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Static

from services.aws.insights import InsightsClient, output_fields
from tests.support.insights import open_insights
from tests.support.waiting import until
from tui.app import CockpitApp
from widgets.pane_title import PaneTitle
from widgets.query_editor import QueryEditor

GROUP = "/aws/lambda/customer-sentra-scanner"
NOT_RUN = "it does not run Logs Insights queries"


@pytest.mark.parametrize(("query", "expected"), [
    ("fields @timestamp, @message | sort @timestamp desc | limit 5", (["@timestamp", "@message"], False)),
    ("stats count(*) by bin(5m)", (["count(*)", "bin(5m)"], True)),
    (("fields @timestamp, @duration\n| filter @message like /a|b/\n"
      "| stats avg(@duration) as avg_ms, max(@duration) by bin(5m) as t, @logStream"),
     (["avg_ms", "max(@duration)", "t", "@logStream"], True)),
    ("fields @timestamp, concat(a, ', ', b) as ab | display ab, @timestamp", (["ab", "@timestamp"], False)),
    ("stats count(*) as triggers by rule_name | sort triggers desc", (["triggers", "rule_name"], True)),
    ('fields @message # pick | not a pipe\n| filter @message like "a|b"', (["@message"], False)),
    ("fields @timestamp | parse @message '* took *ms' as verb, ms", (["@timestamp", "verb", "ms"], False)),
])
def test_the_fields_a_query_outputs(query: str, expected: tuple[list[str], bool]) -> None:
    assert output_fields(query) == expected


def _run(aws_session, query: str):
    client = InsightsClient(aws_session)
    now = datetime.now(UTC)
    query_id = client.start([GROUP], query, now - timedelta(hours=1), now + timedelta(minutes=1))
    return client.results(query_id, query)


def test_stats_answered_with_raw_events_is_named(aws_session, sentra) -> None:
    progress = _run(aws_session, "stats count(*) by bin(5m)")
    assert progress.status == "Complete" and progress.rows  # moto answers "Complete" with raw events
    assert progress.warning is not None
    assert "the endpoint returned raw events, not the query's fields: count(*), bin(5m)" in progress.warning
    assert NOT_RUN in progress.warning


def test_a_filter_the_rows_do_not_pass_is_named(aws_session, sentra) -> None:
    progress = _run(aws_session, "fields @timestamp, @message | filter @message like /ERROR/ | limit 50")
    failing = [row for row in progress.rows if "ERROR" not in row["@message"]]
    assert failing  # moto ignores the filter
    assert progress.warning is not None and "filter @message like /ERROR/" in progress.warning
    assert f"{len(failing)} of {len(progress.rows)} rows" in progress.warning and NOT_RUN in progress.warning


def test_a_query_the_endpoint_does_run_has_no_warning(aws_session, sentra) -> None:
    assert _run(aws_session, "fields @timestamp, @message | sort @timestamp desc | limit 20").warning is None


async def test_the_screen_says_the_endpoint_did_not_run_the_query(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_insights(app, pilot)
        title = screen.query_one("#insights-title", PaneTitle)
        screen.query_one(QueryEditor).load_text("stats count(*) by bin(5m)")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.current is not None and screen.current.status == "Complete", what="results")
        await until(pilot, lambda: title.level == "warning", what=lambda: f"a warning, not {title.status!r}")
        assert "not run by the endpoint" in title.status and "raw rows" in title.status
        notice = screen.query_one("#insights-warning", Static)
        assert notice.display and "count(*), bin(5m)" in str(notice.render()) and NOT_RUN in str(notice.render())
        assert notice.region.bottom <= 23 and notice.region.height >= 2  # on screen at 80×24, wrapped, not cut
        # A query the endpoint runs clears it.
        screen.query_one(QueryEditor).load_text("fields @timestamp, @message | limit 5")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(screen.runs) == 2 and screen.runs[1].status == "Complete", what="second run")
        await until(pilot, lambda: title.level == "ok", what=lambda: f"no warning, not {title.status!r}")
        assert not notice.display
