"""Wait on conditions, never on time: poll a predicate until it holds or a deadline passes."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.pilot import Pilot


# ASYNC109: the deadline is checked between polls, so a pause is never cancelled mid-update of the app.
async def until(pilot: Pilot[Any], predicate: Callable[[], object], *, timeout: float = 30.0,  # noqa: ASYNC109
                what: str | Callable[[], str] = "condition") -> None:
    """Let the app run (``pilot.pause``) until ``predicate()`` is truthy (``what`` may be a callable: the state then)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
        await pilot.pause(0.05)  # poll: yields to the app's event loop between checks


def wait_for(predicate: Callable[[], object], *, timeout: float = 30.0, what: str | Callable[[], str] = "condition",
             interval: float = 0.05) -> None:
    """The same for plain code: a deadline, not a fixed sleep."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
        time.sleep(interval)  # poll
