"""Keys item 8: help at 80×24 scrolls to every key it lists, and lists the keys that work where it was opened."""
from __future__ import annotations

import re

from textual.binding import Binding

from tests.support.screen import screen_text
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen

APP_AND_DASHBOARD_KEYS = ["i", "x", "u", "p", "t", "!", "n", "?", "q", "r", "a", "f", "w"]


ROW = re.compile(r"^\s*(?P<keys>\S.*?)\s{2,}(?P<what>\S.*)$")


def _key_shown(lines: set[str], key: str, what: str = "") -> bool:
    """A help row: the key among the row's keys (left of a wide gap), then its description."""
    for line in lines:
        match = ROW.match(line.strip("│ ").rstrip("│▁▂▃▄▅▆▇█ ") if "│" in line else line)
        if match and key in match["keys"].split() and match["what"].startswith(what):
            return True
    return False


async def _scroll_through(app, pilot) -> set[str]:
    """Every line the help shows, paging down until the view stops changing."""
    seen: set[str] = set()
    last = None
    for _ in range(30):
        text = screen_text(app)
        seen.update(text.splitlines())
        if text == last:
            break
        last = text
        await pilot.press("pagedown")
        await pilot.pause()
    return seen


async def _help(app, pilot) -> HelpScreen:
    await pilot.press("question_mark")
    await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
    await pilot.pause()
    assert isinstance(app.screen, HelpScreen)
    return app.screen


async def test_every_key_can_be_scrolled_into_view_at_80x24(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        dashboard = app.screen
        await until(pilot, lambda: dashboard.focused is not None, what="a focused pane")
        focused = dashboard.focused
        assert focused is not None
        declared = [*CockpitApp.BINDINGS, *DashboardScreen.BINDINGS, *type(focused).BINDINGS]
        expected = {(app.get_key_display(b), b.description) for b in Binding.make_bindings(declared) if b.description}
        await _help(app, pilot)
        lines = await _scroll_through(app, pilot)
        assert all(len(line) <= 80 for line in lines)
        for key in APP_AND_DASHBOARD_KEYS:
            assert _key_shown(lines, key), (key, sorted(lines))
        for key, description in expected:  # app + dashboard + focused pane: listed, and reachable
            words = description.split()  # hidden keys of one action share a row: "Range 15m · 1h · 3h"
            assert any(key in line and all(word in line for word in words) for line in lines), (key, description)
        assert any("(runbook 000)" in line for line in lines)
        await pilot.press("escape")
        assert app.screen is dashboard


async def test_the_focused_panes_keys_come_first(demo_profile, aws_target, sentra) -> None:
    app = CockpitApp(demo_profile, aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        await pilot.press("f")  # focus the logs
        await until(pilot, lambda: type(app.screen.focused).__name__ == "LogTail", what="logs focused")
        await _help(app, pilot)
        first_page = screen_text(app)
        assert "logs (focused)" in first_page, first_page
        assert _key_shown(set(first_page.splitlines()), "end", "Follow"), first_page
        # the logs' complete mode is P: p stays the playbook everywhere, and no key is shadowed
        lines = await _scroll_through(app, pilot)
        assert _key_shown(lines, "P", "Complete mode")
        assert _key_shown(lines, "p", "Playbook")
        assert not any("Playbook" in line and "not while logs" in line for line in lines), sorted(lines)
