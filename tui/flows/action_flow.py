"""Plan → confirm → run → verify, one action at a time, every step on the timeline.

The flow runs as an app worker (it waits on modal screens); the SDK calls run in
threads. The executor (``services/actions/executor.py``) records each step and is the
only code that can run an action; in read-only mode it refuses, and the confirmation
screen has no Run button.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from textual.app import App

from services.errors import BadInput, SourceError
from tui.messages import ActionFinished

if TYPE_CHECKING:
    from services.actions.executor import ActionExecutor, Outcome

log = logging.getLogger("cockpit.actions")


class ActionFlow:
    """Owns the executor and the most recent outcomes (for undo)."""

    def __init__(self, app: App, executor: ActionExecutor) -> None:
        self.app = app
        self.executor = executor
        self.busy = False
        self.history: list[Outcome] = []

    @property
    def read_only(self) -> bool:
        return self.executor.read_only

    def start(self, action_id: str, target: str, params: dict[str, Any] | None = None, *, ask: bool = True) -> None:
        """Open the flow in a worker; a second flow while one is open is refused, not queued."""
        if self.busy:
            self.app.notify("An action is already open: finish or cancel it first.", severity="warning")
            return
        self.app.run_worker(self._flow(action_id, target, dict(params or {}), ask), group="action",
                            name=f"action {action_id}", exit_on_error=False)

    def undo_last(self) -> None:
        """Plan the inverse of the most recent successful action; it is confirmed like any other."""
        undoable = [outcome for outcome in self.history if outcome.ok and outcome.inverse is not None]
        if not undoable:
            self.app.notify("Nothing to undo: no recent action has an inverse.", severity="warning")
            return
        if self.busy:
            self.app.notify("An action is already open: finish or cancel it first.", severity="warning")
            return
        self.app.run_worker(self._undo(undoable[-1]), group="action", name="undo", exit_on_error=False)

    async def _undo(self, outcome: Outcome) -> None:
        self.busy = True
        try:
            action, plan = await asyncio.to_thread(self.executor.undo, outcome)
            undone = await self._confirm_and_run(action, plan)
            if undone is not None and undone.ok:
                self.history = [entry for entry in self.history if entry is not outcome]
        except SourceError as error:
            self.app.notify(f"Undo: {error}", severity="error", timeout=10)
        finally:
            self.busy = False

    async def _flow(self, action_id: str, target: str, params: dict[str, Any], ask: bool) -> None:
        from services.actions.catalog import action_class
        from tui.screens.action_params import ActionParamsScreen

        self.busy = True
        try:
            try:
                cls = action_class(action_id)
            except BadInput as error:
                self.app.notify(str(error), severity="error")
                return
            error_text = ""
            while True:
                if ask or error_text:
                    answer = await self.app.push_screen_wait(ActionParamsScreen(cls, target, params, error=error_text))
                    if answer is None:
                        return  # closed before any plan existed: nothing to record
                    target, params = answer
                try:
                    action, plan = await asyncio.to_thread(self.executor.prepare, action_id, target, params)
                except BadInput as error:
                    error_text = str(error)
                    continue
                except SourceError as error:
                    self.app.notify(f"{action_id}: cannot plan: {error}", severity="error", timeout=10)
                    return
                break
            await self._confirm_and_run(action, plan)
        except SourceError as error:  # refused (read-only, wrong name, state moved): already on the timeline
            self.app.notify(str(error), severity="error", timeout=10)
        finally:
            self.busy = False

    async def _confirm_and_run(self, action: Any, plan: Any) -> Outcome | None:
        from services.actions.executor import Confirmation
        from tui.screens.confirm_action import ConfirmActionScreen

        typed = await self.app.push_screen_wait(ConfirmActionScreen(plan, read_only=self.read_only))
        if typed is None:
            await asyncio.to_thread(self.executor.cancel, action, plan, "cancelled at the confirmation screen")
            self.app.notify(f"Cancelled {plan.action_id}: nothing ran.")
            return None
        outcome = await asyncio.to_thread(self.executor.execute, action, plan, Confirmation(plan, typed))
        self.history = [*self.history, outcome][-20:]
        self._report(outcome)
        for screen in self.app.screen_stack:  # the dashboard may be under a playbook
            screen.post_message(ActionFinished(outcome))
        return outcome

    def _report(self, outcome: Outcome) -> None:
        plan = outcome.plan
        if not outcome.ok:
            self.app.notify(f"{plan.action_id} on {plan.target} FAILED: {outcome.error}", severity="error", timeout=15)
            return
        verification = outcome.verification
        checked = f" · verified: {verification.detail}" if verification and verification.ok else (
            f" · NOT verified: {verification.detail}" if verification else "")
        undo = " · u: undo" if outcome.inverse is not None else ""
        self.app.notify(f"{plan.summary}: done{checked}{undo}",
                        severity="information" if verification is None or verification.ok else "warning", timeout=10)
