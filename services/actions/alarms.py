"""CloudWatch alarms: mute or unmute their actions, force a state."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from services.actions.base import FieldChange, ParamsT, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli
from services.errors import BadInput


class AlarmAction(ReadBackAction[ParamsT]):
    """Base of the alarm actions: the target is one alarm's name (metric or composite)."""

    target_kind = "CloudWatch alarm name"

    def alarm(self) -> dict[str, Any]:
        answer = self.session.call("cloudwatch", "describe_alarms", AlarmNames=[self.target],
                                   AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        found = [*answer.get("MetricAlarms", []), *answer.get("CompositeAlarms", [])]
        if not found:
            raise BadInput(f"no CloudWatch alarm named {self.target!r}")
        return found[0]


class _ToggleActions(AlarmAction["_ToggleActions.Params"]):
    enable: ClassVar[bool]

    class Params(ParamsModel):
        pass

    def plan(self) -> Plan:
        before = bool(self.alarm().get("ActionsEnabled"))
        operation = "enable-alarm-actions" if self.enable else "disable-alarm-actions"
        verb = "Enable" if self.enable else "Disable"
        notes = () if self.enable else (
            "The alarm still changes state and shows in the cockpit; it no longer notifies or triggers anything.",)
        return self.make_plan([FieldChange("actions enabled", before, self.enable)],
                              command=aws_cli("cloudwatch", operation, ("--alarm-names", self.target)),
                              summary=f"{verb} the actions (notifications, scaling) of alarm {self.target}",
                              reversible=True, notes=notes)

    def run(self, plan: Plan) -> dict[str, Any]:
        operation = "enable_alarm_actions" if self.enable else "disable_alarm_actions"
        self.session.call("cloudwatch", operation, AlarmNames=[self.target])
        return {"actions enabled": self.enable}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {"actions enabled": bool(self.alarm().get("ActionsEnabled"))}

    def inverse(self, plan: Plan) -> _ToggleActions:
        before = plan.changes[0].before
        return self.sibling(EnableActions if before else DisableActions, self.target, {})


class DisableActions(_ToggleActions):
    id = "alarm.disable-actions"
    title = "Disable an alarm's actions (mute it)"
    risk = Risk.LOW
    enable = False


class EnableActions(_ToggleActions):
    id = "alarm.enable-actions"
    title = "Enable an alarm's actions"
    risk = Risk.LOW
    enable = True


class SetState(AlarmAction["SetState.Params"]):
    """Force an alarm's state until CloudWatch next evaluates it (tests a pager, silences a flap)."""

    id = "alarm.set-state"
    title = "Set an alarm's state until its next evaluation"
    risk = Risk.LOW
    volatile = frozenset({"reason"})  # a new reason with the same state does not change what undo restores

    class Params(ParamsModel):
        state: Literal["OK", "ALARM", "INSUFFICIENT_DATA"] = Field(description="OK, ALARM or INSUFFICIENT_DATA")
        reason: str = Field(default="Set by incident-cockpit", min_length=1, max_length=1023,
                            description="the state reason shown with the alarm")

    def plan(self) -> Plan:
        alarm = self.alarm()
        state, reason = self.params.state, self.params.reason
        return self.make_plan(
            [FieldChange("state", alarm.get("StateValue"), state), FieldChange("reason", alarm.get("StateReason"), reason)],
            command=aws_cli("cloudwatch", "set-alarm-state", ("--alarm-name", self.target), ("--state-value", state),
                            ("--state-reason", reason)),
            summary=f"Set alarm {self.target} from {alarm.get('StateValue')} to {state}", reversible=True,
            notes=("CloudWatch evaluates the alarm again at its next period and may change the state back.",)
            + (("Actions run on this transition as on a real one.",) if alarm.get("ActionsEnabled") else ()))

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        self.session.call("cloudwatch", "set_alarm_state", AlarmName=self.target, StateValue=params.state,
                          StateReason=params.reason)
        return {"state": params.state}

    def observe(self, plan: Plan) -> dict[str, Any]:
        alarm = self.alarm()
        return {"state": alarm.get("StateValue"), "reason": alarm.get("StateReason")}

    def inverse(self, plan: Plan) -> SetState | None:
        state, reason = plan.changes[0].before, plan.changes[1].before
        if state not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
            return None
        return self.sibling(SetState, self.target, {"state": state, "reason": (reason or "Restored by incident-cockpit")[:1023]})
