"""Tiles in each band, read off the screen at 80×24 and 200×50; only changed cells repaint."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from textual.app import App, ComposeResult

from tests.support.screen import screen_text
from widgets.metric_grid import MetricGrid
from widgets.metric_tile import MetricTile, TileReading

START = 1_700_000_000.0
TIMES = tuple(START + 60 * i for i in range(60))

READINGS = {
    "normal": TileReading(label="Processing duration", value_text="23.6 s", band="normal", history=(20000.0,) * 60,
                          times=TIMES, start=START, end=START + 3600, alert=60000, critical=240000,
                          when="19:51", limits="▲1 min ✖4 min"),
    "alert": TileReading(label="Error rate", value_text="7.0%", band="alert", history=(1.0,) * 59 + (7.0,),
                         times=TIMES, start=START, end=START + 3600, alert=5, critical=10, when="19:51",
                         limits="▲5% ✖10%"),
    "critical": TileReading(label="SQS message failures", value_text="9", band="critical", history=(0.0,) * 59 + (9.0,),
                            times=TIMES, start=START, end=START + 3600, alert=1, critical=5, when="19:50",
                            limits="▲1 ✖5"),
    "below": TileReading(label="File processing rate", value_text="0", band="critical", history=(30.0,) * 59 + (0.0,),
                         times=TIMES, start=START, end=START + 3600, critical=0.5, direction="below", when="19:51",
                         limits="✖<0.5"),
    "empty": TileReading(label="Throttles", value_text="—", band="unknown", start=START, end=START + 3600,
                         note="no data since 12:03"),
}


class TileApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricGrid(*(MetricTile(reading, metric_id=key, id=f"tile-{key}") for key, reading in READINGS.items()))

    def on_resize(self) -> None:
        self.query_one(MetricGrid).reflow(self.size.width, max_rows=4)


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_each_band_reads_on_screen(size: tuple[int, int]) -> None:
    app = TileApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
        grid = app.query_one(MetricGrid)
        assert grid.columns == (3 if size[0] == 80 else 5)
        for label in ("Processing duration", "Error rate", "SQS message failures", "File processing rate", "Throttles"):
            assert label in text
        assert re.search(r"Processing duration +ok", text)
        if size[0] == 200:
            assert "▲ ALERT" in text and text.count("✖ CRIT") == 2
        else:  # 24 cells: a long label keeps its room, the band shrinks to its sign
            assert re.search(r"Error rate +▲ ALERT", text) and re.search(r"SQS message failures +✖\n", text)
        assert " 23.6 s" in text and " 7.0%" in text and " 9 " in text
        assert "no data since 12:03" in text and "Throttles" in text
        empty = app.query_one("#tile-empty", MetricTile)
        assert empty.row_texts(30)[2].plain == ""  # no sparkline drawn for no data: never a row of zeros
        assert "▁" in text and "█" in text
        assert "19:51" in text
        if size[0] == 200:
            assert "▲1 min ✖4 min" in text and "✖<0.5" in text  # wide tiles show their thresholds


async def test_a_new_value_repaints_only_the_cells_that_changed() -> None:
    app = TileApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tile = app.query_one("#tile-alert", MetricTile)
        tile.reading = tile.reading  # equal: nothing at all
        assert tile.repainted == []
        reading = tile.reading
        tile.reading = replace(reading, value_text="7.2%", history=(*reading.history[:-1], 7.2))
        rows = {row for row, _, _ in tile.repainted}
        assert rows == {1}  # the value row; the sparkline's last bar is as tall as before
        assert all(last - first < 8 for _, first, last in tile.repainted)
        await pilot.pause()
        assert "7.2%" in screen_text(app)
        tile.reading = replace(reading, value_text="11.0%", band="critical", history=(*reading.history[:-1], 11.0))
        assert {row for row, _, _ in tile.repainted} == {0, 1, 2}  # the band's mark, the value, the last bar
        width = tile.size.width
        assert all(last - first < width - 1 for row, first, last in tile.repainted if row == 2)


async def test_arrow_keys_move_between_tiles_and_enter_asks_for_the_detail() -> None:
    selected: list[str] = []

    class Recording(TileApp):
        def on_metric_tile_selected(self, message: MetricTile.Selected) -> None:
            selected.append(message.metric_id)

    app = Recording()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#tile-normal", MetricTile).focus()
        await pilot.press("right", "down")  # 3 columns at 80: right to "alert", down to the second row
        assert app.focused is app.query_one("#tile-empty", MetricTile)
        await pilot.press("enter")
        await pilot.pause()
        assert selected == ["empty"]
