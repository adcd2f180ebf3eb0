"""Reaching the Logs Insights editor the way a responder does: `i` opens Queries, `i` there the editor."""
from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.support.apps import current_screen
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.insights import InsightsScreen
from tui.screens.query import QueryScreen


async def open_insights(app: CockpitApp, pilot: Pilot[Any]) -> InsightsScreen:
    """From a starting dashboard: wait for its session, then `i` (Queries) and `i` (Insights editor)."""
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.session is not None,
                what="dashboard")
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, QueryScreen), what="queries screen")
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, InsightsScreen), what="insights screen")
    return current_screen(app, InsightsScreen)
