"""EventBridge rules: enable or disable one (a schedule, an event pattern)."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as
from services.errors import BadInput


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


class SetSchedule(ReadBackAction["SetSchedule.Params"]):
    """Change how often a scheduled rule fires (001's "reduce detection frequency"), state and
    description kept: ``put-rule`` replaces what it is not given, so the plan sends them as they are."""

    id = "events.set-schedule"
    title = "Change an EventBridge rule's schedule (how often it fires)"
    risk = Risk.LOW
    target_kind = "EventBridge rule name"

    class Params(ParamsModel):
        schedule: str = Field(pattern=r"^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\))$",
                              description='the new expression, e.g. "rate(15 minutes)" or "cron(0 8 ? * MON *)"')
        event_bus_name: str = Field(default="default", min_length=1, description="the rule's event bus")

    def rule(self) -> dict[str, Any]:
        bus = self.params.event_bus_name
        with missing_as(f"no EventBridge rule {self.target!r} on event bus {bus!r}", "ResourceNotFoundException"):
            return self.session.call("events", "describe_rule", Name=self.target, EventBusName=bus)

    def _put(self, rule: dict[str, Any], schedule: str) -> dict[str, Any]:
        request: dict[str, Any] = {"Name": self.target, "ScheduleExpression": schedule,
                                   "State": rule.get("State", "ENABLED"), "EventBusName": self.params.event_bus_name}
        for key in ("Description", "RoleArn"):
            if rule.get(key):
                request[key] = rule[key]
        return request

    def plan(self) -> Plan:
        rule = self.rule()
        before = rule.get("ScheduleExpression")
        if not before:
            raise BadInput(f"{self.id}: rule {self.target} runs on an event pattern, not a schedule")
        request = self._put(rule, self.params.schedule)
        options: list[Any] = [("--name", self.target), ("--schedule-expression", self.params.schedule),
                              ("--state", request["State"])]
        if "Description" in request:
            options.append(("--description", request["Description"]))
        if "RoleArn" in request:
            options.append(("--role-arn", request["RoleArn"]))
        if self.params.event_bus_name != "default":
            options.append(("--event-bus-name", self.params.event_bus_name))
        return self.make_plan([FieldChange("schedule", before, self.params.schedule)],
                              command=aws_cli("events", "put-rule", *options),
                              summary=f"Schedule EventBridge rule {self.target}: {before} → {self.params.schedule}",
                              reversible=True, notes=(f"state stays {request['State']}; targets are untouched",))

    def run(self, plan: Plan) -> dict[str, Any]:
        self.session.call("events", "put_rule", **self._put(self.rule(), str(plan.changes[0].after)))
        return {"schedule": plan.changes[0].after}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {"schedule": self.rule().get("ScheduleExpression")}

    def inverse(self, plan: Plan) -> SetSchedule | None:
        before = plan.changes[0].before
        return self.sibling(SetSchedule, self.target, {"schedule": before, "event_bus_name": self.params.event_bus_name}) \
            if before else None
