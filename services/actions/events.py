"""EventBridge rules: enable or disable one (a schedule, an event pattern)."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as


class _ToggleRule(ReadBackAction["_ToggleRule.Params"]):
    target_kind = "EventBridge rule name"
    state: ClassVar[str]

    class Params(ParamsModel):
        event_bus_name: str = Field(default="default", min_length=1, description="the rule's event bus")

    def rule(self) -> dict[str, Any]:
        bus = self.params.event_bus_name
        with missing_as(f"no EventBridge rule {self.target!r} on event bus {bus!r}", "ResourceNotFoundException"):
            return self.session.call("events", "describe_rule", Name=self.target, EventBusName=bus)

    def plan(self) -> Plan:
        rule = self.rule()
        operation = "enable-rule" if self.state == "ENABLED" else "disable-rule"
        options: list[Any] = [("--name", self.target)]
        if self.params.event_bus_name != "default":
            options.append(("--event-bus-name", self.params.event_bus_name))
        what = rule.get("ScheduleExpression") or "its event pattern"
        verb = "Enable" if self.state == "ENABLED" else "Disable"
        notes = () if self.state == "ENABLED" else (f"Nothing triggered by {what} runs while the rule is disabled.",)
        return self.make_plan([FieldChange("state", rule.get("State"), self.state)],
                              command=aws_cli("events", operation, *options),
                              summary=f"{verb} EventBridge rule {self.target} ({what})", reversible=True, notes=notes)

    def run(self, plan: Plan) -> dict[str, Any]:
        operation = "enable_rule" if self.state == "ENABLED" else "disable_rule"
        self.session.call("events", operation, Name=self.target, EventBusName=self.resolved(plan).event_bus_name)
        return {"state": self.state}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {"state": self.rule().get("State")}

    def inverse(self, plan: Plan) -> _ToggleRule | None:
        before = plan.changes[0].before
        if before == "DISABLED":
            return self.sibling(DisableRule, self.target, {"event_bus_name": self.params.event_bus_name})
        if before == "ENABLED":
            return self.sibling(EnableRule, self.target, {"event_bus_name": self.params.event_bus_name})
        return None  # e.g. ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS: enable-rule would not restore it


class EnableRule(_ToggleRule):
    id = "events.enable-rule"
    title = "Enable an EventBridge rule"
    risk = Risk.LOW
    state = "ENABLED"


class DisableRule(_ToggleRule):
    id = "events.disable-rule"
    title = "Disable an EventBridge rule"
    risk = Risk.LOW
    state = "DISABLED"
