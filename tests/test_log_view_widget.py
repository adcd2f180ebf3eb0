"""The composite log view with plain data: status line, filter prompt, jump, a pane's own prompt, save."""
from __future__ import annotations

from datetime import datetime

from textual.app import App, ComposeResult
from textual.reactive import reactive
from textual.widgets import Input

from tests.support.waiting import until
from widgets.log_tail import LogTail, TailLine
from widgets.log_view import LogView, parse_jump
from widgets.pane_title import PaneTitle

# Today's noon, local time: "12:05" then names a line whatever the hour the tests run.
NOON = datetime.now().astimezone().replace(hour=12, minute=0, second=0, microsecond=0).timestamp()
MESSAGES = ["GET /health 200", "ERROR db down", "GET /orders 200", "WARN slow", "ERROR retry failed",
            "GET /health 200", "POST /orders 201", "ERROR timeout", "GET /health 200", "done"]
LINES = [TailLine(timestamp=NOON + i * 60, source="svc", message=f"{m} #{i}") for i, m in enumerate(MESSAGES)]


class ViewApp(App):
    subject: reactive[str] = reactive("")

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[LogView.Answered] = []

    def compose(self) -> ComposeResult:
        yield LogView("LOGS", key="unit", save_name="unit", max_lines=100).data_bind(ViewApp.subject)

    def on_log_view_answered(self, message: LogView.Answered) -> None:
        self.answers.append(message)


def _parts(app: ViewApp) -> tuple[LogView, LogTail, Input, PaneTitle]:
    view = app.query_one(LogView)
    return view, view.tail, view.query_one(Input), app.query_one("#unit-title", PaneTitle)


async def test_the_status_line_says_what_the_pane_binds_and_counts_nothing_before_a_subject() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 16)) as pilot:
        view, _, _, title = _parts(app)
        zone = datetime.now().astimezone().strftime("%Z")
        view.source_status = "highlight a container to tail its log"
        assert title.status == f"highlight a container to tail its log · {zone}"
        app.subject = "svc"  # through data_bind
        await until(pilot, lambda: view.subject == "svc", what="the bound subject")
        view.append(LINES)
        view.note, view.source_status, view.level = "server filter 'x'", "polling", "warning"
        assert title.status == f"svc · 10 lines · server filter 'x' · following · polling · {zone}"
        assert title.level == "warning"
        assert [part.id for part in view.children] == ["unit-title", "unit", "unit-input"]


async def test_filter_narrows_regex_and_escape_restores() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 16)) as pilot:
        view, tail, prompt, title = _parts(app)
        app.subject = "svc"
        view.append(LINES)
        tail.focus()
        assert not prompt.has_class("-open")
        await pilot.press("slash", *"ERR")
        assert prompt.has_focus and prompt.has_class("-open")
        assert (prompt.region.height, prompt.region.bottom) == (1, 16)  # one borderless row at the bottom
        assert [line.message for line in tail.shown_lines] == ["ERROR db down #1", "ERROR retry failed #4",
                                                               "ERROR timeout #7"]
        assert title.status.startswith("svc · filter 'ERR': 3 of 10 · following")
        await pilot.press("ctrl+r", "backspace", "backspace", "backspace", *"^GET .* #[05]$")
        assert prompt.placeholder == "regex filter"
        assert [line.message for line in tail.shown_lines] == ["GET /health 200 #0", "GET /health 200 #5"]
        assert "regex '^GET .* #[05]$': 2 of 10" in title.status
        await pilot.press("enter")  # keeps the filter, back to the lines
        assert tail.has_focus and not prompt.has_class("-open") and tail.shown_count == 2
        await pilot.press("escape")  # on the tail, esc is not the prompt's
        assert tail.shown_count == 2
        await pilot.press("slash")
        assert prompt.value == "^GET .* #[05]$"
        await pilot.press("escape")
        assert tail.filter is None and tail.shown_count == 10 and tail.has_focus
        assert title.status.startswith("svc · 10 lines · following")


async def test_jump_moves_the_selection_and_a_bad_time_keeps_the_prompt_open() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 16)) as pilot:
        view, tail, prompt, title = _parts(app)
        app.subject = "svc"
        view.append(LINES)
        tail.focus()
        await pilot.press("t", *"12:04:30", "enter")
        assert tail.selected_line() == LINES[5]  # the first line at or after 12:04:30
        assert not tail.following and tail.has_focus
        assert "paused (end: follow)" in title.status
        await pilot.press("t", *"soon", "enter")
        assert prompt.has_class("-open") and prompt.has_focus  # left open to correct it
        await pilot.press("escape")  # closes; a jump prompt leaves the filter alone
        assert not prompt.has_class("-open")
        await pilot.press("t", *"12:01", "enter")
        assert tail.selected_line() == LINES[1]
        await pilot.press("t", *"23:59:59", "enter")  # nothing that late: the selection stays
        assert tail.selected_line() == LINES[1] and not prompt.has_class("-open")


async def test_a_panes_own_question_comes_back_as_answered() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 16)) as pilot:
        view, tail, prompt, _ = _parts(app)
        view.ask("server", "server filter pattern", "?ERROR")
        await pilot.pause()
        assert prompt.has_focus and prompt.value == "?ERROR" and prompt.placeholder == "server filter pattern"
        await pilot.press("ctrl+r", "end", *" ?WARN ", "enter")  # ctrl+r is the filter's, not this prompt's
        await until(pilot, lambda: app.answers, what="the answer")
        (answer,) = app.answers
        assert (answer.mode, answer.value, answer.view) == ("server", "?ERROR ?WARN", view)
        assert not view.regex and tail.filter is None and tail.has_focus


async def test_save_writes_the_shown_lines(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = ViewApp()
    async with app.run_test(size=(100, 16)) as pilot:
        view, tail, _, _ = _parts(app)
        view.append(LINES)
        tail.focus()
        await pilot.press("slash", *"ERROR", "enter", "s")
        await until(pilot, lambda: list(tmp_path.glob("cockpit-unit-*.log")), what="the saved file")
        saved = next(tmp_path.glob("cockpit-unit-*.log")).read_text().splitlines()
        assert [row.split("\t")[1:] for row in saved] == [["svc", "", line.message] for line in LINES if "ERROR" in line.message]


def test_jump_times() -> None:
    now = datetime(2026, 1, 2, 15, 0).astimezone()
    assert parse_jump("-10m", now) == now.timestamp() - 600
    assert parse_jump("14:05", now) == now.replace(hour=14, minute=5).timestamp()
    assert parse_jump("25:00", now) is None and parse_jump("soon", now) is None
