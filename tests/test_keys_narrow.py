"""The dashboard at 80×24 is usable (issue "Keys" 18): the footer starts with q and ?, alarm reasons
and log lines read; at 120×40 the alarms still show what they watch. Seeded Sentra scenario on moto."""
from __future__ import annotations

import re

import pytest

from tests.support.apps import current_screen
from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.panes.alarms import compact_reason
from tui.panes.logs import LogsPane
from tui.screens.dashboard import DashboardScreen
from widgets.alarm_table import AlarmTable
from widgets.log_format import compact_runtime_line


async def _ready(app: CockpitApp, pilot) -> DashboardScreen:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
    screen = current_screen(app, DashboardScreen)
    table, logs = screen.query_one(AlarmTable), screen.query_one(LogsPane)
    await until(pilot, lambda: len(table.rows_shown) == 4 and logs.tail.line_count > 20, what="alarms and logs")
    await pilot.pause()
    return screen


async def test_the_footer_starts_with_quit_and_help_whatever_has_focus(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        for key in ("m", "a", "f"):  # a tile, the alarm table, the log tail
            await pilot.press(key)
            await pilot.pause()
            footer = screen_text(app).splitlines()[-1]
            assert re.match(r"\s*q Quit\s+\? Help\s", footer), (key, footer)


async def test_alarm_reasons_read_at_80_columns(demo_profile, aws_target, sentra, boto) -> None:
    boto("cloudwatch").set_alarm_state(
        AlarmName="sentra-lambda-duration", StateValue="ALARM",
        StateReason="Threshold Crossed: 1 out of the last 1 datapoints [287412.0 (02/12/26 06:36:00)] was greater "
                    "than the threshold (240000.0) (minimum 1 datapoint for OK -> ALARM transition).")
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(app, pilot)
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if re.match(r"\s+state\s+alarm", line))
        assert "watches" not in header  # no room for it: an empty column is not shown
        for row in screen.query_one(AlarmTable).rows_shown:
            line = next(line for line in lines if row.name in line)
            reason = line.split(row.since, 1)[1].strip()
            assert len(reason) >= 30 or not reason.endswith("…"), line
        firing = next(line for line in lines if "sentra-lambda-duration" in line)
        assert "[287412] > 240000" in firing  # the datapoint and the threshold, both readable


async def test_at_120_columns_the_alarms_show_what_they_watch(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        text = screen_text(app)
        assert re.search(r"state\s+alarm\s+since\s+reason\s+watches", text)
        assert "Duration Maximum" in text


async def test_log_lines_read_at_80_columns(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        shown = [line for line in screen_text(app).splitlines() if "[INFO]" in line]
        assert shown and all(re.search(r"\[INFO\] [0-9a-f]{8} (Scanning|Successfully processed) s3://", line) for line in shown)


@pytest.mark.parametrize(("raw", "compact"), [
    ("Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (240000.0).",
     "1 datapoint [0] ≤ 240000"),
    (("Threshold Crossed: 3 out of the last 5 datapoints [12.5 (02/12/26 06:36:00), 11.0 (02/12/26 06:35:00)] was "
      "less than or equal to the threshold (20.0) (minimum 3 datapoints for OK -> ALARM transition)."),
     "3/5 datapoints [12.5, 11] ≤ 20"),
    ("Unchecked: Initial alarm creation", "Unchecked: Initial alarm creation"),
])
def test_compact_reason(raw: str, compact: str) -> None:
    assert compact_reason(raw) == compact


@pytest.mark.parametrize(("raw", "compact"), [
    ("[ERROR]\t2026-12-02T06:41:55.249154Z\t82f0779d-b86b-b4d6-c713-289150505652\tNoSuchKey: s3://b/k",
     "[ERROR] 82f0779d NoSuchKey: s3://b/k"),
    ("2026-12-02T06:41:55.249Z\t82f0779d-b86b-b4d6-c713-289150505652\tINFO\tcalling S3",  # the Node.js runtime
     "[INFO] 82f0779d calling S3"),
    ("START RequestId: 82f0779d-b86b-b4d6-c713-289150505652 Version: $LATEST", "START 82f0779d $LATEST"),
    ("END RequestId: 82f0779d-b86b-b4d6-c713-289150505652", "END 82f0779d"),
    ("plain text line", None),
])
def test_compact_runtime_line(raw: str, compact: str | None) -> None:
    assert compact_runtime_line(raw) == compact
