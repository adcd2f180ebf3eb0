"""The logs pane under the pilot against moto: filter keys, server filter, jump, save, add a group, modes."""
from __future__ import annotations

import time

from services.profile import CockpitSettings, LogSpec, Profile
from services.profile.model import SystemSpec
from tests.support.apps import current_screen
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.panes.logs import LogsPane
from tui.screens.dashboard import DashboardScreen
from tui.screens.log_groups import LogGroupPicker
from tui.screens.log_record import LogRecordScreen
from widgets.log_tail import LogTail
from widgets.pane_title import PaneTitle

API, WORKER, EXTRA = "/app/api", "/app/worker", "/app/extra-batch"


def _seed(boto) -> None:
    logs = boto("logs")
    now = int(time.time() * 1000)
    for group, lines in {API: ["[INFO] ok 1", "[ERROR] db down", "[INFO] ok 2", '{"level": "info", "n": 3}'],
                         WORKER: ["[WARN] slow", "[ERROR] retry failed"], EXTRA: ["extra line"]}.items():
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": now - 60_000 + i * 1000, "message": m} for i, m in enumerate(lines)])


def _profile() -> Profile:
    return Profile(system=SystemSpec(name="pane"), logs=[LogSpec(group=API, label="api"), LogSpec(group=WORKER)],
                   cockpit=CockpitSettings(logs_poll=0.5, logs_since="5m"))


async def _pane(app: CockpitApp, pilot) -> tuple[LogsPane, LogTail, PaneTitle]:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
    pane = app.screen.query_one(LogsPane)
    tail = pane.query_one(LogTail)
    await until(pilot, lambda: tail.line_count == 6, what="the seeded lines")
    return pane, tail, pane.query_one(PaneTitle)


async def test_filter_as_you_type_regex_and_escape(aws_target, boto) -> None:
    _seed(boto)
    app = CockpitApp(_profile(), aws_target)
    async with app.run_test(size=(120, 30)) as pilot:
        _, tail, title = await _pane(app, pilot)
        await pilot.press("f", "slash", "E", "R", "R")
        assert tail.shown_count == 2 and "filter 'ERR': 2 of 6" in title.status
        await pilot.press("ctrl+r")  # regex mode
        await pilot.press("backspace", "backspace", "backspace", *"ok [12]")
        assert [line.message for line in tail.shown_lines] == ["[INFO] ok 1", "[INFO] ok 2"]
        assert "regex 'ok [12]'" in title.status
        await pilot.press("enter")  # keep it, back to the lines
        assert tail.has_focus and tail.shown_count == 2
        await pilot.press("slash", "escape")
        assert tail.filter is None and tail.shown_count == 6


async def test_server_filter_jump_save_expand(aws_target, boto, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _seed(boto)
    app = CockpitApp(_profile(), aws_target)
    async with app.run_test(size=(120, 30)) as pilot:
        _, tail, title = await _pane(app, pilot)
        tail.focus()
        await pilot.press("t", *"-1m", "enter")  # the seeded lines start a minute ago
        assert tail.cursor is not None and not tail.following
        await pilot.press("s")
        await until(pilot, lambda: list(tmp_path.glob("cockpit-logs-*.log")), what="the saved file")
        saved = next(tmp_path.glob("cockpit-logs-*.log")).read_text().splitlines()
        assert len(saved) == 6 and [API, "s", "[ERROR] db down"] in [line.split("\t")[1:] for line in saved]
        await pilot.press("end", "enter")
        await until(pilot, lambda: isinstance(app.screen, LogRecordScreen), what="the record")
        assert current_screen(app, LogRecordScreen).fields["group"] in (API, WORKER)
        await pilot.press("escape")
        await pilot.press("F", *"ERROR", "enter")
        await until(pilot, lambda: tail.line_count == 2, what="the server-filtered tail")
        assert sorted(line.message for line in tail.lines) == ["[ERROR] db down", "[ERROR] retry failed"]
        assert "server filter 'ERROR'" in title.status


async def test_add_a_group_from_the_list_and_complete_mode(aws_target, boto) -> None:
    _seed(boto)
    app = CockpitApp(_profile(), aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        pane, tail, title = await _pane(app, pilot)
        tail.focus()
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, LogGroupPicker) and app.screen.groups, what="the groups")
        assert current_screen(app, LogGroupPicker).groups == [EXTRA]  # the tailed ones are not offered
        await pilot.press(*"batch", "enter")
        await until(pilot, lambda: any(line.message == "extra line" for line in tail.lines), what="the added group")
        assert tail.line_count == 7 and "extra-batch" in title.status
        await pilot.press("P")
        await until(pilot, lambda: "complete mode" in title.status, what="complete mode")
        assert pane.source.mode == "poll"
