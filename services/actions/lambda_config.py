"""Lambda configuration: timeout, memory, reserved concurrency, environment variables."""
from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from services.actions.base import FieldChange, ParamsT, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as

_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED_ENV = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN", "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER", "LAMBDA_TASK_ROOT"}


class FunctionAction(ReadBackAction[ParamsT]):
    """Base of the Lambda actions: the target is a function name (or ARN)."""

    target_kind = "Lambda function name"

    def configuration(self) -> dict[str, Any]:
        with missing_as(f"no Lambda function named {self.target!r}", "ResourceNotFoundException"):
            return self.session.call("lambda", "get_function_configuration", FunctionName=self.target)


class SetTimeout(FunctionAction["SetTimeout.Params"]):
    id = "lambda.set-timeout"
    title = "Set a Lambda function's timeout"
    risk = Risk.LOW

    class Params(ParamsModel):
        timeout: int = Field(ge=1, le=900, description="seconds")

    def plan(self) -> Plan:
        before = self.configuration().get("Timeout")
        after = self.params.timeout
        return self.make_plan(
            [FieldChange("timeout", before, after)],
            command=aws_cli("lambda", "update-function-configuration", ("--function-name", self.target), ("--timeout", after)),
            summary=f"Set {self.target}'s timeout from {before} s to {after} s", reversible=True,
            notes=("Invocations already running keep the old timeout.",))

    def run(self, plan: Plan) -> dict[str, Any]:
        answer = self.session.call("lambda", "update_function_configuration", FunctionName=self.target,
                                   Timeout=self.resolved(plan).timeout)
        return {"timeout": answer.get("Timeout"), "last_update_status": answer.get("LastUpdateStatus")}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {"timeout": self.configuration().get("Timeout")}

    def inverse(self, plan: Plan) -> SetTimeout:
        return self.sibling(SetTimeout, self.target, {"timeout": plan.changes[0].before})


class SetMemory(FunctionAction["SetMemory.Params"]):
    id = "lambda.set-memory"
    title = "Set a Lambda function's memory"
    risk = Risk.LOW

    class Params(ParamsModel):
        memory: int = Field(ge=128, le=10240, description="MB")

    def plan(self) -> Plan:
        before = self.configuration().get("MemorySize")
        after = self.params.memory
        return self.make_plan(
            [FieldChange("memory", before, after)],
            command=aws_cli("lambda", "update-function-configuration", ("--function-name", self.target),
                            ("--memory-size", after)),
            summary=f"Set {self.target}'s memory from {before} MB to {after} MB", reversible=True,
            notes=("CPU is allocated in proportion to memory; cost per millisecond changes with it.",))

    def run(self, plan: Plan) -> dict[str, Any]:
        answer = self.session.call("lambda", "update_function_configuration", FunctionName=self.target,
                                   MemorySize=self.resolved(plan).memory)
        return {"memory": answer.get("MemorySize"), "last_update_status": answer.get("LastUpdateStatus")}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {"memory": self.configuration().get("MemorySize")}

    def inverse(self, plan: Plan) -> SetMemory:
        return self.sibling(SetMemory, self.target, {"memory": plan.changes[0].before})


