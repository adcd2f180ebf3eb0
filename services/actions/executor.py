"""The one place an action runs: plan → confirm → run → verify, every step on the timeline.

How the UI uses it (all calls block on AWS: call them from a thread worker)::

    executor = ActionExecutor(Sources(aws=session), Timeline(profile=name), read_only=False, profile_name=name)
    action, plan = executor.prepare("lambda.set-timeout", "customer-sentra-scanner", {"timeout": 600})
    # show ``plan``; for plan.risk != LOW the person types plan.target
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=typed))
    # or: executor.cancel(action, plan, "closed the dialog")
    if outcome.inverse:                       # later, the undo key
        undo_action, undo_plan = executor.undo(outcome)   # a new plan, confirmed like any other

Guarantees:

- read-only: ``execute`` always records ``refused`` and raises ``ReadOnly``; nothing runs;
- nothing runs without a ``Confirmation`` of this very plan, carrying the typed target
  when the risk is not low (otherwise ``refused`` + ``NotConfirmed``);
- the target's state is read again just before running: if it no longer matches the
  plan's "before", the run is refused (undo would restore the wrong thing);
- each step is on the timeline (fsync'd) before the next one starts; a failed run is
  recorded as ``failed`` with its error and returned as an ``Outcome``, not raised.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from services.actions.base import Action, Plan, Verification
from services.actions.catalog import CATALOG, build_action
from services.actions.common import format_value
from services.actions.engines import session_for
from services.errors import BadInput, NotConfirmed, ReadOnly, SourceError
from services.incident.timeline import Step, Timeline
from services.sources import Sources

log = logging.getLogger("cockpit.actions")


@dataclass(frozen=True)
class Confirmation:
    """A person's yes to one plan; ``typed_target`` is what they typed (needed unless risk is low)."""

    plan: Plan
    typed_target: str = ""


