"""A test invocation of a Lambda function: its status, function error and the tail of its log.

It changes nothing the cockpit can read back, but it runs the function's code (writes,
messages sent), so it goes through the executor like any other action; it has no undo.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from pydantic import Field, field_validator

from services.actions.base import FieldChange, Plan, Risk, Verification
from services.actions.common import ParamsModel, aws_cli, missing_as
from services.actions.lambda_config import FunctionAction
from services.aws.session import translated_errors
from services.redact import MASK, looks_secret, mask_text
from services.visible_text import visible

TAIL_LINES = 20
LINE_CHARS = 300
RESPONSE_CHARS = 500
INVOCATION = "test invocation"
# ``password=…``, ``"api_key": "…"``, ``Authorization: Bearer …``: the value after a secret-looking name.
# The name must end in the secret word: ``KeyError: 'id'`` or ``token_count=3`` stay readable.
_NAMED_SECRET = re.compile(r"(?i)([\w.-]*(?:key|secret|token|passw(?:or)?d|dsn|credentials?)\"?\s*[=:]\s*\"?)"
                           r"([^\s\",;]{4,})")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def sanitised(text: str, secrets: set[str]) -> str:
    """One line safe to show and record: known secret values and ``name=value`` secrets masked, no control codes."""
    text = mask_text(text, secrets) if secrets else text
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _NAMED_SECRET.sub(lambda m: m.group(1) + MASK, text)
    text = visible(text)
    return text if len(text) <= LINE_CHARS else text[:LINE_CHARS - 1] + "…"


def log_tail(log_result: str | None, secrets: set[str], lines: int = TAIL_LINES) -> list[str]:
    """The last ``lines`` lines of an invocation's ``LogResult`` (base64 of the log's last 4 KB), sanitised."""
    if not log_result:
        return []
    try:
        text = base64.b64decode(log_result, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return [sanitised(f"(the log tail was not base64: {log_result[:40]})", secrets)]
    return [sanitised(line, secrets) for line in text.splitlines()[-lines:] if line.strip()]


class Invoke(FunctionAction["Invoke.Params"]):
    id = "lambda.invoke"
    title = "Invoke a Lambda function once with a test event"
    risk = Risk.LOW

    class Params(ParamsModel):
        payload: dict[str, Any] | list[Any] = Field(default={}, description="the event, as JSON")
        qualifier: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_$-]{1,128}$",
                                      description="a version or alias to invoke; default: $LATEST")

        @field_validator("payload", mode="before")
        @classmethod
        def _json(cls, payload: Any) -> Any:
            if isinstance(payload, str):  # a form or the CLI passes text that did not parse as JSON
                try:
                    return json.loads(payload)
                except ValueError:
                    raise ValueError("the payload is JSON: an object or an array") from None
            return payload

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result: dict[str, Any] | None = None  # what the run answered: verify has nothing else to read back

    def body(self) -> str:
        return json.dumps(self.params.payload, separators=(",", ":"))

    def function_config(self) -> dict[str, Any]:
        qualifier = self.params.qualifier
        if qualifier is None:
            return self.configuration()
        self.configuration()
        with missing_as(f"{self.target} has no version or alias {qualifier!r}", "ResourceNotFoundException"):
            return self.session.call("lambda", "get_function_configuration", FunctionName=self.target, Qualifier=qualifier)

    def plan(self) -> Plan:
        config = self.function_config()
        qualifier = self.params.qualifier
        shown = f"{self.target}:{qualifier}" if qualifier else self.target
        body = self.body()
        options: list[Any] = [("--function-name", self.target)]
        if qualifier:
            options.append(("--qualifier", qualifier))
        options += [("--payload", body), ("--log-type", "Tail"), "response.json"]
        return self.make_plan(
            [FieldChange(INVOCATION, None, f"once, version {config.get('Version', '$LATEST')}")],
            command=aws_cli("lambda", "invoke", *options),
            summary=f"Invoke {shown} once with payload {body if len(body) <= 120 else body[:119] + '…'}",
            reversible=False,
            notes=("Invokes the function once: its code runs, with its side effects (writes, messages sent), "
                   "like any other invocation; there is no undo.",
                   "Synchronous (RequestResponse): the status, any function error, the response and the tail of "
                   "the log it produced come back."))

    def _secrets(self) -> set[str]:
        """The function's secret-named environment values: a log line that prints one must not show it."""
        variables = (self.configuration().get("Environment") or {}).get("Variables") or {}
        return {value for name, value in variables.items() if looks_secret(name) and len(value) >= 4}

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        request: dict[str, Any] = {"FunctionName": self.target, "Payload": json.dumps(
            params.payload, separators=(",", ":")).encode(), "LogType": "Tail", "InvocationType": "RequestResponse"}
        if params.qualifier:
            request["Qualifier"] = params.qualifier
        secrets = self._secrets()
        answer = self.session.call("lambda", "invoke", **request)
        with translated_errors("lambda.invoke"):  # the payload is a stream, read after the call returned
            stream = answer.get("Payload")
            raw = stream.read() if hasattr(stream, "read") else (stream or b"")
        response = sanitised(raw.decode("utf-8", errors="replace"), secrets)
        self.result = {
            "status code": answer.get("StatusCode"),
            "function error": answer.get("FunctionError"),
            "executed version": answer.get("ExecutedVersion"),
            "response": response if len(response) <= RESPONSE_CHARS else response[:RESPONSE_CHARS - 1] + "…",
            "log tail": log_tail(answer.get("LogResult"), secrets),
        }
        return self.result

    def observe(self, plan: Plan) -> dict[str, Any]:
        if self.result is None:
            return {INVOCATION: None}
        return {INVOCATION: f"status {self.result['status code']}"
                + (f", function error {self.result['function error']}" if self.result["function error"] else "")}

    def verify(self, plan: Plan) -> Verification:
        """Nothing to read back from AWS: the invocation worked when it answered 200 without a function error."""
        observed = self.observe(plan)
        if self.result is None:
            return Verification(ok=False, detail="the function was not invoked", observed=observed)
        ok = self.result["status code"] == 200 and not self.result["function error"]
        detail = observed[INVOCATION]
        if self.result["function error"]:
            detail += f": {self.result['response']}"
        lines = len(self.result["log tail"])
        detail += f"; {lines} log line{'s' if lines != 1 else ''}" if lines else "; the endpoint returned no log tail"
        return Verification(ok=ok, detail=detail, observed=observed)