class SetConcurrency(FunctionAction["SetConcurrency.Params"]):
    """Reserved concurrency; 0 stops every invocation, ``None`` removes the reservation."""

    id = "lambda.set-concurrency"
    title = "Set (or remove) a Lambda function's reserved concurrency"
    risk = Risk.LOW
    risk_detail = "high when concurrency = 0: it stops the function"

    class Params(ParamsModel):
        concurrency: int | None = Field(ge=0, le=100_000,
                                        description="reserved executions; 0 stops the function; null removes the reservation")

    def reserved(self) -> int | None:
        self.configuration()  # a clear "no function" first: get_function_concurrency's error names an ARN
        answer = self.session.call("lambda", "get_function_concurrency", FunctionName=self.target)
        return answer.get("ReservedConcurrentExecutions")

    def plan(self) -> Plan:
        before = self.reserved()
        after = self.params.concurrency
        if after is None:
            command = aws_cli("lambda", "delete-function-concurrency", ("--function-name", self.target))
            summary = f"Remove {self.target}'s reserved concurrency (was {before})"
        else:
            command = aws_cli("lambda", "put-function-concurrency", ("--function-name", self.target),
                              ("--reserved-concurrent-executions", after))
            summary = (f"Stop {self.target}: reserved concurrency {before} → 0, no invocation will run" if after == 0
                       else f"Set {self.target}'s reserved concurrency from {before} to {after}")
        notes = ("Every invocation is throttled while it is 0; asynchronous events are retried, then dropped "
                 "or sent to the function's DLQ.",) if after == 0 else ()
        return self.make_plan([FieldChange("reserved concurrency", before, after)], command=command, summary=summary,
                              reversible=True, risk=Risk.HIGH if after == 0 else Risk.LOW, notes=notes)

    def run(self, plan: Plan) -> dict[str, Any]:
        concurrency = self.resolved(plan).concurrency
        if concurrency is None:
            self.session.call("lambda", "delete_function_concurrency", FunctionName=self.target)
            return {"reserved concurrency": None}
        answer = self.session.call("lambda", "put_function_concurrency", FunctionName=self.target,
                                   ReservedConcurrentExecutions=concurrency)
        return {"reserved concurrency": answer.get("ReservedConcurrentExecutions")}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {"reserved concurrency": self.reserved()}

    def inverse(self, plan: Plan) -> SetConcurrency:
        # The plan's before is the previous reservation, or None: then undo removes it.
        return self.sibling(SetConcurrency, self.target, {"concurrency": plan.changes[0].before})


class SetEnv(FunctionAction["SetEnv.Params"]):
    """Set or remove environment variables; the others are kept as they are."""

    id = "lambda.set-env"
    title = "Set or remove a Lambda function's environment variables"
    risk = Risk.LOW

    class Params(ParamsModel):
        variables: dict[str, str | None] = Field(
            min_length=1, description='{"NAME": "value"}; a null value removes the variable')

        @field_validator("variables")
        @classmethod
        def _names(cls, variables: dict[str, str | None]) -> dict[str, str | None]:
            for name in variables:
                if not _ENV_NAME.match(name):
                    raise ValueError(f"{name!r}: a variable name is letters, digits and _, starting with a letter")
                if name in _RESERVED_ENV:
                    raise ValueError(f"{name!r} is reserved by Lambda")
            return variables

    def environment(self) -> dict[str, str]:
        return dict((self.configuration().get("Environment") or {}).get("Variables") or {})

    def plan(self) -> Plan:
        before = self.environment()
        after = dict(before)
        for name, value in self.params.variables.items():
            if value is None:
                after.pop(name, None)
            else:
                after[name] = value
        changes = [FieldChange(f"env.{name}", before.get(name), value) for name, value in self.params.variables.items()]
        described = ", ".join(f"remove {n}" if v is None else f"set {n}" for n, v in self.params.variables.items())
        return self.make_plan(
            changes,
            command=aws_cli("lambda", "update-function-configuration", ("--function-name", self.target),
                            ("--environment", {"Variables": after})),
            summary=f"{described[0].upper()}{described[1:]} in {self.target}'s environment", reversible=True,
            notes=("Lambda replaces the whole environment: the command lists every variable, the others unchanged.",
                   "New invocations see the change; running ones keep the old values."))

    def run(self, plan: Plan) -> dict[str, Any]:
        after = self.environment()
        for change in plan.changes:
            name = change.field.removeprefix("env.")
            if change.after is None:
                after.pop(name, None)
            else:
                after[name] = change.after
        answer = self.session.call("lambda", "update_function_configuration", FunctionName=self.target,
                                   Environment={"Variables": after})
        return {"variables": sorted((answer.get("Environment") or {}).get("Variables") or {})}

    def observe(self, plan: Plan) -> dict[str, Any]:
        current = self.environment()
        return {change.field: current.get(change.field.removeprefix("env.")) for change in plan.changes}

    def inverse(self, plan: Plan) -> SetEnv:
        return self.sibling(SetEnv, self.target,
                            {"variables": {change.field.removeprefix("env."): change.before for change in plan.changes}})
