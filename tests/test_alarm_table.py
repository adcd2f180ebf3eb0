"""The alarm table with plain rows: order, marks, cursor that follows its alarm, keys that post."""
from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import App, ComposeResult

from tests.support.screen import screen_text
from widgets.alarm_table import AlarmRow, AlarmTable
from widgets.metric_chart import ChartData, MetricChart

ROWS = [AlarmRow(name=f"app-{i}", state="OK", since="14:02:07", reason="fine", watches="M Sum > 5") for i in range(30)]


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.posted: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield AlarmTable(id="alarms")

    @on(AlarmTable.AckToggled)
    @on(AlarmTable.MetricWanted)
    @on(AlarmTable.PlaybookWanted)
    @on(AlarmTable.Opened)
    def record(self, message: AlarmTable.AlarmMessage) -> None:
        self.posted.append((type(message).__name__, message.name))


async def test_rows_marks_cursor_and_keys() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(AlarmTable)
        table.show(ROWS)
        table.focus()
        await pilot.pause()
        text = screen_text(app)
        assert "state  alarm" in text and "app-0 " in text and "app-29" not in text  # 12 rows tall: scrolls
        await pilot.press("end")
        assert table.selected_name == "app-29" and "app-29" in screen_text(app)
        await pilot.press("home", "down", "down")
        assert table.selected_name == "app-2"
        # app-5 fires: it moves to the top, highlighted; the cursor stays on app-2 (now fourth).
        fired = [replace(ROWS[5], state="ALARM", changed=True)] + [row for row in ROWS if row.name != "app-5"]
        table.show(fired)
        await pilot.pause()
        assert table.selected_name == "app-2" and table.cursor_row == 3
        first = screen_text(app).splitlines()[1]
        assert first.startswith("● ALARM") and "app-5" in first
        acked = [*fired[1:], replace(fired[0], changed=False, acked=True)]
        table.show(acked)
        await pilot.press("end")
        await pilot.pause()
        last = [line for line in screen_text(app).splitlines() if line.strip()][-1]
        assert last.startswith("✓ ALARM") and "app-5" in last  # acknowledged: at the bottom, marked
        await pilot.press("s", "m", "p", "enter")
        assert app.posted == [("AckToggled", "app-5"), ("MetricWanted", "app-5"), ("PlaybookWanted", "app-5"),
                              ("Opened", "app-5")]


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricChart()


async def test_the_chart_draws_its_thresholds_and_leaves_gaps_blank() -> None:
    app = ChartApp()
    async with app.run_test(size=(80, 12)) as pilot:
        chart = app.query_one(MetricChart)
        times = tuple(1_700_000_000.0 + 60 * i for i in range(30))  # 30 of the range's 60 minutes
        chart.data = ChartData(times=times, values=tuple(20_000.0 for _ in times), start=times[0],
                               end=times[0] + 3600, alert=60_000, critical=240_000, unit="ms")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert lines[0].lstrip().startswith("4.0 min┤┈┈") and any(line.lstrip().startswith("1.0 min┤") for line in lines)
        bottom = lines[10]
        assert bottom.lstrip().startswith("0 ms┤")
        plot = bottom.split("┤", 1)[1]
        assert " " not in plot[:30] and plot[40:].strip() == ""  # the hour's second half has no data