@dataclass(frozen=True)
class Outcome:
    """What happened when a confirmed plan ran."""

    plan: Plan
    ran: bool
    """The change was accepted by AWS (the SDK call returned)."""
    error: str | None = None
    verification: Verification | None = None
    inverse: Action | None = None
    """The action restoring the plan's "before" (pass the outcome to ``undo``), or None."""
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Ran, and the read-back shows the change."""
        return self.ran and self.verification is not None and self.verification.ok


def _fields(plan: Plan, which: str) -> dict[str, Any]:
    return {change.field: getattr(change, which) for change in plan.changes}


class ActionExecutor:
    """Runs actions for one system against its sources, recording every step."""

    def __init__(self, sources: Sources, timeline: Timeline, *, read_only: bool, profile_name: str,
                 catalog: dict[str, type[Action]] | None = None) -> None:
        self.sources = sources
        """The profile's: its AWS session may arrive after this executor (set on the same object)."""
        self.timeline = timeline
        self.read_only = read_only
        self.profile_name = profile_name
        self.catalog = catalog if catalog is not None else CATALOG

    # ------------------------------------------------------------ recording
    def _record(self, step: str, plan: Plan, **fields: Any) -> None:
        self.timeline.append(step, profile=self.profile_name, action=plan.action_id, target=plan.target,
                             params=plan.params, **fields)

    def _record_plan(self, plan: Plan) -> None:
        self._record(Step.PLANNED, plan, before=_fields(plan, "before"), after=_fields(plan, "after"),
                     detail=plan.summary, risk=str(plan.risk), reversible=plan.reversible, command=plan.command,
                     undoes=plan.undoes)

    # ------------------------------------------------------------ steps
    def prepare(self, action_id: str, target: str, raw_params: dict[str, Any] | None) -> tuple[Action, Plan]:
        """Validate the parameters, read the target's state, record ``planned``.

        Raises ``BadInput`` (unknown action, bad parameter, unknown target) before anything
        is recorded, or the session's typed errors (``Unreachable``, ``AccessDenied``...).
        Works in read-only mode: plans are always shown.
        """
        if action_id not in self.catalog:
            raise BadInput(f"unknown action {action_id!r}; known: {', '.join(self.catalog)}")
        action = self.catalog[action_id].build(session_for(self.sources, action_id), target, dict(raw_params or {}))
        plan = action.plan()
        self._record_plan(plan)
        return action, plan

    def cancel(self, action: Action, plan: Plan, reason: str = "cancelled by the operator", *,
               refused: bool = False) -> None:
        """Record that the person said no (``cancelled``), or that the UI refused (``refused``)."""
        self._record(Step.REFUSED if refused else Step.CANCELLED, plan, detail=reason)

    def execute(self, action: Action, plan: Plan, confirmation: Confirmation) -> Outcome:
        """Run a confirmed plan: ``confirmed → started → succeeded|failed → verified``.

        Raises ``ReadOnly`` or ``NotConfirmed`` (after recording ``refused``) when it must
        not run; otherwise returns an ``Outcome``, also when AWS rejected the change.
        """
        if self.read_only:
            self._refuse(plan, ReadOnly("the cockpit is read-only: actions can be planned, not run"))
        self._check_confirmation(action, plan, confirmation)
        self._record(Step.CONFIRMED, plan, detail=plan.summary)
        self._check_still_current(action, plan)
        self._record(Step.STARTED, plan, command=plan.command)
        try:
            result = action.run(plan)
        except SourceError as error:
            return self._failed(plan, str(error))
        except Exception as error:  # a bug must still leave "failed" on the timeline, and reach the log
            log.exception("%s on %s failed unexpectedly", plan.action_id, plan.target)
            return self._failed(plan, f"{type(error).__name__}: {error}")
        self._record(Step.SUCCEEDED, plan, detail=", ".join(f"{k} = {format_value(v)}" for k, v in result.items()))
        verification = self._verify(action, plan)
        self._record(Step.VERIFIED, plan, ok=verification.ok, detail=verification.detail, after=verification.observed)
        if plan.undoes and verification.ok:
            self._record(Step.UNDONE, plan, detail=f"undid {plan.undoes} on {plan.target}", undoes=plan.undoes)
        return Outcome(plan=plan, ran=True, verification=verification, inverse=self._inverse(action, plan), result=result)

    def undo(self, outcome_or_plan: Outcome | Plan) -> tuple[Action, Plan]:
        """Prepare the action restoring a plan's "before": a new plan, recorded as ``planned``.

        It still has to go through ``execute`` with its own ``Confirmation``. ``BadInput``
        when the plan cannot be undone (``plan.reversible`` is false).
        """
        if isinstance(outcome_or_plan, Outcome):
            plan, inverse = outcome_or_plan.plan, outcome_or_plan.inverse
        else:
            plan = outcome_or_plan
            inverse = None
            if plan.reversible:
                session = session_for(self.sources, plan.action_id)
                inverse = build_action(session, plan.action_id, plan.target, plan.params).inverse(plan)
        if inverse is None:
            raise BadInput(f"{plan.action_id} on {plan.target} cannot be undone")
        undo_plan = replace(inverse.plan(), undoes=plan.action_id)
        self._record_plan(undo_plan)
        return inverse, undo_plan

    # ------------------------------------------------------------ helpers
    def _refuse(self, plan: Plan, error: SourceError) -> None:
        self._record(Step.REFUSED, plan, error=str(error))
        raise error

    def _check_confirmation(self, action: Action, plan: Plan, confirmation: Confirmation) -> None:
        if not isinstance(confirmation, Confirmation):
            self._refuse(plan, NotConfirmed("no confirmation was given for this plan"))
        if confirmation.plan is not plan and confirmation.plan != plan:
            self._refuse(plan, NotConfirmed("the confirmation is for another plan"))
        if action.id != plan.action_id or action.target != plan.target:
            self._refuse(plan, NotConfirmed(f"the plan is for {plan.action_id} on {plan.target}, "
                                            f"not {action.id} on {action.target}"))
        if plan.risk.needs_typed_target and (confirmation.typed_target or "").strip() != plan.target:
            self._refuse(plan, NotConfirmed(f"type the target's name exactly ({plan.target!r}) to run a "
                                            f"{plan.risk} action"))

    def _check_still_current(self, action: Action, plan: Plan) -> None:
        """Plan again from the resolved parameters; refuse when the "before" moved."""
        try:
            fresh = type(action).build(action.session, plan.target, plan.params).plan()
        except SourceError as error:
            self._refuse(plan, error)
        moved = [f"{old.field} was {format_value(old.before)}, now {format_value(new.before)}"
                 for old, new in zip(plan.changes, fresh.changes, strict=False)
                 if old.field not in action.volatile and old.before != new.before]
        if moved or [c.field for c in plan.changes] != [c.field for c in fresh.changes] or fresh.command != plan.command:
            self._refuse(plan, NotConfirmed("the state changed since the plan (" + ("; ".join(moved) or "new plan differs")
                                            + "): plan again"))

    def _failed(self, plan: Plan, error: str) -> Outcome:
        self._record(Step.FAILED, plan, error=error)
        return Outcome(plan=plan, ran=False, error=error)

    def _verify(self, action: Action, plan: Plan) -> Verification:
        try:
            return action.verify(plan)
        except SourceError as error:
            return Verification(ok=False, detail=f"could not read back: {error}")

    def _inverse(self, action: Action, plan: Plan) -> Action | None:
        if not plan.reversible:
            return None
        try:
            return action.inverse(plan)
        except SourceError as error:  # e.g. a "before" the inverse's model rejects: say so, do not crash
            log.warning("no inverse for %s on %s: %s", plan.action_id, plan.target, error)
            return None
