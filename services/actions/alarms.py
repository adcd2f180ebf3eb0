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


# put-metric-alarm replaces the whole alarm: these are the fields a metric alarm keeps, each
# sent back as it was read (the CLI option, the API parameter), so only the threshold changes.
_KEPT = (("--alarm-description", "AlarmDescription"), ("--actions-enabled", "ActionsEnabled"),
         ("--ok-actions", "OKActions"), ("--alarm-actions", "AlarmActions"),
         ("--insufficient-data-actions", "InsufficientDataActions"), ("--metric-name", "MetricName"),
         ("--namespace", "Namespace"), ("--statistic", "Statistic"), ("--extended-statistic", "ExtendedStatistic"),
         ("--dimensions", "Dimensions"), ("--period", "Period"), ("--unit", "Unit"),
         ("--evaluation-periods", "EvaluationPeriods"), ("--datapoints-to-alarm", "DatapointsToAlarm"),
         ("--comparison-operator", "ComparisonOperator"), ("--treat-missing-data", "TreatMissingData"),
         ("--evaluate-low-sample-count-percentile", "EvaluateLowSampleCountPercentile"), ("--metrics", "Metrics"))


class SetThreshold(AlarmAction["SetThreshold.Params"]):
    """Move a metric alarm's threshold (a fix that changed what "too much" means, e.g. a longer timeout)."""

    id = "alarm.set-threshold"
    title = "Set a metric alarm's threshold"
    risk = Risk.LOW

    class Params(ParamsModel):
        threshold: float = Field(description="the new threshold, in the metric's unit (Duration: milliseconds)")

    def metric_alarm(self) -> dict[str, Any]:
        alarm = self.alarm()
        if "Threshold" not in alarm:
            raise BadInput(f"{self.target!r} is a composite alarm: it has no threshold")
        return alarm

    def _kept(self, alarm: dict[str, Any]) -> list[tuple[str, str, Any]]:
        return [(option, name, alarm[name]) for option, name in _KEPT if alarm.get(name) not in (None, [], "")]

    def plan(self) -> Plan:
        alarm = self.metric_alarm()
        after = self.params.threshold
        kept = self._kept(alarm)
        options: list[Any] = [("--alarm-name", self.target)]
        for option, _, value in kept:  # a boolean is a flag in the CLI: --actions-enabled / --no-actions-enabled
            options.append((option if value else "--no-" + option[2:]) if isinstance(value, bool) else (option, value))
        options.append(("--threshold", _number(after)))
        relation = alarm.get("ComparisonOperator", "")
        return self.make_plan(
            [FieldChange("threshold", _number(alarm["Threshold"]), _number(after))],
            command=aws_cli("cloudwatch", "put-metric-alarm", *options),
            summary=f"Set alarm {self.target}'s threshold from {_number(alarm['Threshold'])} to {_number(after)} "
                    f"({relation})", reversible=True,
            notes=("put-metric-alarm rewrites the whole alarm: every other field is sent back as it is now.",
                   "Where the alarm is kept in code (CloudFormation, Terraform, serverless.yml), change it there "
                   "too, or the next deploy reverts it."))

    def run(self, plan: Plan) -> dict[str, Any]:
        alarm = self.metric_alarm()
        request = {name: value for _, name, value in self._kept(alarm)}
        self.session.call("cloudwatch", "put_metric_alarm", AlarmName=self.target,
                          Threshold=float(self.resolved(plan).threshold), **request)
        return {"threshold": _number(self.resolved(plan).threshold)}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {"threshold": _number(self.metric_alarm()["Threshold"])}

    def inverse(self, plan: Plan) -> SetThreshold:
        return self.sibling(SetThreshold, self.target, {"threshold": plan.changes[0].before})


def _number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number

