"""The tail view with plain data: hostile content, filter, follow/pause, jump, bounded buffer."""
from __future__ import annotations

import time

from textual.app import App, ComposeResult

from services.visible_text import visible
from tests.support.waiting import until
from widgets.log_format import fold_report, pretty_json, severity, short_stream
from widgets.log_tail import LogTail, TailLine

NOW = time.time()


class TailApp(App):
    def __init__(self, max_lines: int = 1000) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield LogTail(max_lines=self.max_lines, id="tail")

    def on_log_tail_save_requested(self, message: LogTail.SaveRequested) -> None:
        self.messages.append(message)

    def on_log_tail_line_selected(self, message: LogTail.LineSelected) -> None:
        self.messages.append(message)


def _lines(count: int, start: int = 0, text: str = "line") -> list[TailLine]:
    return [TailLine(timestamp=NOW + i, source="svc", message=f"{text} {i}", stream="s", event_id=str(i))
            for i in range(start, start + count)]


def _screen_text(app: App) -> str:
    tail = app.query_one(LogTail)
    return "\n".join(tail.render_line(y).text for y in range(tail.size.height))


def test_format_helpers() -> None:
    assert visible("a\x1b[31mb\x07\tc\nd\ud800") == "a\\x1b[31mb\\x07  c ⏎ d\ufffd"
    assert short_stream("2026/01/02/[$LATEST]3f2a9c01deadbeef") == "3f2a9c01"
    assert short_stream("a-very-long-stream-name") == "…am-name"
    assert fold_report("REPORT RequestId: x\tDuration: 1234.5 ms\tBilled Duration: 1235 ms\tMemory Size: 512 MB\t"
                       "Max Memory Used: 300 MB") == "⏱ 1,234 ms · 300/512 MB"
    assert fold_report("START RequestId: x") is None
    assert pretty_json('INFO {"a": 1, "b": [2]}') == 'INFO\n{\n  "a": 1,\n  "b": [\n    2\n  ]\n}'
    assert pretty_json("not json {") is None
    assert severity("x Task timed out after 300.00 seconds") == "timeout"
    assert severity("[ERROR] boom") == "error" and severity('{"level":"warn"}') == "warning"
    assert severity("[INFO] fine") == "info" and severity("END RequestId: 1") == "meta"


async def test_hostile_messages_are_shown_as_text() -> None:
    app = TailApp()
    async with app.run_test(size=(100, 12)) as pilot:
        tail = app.query_one(LogTail)
        hostile = ["[bold red]markup[/] [link=http://x]y[/link]", "\x1b[2J\x1b[H cleared? \x1b]52;c;ZXZpbA==\x07",
                   "nul\x00 bell\x07 del\x7f c1\x9b", "bad utf8 \ud83d\ude00 lone \udcff", "x" * 1_000_000,
                   "wide 日本語テキスト " * 20, "multi\nline\r\nmessage"]
        tail.append(TailLine(timestamp=NOW, source="evil", message=message) for message in hostile)
        await pilot.pause()
        text = _screen_text(app)
        assert "[bold red]markup[/]" in text  # markup shown, not applied
        assert "\\x1b[2J" in text and "\x1b" not in text and "\x07" not in text and "\x00" not in text
        assert "\ufffd" in text and "multi ⏎ line ⏎ message" in text
        assert "x" * 50 in text
        for y in range(tail.size.height):
            assert tail.render_line(y).cell_length == tail.size.width


async def test_filter_substring_and_regex_with_highlight() -> None:
    app = TailApp()
    async with app.run_test(size=(100, 12)) as pilot:
        tail = app.query_one(LogTail)
        tail.append(_lines(50))
        tail.append([TailLine(NOW, "svc", "ERROR timeout talking to db"), TailLine(NOW, "svc", "error: Timeout")])
        flt = tail.set_filter("TIMEOUT")
        assert flt is not None and tail.shown_count == 2 and tail.line_count == 52
        await pilot.pause()
        row = tail.render_line(0)
        highlighted = [segment for segment in row if segment.text.lower() == "timeout"]
        assert highlighted and highlighted[0].style is not None and highlighted[0].style.bgcolor is not None
        tail.set_filter(r"line [0-4]$", regex=True)
        assert [line.message for line in tail.shown_lines] == [f"line {i}" for i in range(5)]
        tail.append(_lines(1, start=3, text="line"))  # new lines are checked as they arrive
        assert tail.shown_count == 6
        bad = tail.set_filter("([", regex=True)
        assert bad is not None and bad.error.startswith("bad regex") and tail.shown_count == 0
        tail.set_filter("")
        assert tail.shown_count == tail.line_count == 53


async def test_follow_pause_resume_jump_copy_save_expand() -> None:
    app = TailApp()
    async with app.run_test(size=(100, 12)) as pilot:
        tail = app.query_one(LogTail)
        tail.focus()
        tail.append(_lines(100))
        await pilot.pause()
        assert tail.following and "line 99" in _screen_text(app)
        await pilot.press("up", "up")
        assert not tail.following and tail.cursor == 98
        tail.append(_lines(10, start=100))
        await pilot.pause()
        assert "line 109" not in _screen_text(app)  # paused: the view stays put
        await pilot.press("end")
        await until(pilot, lambda: "line 109" in _screen_text(app), what="following again")
        assert tail.following and tail.cursor is None
        assert tail.jump_to(NOW + 40.5)
        assert tail.cursor == 41 and not tail.following
        await pilot.pause()
        assert "line 41" in _screen_text(app)
        await pilot.press("c")
        assert app.clipboard == "line 41"
        await pilot.press("enter")
        await pilot.press("s")
        await until(pilot, lambda: len(app.messages) == 2, what="messages")
        selected, save = app.messages
        assert isinstance(selected, LogTail.LineSelected) and selected.line.message == "line 41"
        assert isinstance(save, LogTail.SaveRequested) and len(save.lines) == 110 and not save.filtered


async def test_the_ring_buffer_stays_bounded_and_renders_the_newest() -> None:
    app = TailApp(max_lines=500)
    async with app.run_test(size=(100, 12)) as pilot:
        tail = app.query_one(LogTail)
        for start in range(0, 5000, 250):
            tail.append(_lines(250, start=start))
        tail.set_filter("line 49")
        assert tail.line_count == 500 and tail.lines[0].message == "line 4500"
        assert [line.message for line in tail.shown_lines][:2] == ["line 4900", "line 4901"]
        tail.append(_lines(400, start=5000))  # filtered rows that left the ring are dropped too
        assert all(line.message.startswith("line 49") for line in tail.shown_lines)
        assert tail.shown_count == 100
        await pilot.pause()
        assert "line 4999" in _screen_text(app)
