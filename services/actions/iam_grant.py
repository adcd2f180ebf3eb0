"""Grant a role one permission a finding says it lacks, and take exactly that grant back.

The statement goes into one inline policy of the role (``cockpit-grants`` unless told),
under a Sid derived from the action and the resource: the same grant always has the same
Sid, so the cockpit can find it again, refuse to add it twice, and remove only it.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, error_code, missing_as
from services.errors import BadInput

VERSION = "2012-10-17"
POLICY_LIMIT = 10_240  # IAM's limit for a role's inline policies, in characters without whitespace
_MISSING = ("NoSuchEntity", "NoSuchEntityException")


def grant_sid(action: str, resource: str) -> str:
    return "CockpitGrant" + hashlib.sha256(f"{action}\n{resource}".encode()).hexdigest()[:12]


def compact(document: Any) -> str:
    """The one text of a document the plan shows, the command sends and verify compares."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return list(statements) if isinstance(statements, list) else [statements]


class _RoleGrant(ReadBackAction["_RoleGrant.Params"]):
    """The target is a role name (``role/NAME`` is accepted); the parameters name one statement."""

    target_kind = "IAM role name"

    class Params(ParamsModel):
        action: str = Field(pattern=r"^(\*|[a-z0-9-]{2,64}:[A-Za-z0-9*?]{1,128})$",
                            description="the IAM action, e.g. sqs:SendMessage (wildcards as IAM matches them)")
        resource: str = Field(pattern=r"^(\*|arn:aws[a-z-]*:[^\s]{1,2040})$",
                              description="the resource ARN, e.g. arn:aws:sqs:us-east-1:123456789012:q, or *")
        policy_name: str = Field(default="cockpit-grants", pattern=r"^[\w+=,.@-]{1,128}$",
                                 description="the role's inline policy that holds the cockpit's grants")

    @property
    def role(self) -> str:
        return self.target.removeprefix("role/")

    @property
    def sid(self) -> str:
        return grant_sid(self.params.action, self.params.resource)

    def statement(self) -> dict[str, Any]:
        return {"Sid": self.sid, "Effect": "Allow", "Action": self.params.action, "Resource": self.params.resource}

    def document(self) -> dict[str, Any] | None:
        """The inline policy as IAM holds it now, or None when the role has none by that name."""
        with missing_as(f"no IAM role named {self.role!r}", *_MISSING):
            self.session.call("iam", "get_role", RoleName=self.role)
        try:
            answer = self.session.call("iam", "get_role_policy", RoleName=self.role, PolicyName=self.params.policy_name)
        except BadInput as error:
            if error_code(error) in _MISSING:
                return None
            raise
        document = answer.get("PolicyDocument")
        return json.loads(document) if isinstance(document, str) else document  # some endpoints answer the text

    def granted(self, document: dict[str, Any] | None) -> dict[str, Any] | None:
        return next((s for s in _statements(document or {}) if s.get("Sid") == self.sid), None)

    def fields(self, document: dict[str, Any] | None) -> tuple[str | None, str | None]:
        statement = self.granted(document)
        return (None if statement is None else compact(statement)), (None if document is None else compact(document))

    def changes(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
        (statement_before, policy_before), (statement_after, policy_after) = self.fields(before), self.fields(after)
        return [FieldChange(f"statement {self.sid}", statement_before, statement_after),
                FieldChange(f"inline policy {self.params.policy_name}", policy_before, policy_after)]

    def put_command(self, document: dict[str, Any]) -> str:
        return aws_cli("iam", "put-role-policy", ("--role-name", self.role), ("--policy-name", self.params.policy_name),
                       ("--policy-document", compact(document)))

    def observe(self, plan: Plan) -> dict[str, Any]:
        statement, policy = self.fields(self.document())
        return {plan.changes[0].field: statement, plan.changes[1].field: policy}

    def run(self, plan: Plan) -> dict[str, Any]:
        """Make the policy what the plan's "after" says (the executor checked that its "before" still holds)."""
        after = plan.changes[1].after
        if after is None:
            self.session.call("iam", "delete_role_policy", RoleName=self.role, PolicyName=self.params.policy_name)
            return {"deleted policy": self.params.policy_name}
        self.session.call("iam", "put_role_policy", RoleName=self.role, PolicyName=self.params.policy_name,
                          PolicyDocument=after)
        return {"policy": self.params.policy_name, "statements": len(_statements(json.loads(after)))}


class Grant(_RoleGrant):
    id = "iam.grant"
    title = "Allow a role one action on one resource (a statement in its inline policy)"
    risk = Risk.HIGH

    def plan(self) -> Plan:
        before = self.document()
        params = self.params
        if self.granted(before) is not None:
            raise BadInput(f"{self.id}: role {self.role} already has statement {self.sid} ({params.action} on "
                           f"{params.resource}) in inline policy {params.policy_name}")
        after = dict(before or {"Version": VERSION})
        after["Statement"] = [*_statements(before or {}), self.statement()]
        size = len("".join(compact(after).split()))
        if size > POLICY_LIMIT:
            raise BadInput(f"{self.id}: inline policy {params.policy_name} would be {size} characters; "
                           f"IAM allows {POLICY_LIMIT} for a role's inline policies")
        return self.make_plan(
            self.changes(before, after), command=self.put_command(after),
            summary=f"Allow role {self.role} {params.action} on {params.resource}", reversible=True,
            notes=(f"adds {compact(self.statement())}",
                   f"to inline policy {params.policy_name}" + (" (a new policy)" if before is None else
                                                               f" ({len(_statements(before))} statements already)"),
                   "The command sends the whole document: IAM replaces an inline policy, it does not merge.",
                   "IAM applies it within seconds; undo removes exactly this statement."))

    def inverse(self, plan: Plan) -> RevokeGrant:
        return self.sibling(RevokeGrant, self.target, plan.params)


class RevokeGrant(_RoleGrant):
    id = "iam.revoke-grant"
    title = "Remove one statement the cockpit granted from a role's inline policy"
    risk = Risk.HIGH  # the role loses a permission it may be using right now

    def plan(self) -> Plan:
        before = self.document()
        params = self.params
        if before is None or self.granted(before) is None:
            raise BadInput(f"{self.id}: role {self.role} has no statement {self.sid} ({params.action} on "
                           f"{params.resource}) in inline policy {params.policy_name}")
        rest = [s for s in _statements(before) if s.get("Sid") != self.sid]
        after = {**before, "Statement": rest} if rest else None
        command = (self.put_command(after) if after is not None else
                   aws_cli("iam", "delete-role-policy", ("--role-name", self.role), ("--policy-name", params.policy_name)))
        return self.make_plan(
            self.changes(before, after), command=command,
            summary=f"Remove role {self.role}'s grant of {params.action} on {params.resource}", reversible=True,
            notes=(f"Inline policy {params.policy_name} is deleted: it holds no other statement." if after is None else
                   f"Inline policy {params.policy_name} keeps its {len(rest)} other statements.",))

    def inverse(self, plan: Plan) -> Grant:
        return self.sibling(Grant, self.target, plan.params)
