"""IAM containment: deactivate (or reactivate) an access key, deny a principal everything."""
from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as
from services.errors import BadInput

DENY_ALL = {"Version": "2012-10-17",
            "Statement": [{"Sid": "IncidentCockpitDenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}]}
DENY_ALL_SHOWN = "Deny * on *"


# ---------------------------------------------------------------- access keys
class _KeyStatus(ReadBackAction["_KeyStatus.Params"]):
    target_kind = "IAM user name"
    status: ClassVar[str]

    class Params(ParamsModel):
        access_key_id: str | None = Field(default=None, pattern=r"^[A-Z0-9]{16,128}$",
                                          description="the key; may be left out when the user has only one")

    def keys(self) -> list[dict[str, Any]]:
        with missing_as(f"no IAM user named {self.target!r}", "NoSuchEntity", "NoSuchEntityException"):
            return self.session.call("iam", "list_access_keys", UserName=self.target)["AccessKeyMetadata"]

    def key(self, key_id: str | None) -> dict[str, Any]:
        keys = self.keys()
        if key_id is None:
            if len(keys) == 1:
                return keys[0]
            listed = ", ".join(f"{k['AccessKeyId']} ({k['Status']})" for k in keys) or "none"
            raise BadInput(f"{self.id}: {self.target} has {len(keys)} access keys ({listed}); give access_key_id")
        for key in keys:
            if key["AccessKeyId"] == key_id:
                return key
        raise BadInput(f"{self.id}: {self.target} has no access key {key_id}")

    def plan(self) -> Plan:
        key = self.key(self.params.access_key_id)
        key_id = key["AccessKeyId"]
        verb = "Deactivate" if self.status == "Inactive" else "Reactivate"
        notes = ("Every request signed with this key fails from now on (sessions already issued from it "
                 "keep working until they expire); iam.activate-key undoes it.",) if self.status == "Inactive" else ()
        return self.make_plan(
            [FieldChange("status", key["Status"], self.status)],
            command=aws_cli("iam", "update-access-key", ("--user-name", self.target), ("--access-key-id", key_id),
                            ("--status", self.status)),
            summary=f"{verb} access key {key_id} of IAM user {self.target}", reversible=True,
            params=self.Params(access_key_id=key_id), notes=notes)

    def run(self, plan: Plan) -> dict[str, Any]:
        key_id = self.resolved(plan).access_key_id
        self.session.call("iam", "update_access_key", UserName=self.target, AccessKeyId=key_id, Status=self.status)
        return {"access_key_id": key_id, "status": self.status}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {"status": self.key(self.resolved(plan).access_key_id)["Status"]}

    def inverse(self, plan: Plan) -> _KeyStatus:
        other = ActivateKey if plan.changes[0].before == "Active" else DeactivateKey
        return self.sibling(other, self.target, plan.params)


class DeactivateKey(_KeyStatus):
    id = "iam.deactivate-key"
    title = "Deactivate an IAM user's access key"
    risk = Risk.HIGH
    status = "Inactive"


class ActivateKey(_KeyStatus):
    id = "iam.activate-key"
    title = "Reactivate an IAM user's access key"
    risk = Risk.LOW
    status = "Active"


# ---------------------------------------------------------------- deny all
def _principal(target: str) -> tuple[str, str]:
    kind, _, name = target.partition("/")
    if kind not in ("user", "role") or not name:
        raise BadInput(f"{target!r}: the target is user/NAME or role/NAME")
    return kind, name


def _shown(document: Any) -> str | None:
    if document is None:
        return None
    if isinstance(document, str):  # some endpoints answer the URL-decoded JSON text, not a dict
        document = json.loads(document)
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    if len(statements) == 1 and statements[0].get("Effect") == "Deny" and statements[0].get("Action") in ("*", ["*"]) \
            and statements[0].get("Resource") in ("*", ["*"]) and "Condition" not in statements[0]:
        return DENY_ALL_SHOWN
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


class _InlinePolicy(ReadBackAction["_InlinePolicy.Params"]):
    """The target is ``user/NAME`` or ``role/NAME``; the policy is an inline one (AWSDenyAll may not exist)."""

    target_kind = "user/NAME or role/NAME"

    class Params(ParamsModel):
        policy_name: str = Field(default="CockpitDenyAll", pattern=r"^[\w+=,.@-]{1,128}$",
                                 description="the inline policy's name")

    def current(self) -> str | None:
        kind, name = _principal(self.target)
        with missing_as(f"no IAM {kind} named {name!r}", "NoSuchEntity", "NoSuchEntityException"):
            self.session.call("iam", f"get_{kind}", **{f"{kind.title()}Name": name})
        try:
            answer = self.session.call("iam", f"get_{kind}_policy", **{f"{kind.title()}Name": name},
                                       PolicyName=self.params.policy_name)
        except BadInput as error:
            if "NoSuchEntity" in str(error):
                return None
            raise
        return _shown(answer.get("PolicyDocument"))

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {f"inline policy {self.params.policy_name}": self.current()}


class DenyAll(_InlinePolicy):
    id = "iam.deny-all"
    title = "Deny a user or role every action (inline Deny */*)"
    risk = Risk.HIGH

    def plan(self) -> Plan:
        kind, name = _principal(self.target)
        before = self.current()
        policy = self.params.policy_name
        if before not in (None, DENY_ALL_SHOWN):
            raise BadInput(f"{self.id}: {self.target} already has another inline policy named {policy!r}; "
                           "choose another policy_name")
        return self.make_plan(
            [FieldChange(f"inline policy {policy}", before, DENY_ALL_SHOWN)],
            command=aws_cli("iam", f"put-{kind}-policy", (f"--{kind}-name", name), ("--policy-name", policy),
                            ("--policy-document", DENY_ALL)),
            summary=f"Deny IAM {kind} {name} every action (explicit Deny overrides every Allow)",
            reversible=before is None,
            notes=("Every API call by this principal fails, including with credentials already issued; "
                   "IAM takes a few seconds to apply it everywhere.",
                   "iam.remove-deny-all removes it."))

    def run(self, plan: Plan) -> dict[str, Any]:
        kind, name = _principal(self.target)
        self.session.call("iam", f"put_{kind}_policy", **{f"{kind.title()}Name": name},
                          PolicyName=self.resolved(plan).policy_name, PolicyDocument=json.dumps(DENY_ALL))
        return {"policy": self.resolved(plan).policy_name}

    def inverse(self, plan: Plan) -> RemoveDenyAll | None:
        if plan.changes[0].before is not None:
            return None
        return self.sibling(RemoveDenyAll, self.target, plan.params)


class RemoveDenyAll(_InlinePolicy):
    id = "iam.remove-deny-all"
    title = "Remove the cockpit's deny-all policy from a user or role"
    risk = Risk.LOW

    def plan(self) -> Plan:
        kind, name = _principal(self.target)
        before = self.current()
        policy = self.params.policy_name
        if before is None:
            raise BadInput(f"{self.id}: {self.target} has no inline policy named {policy!r}")
        if before != DENY_ALL_SHOWN:
            # Deleting someone's real policy is not what this action is for.
            raise BadInput(f"{self.id}: inline policy {policy!r} of {self.target} is not a deny-all policy")
        return self.make_plan(
            [FieldChange(f"inline policy {policy}", before, None)],
            command=aws_cli("iam", f"delete-{kind}-policy", (f"--{kind}-name", name), ("--policy-name", policy)),
            summary=f"Remove deny-all policy {policy} from IAM {kind} {name}: its other policies apply again",
            reversible=True)

    def run(self, plan: Plan) -> dict[str, Any]:
        kind, name = _principal(self.target)
        self.session.call("iam", f"delete_{kind}_policy", **{f"{kind.title()}Name": name},
                          PolicyName=self.resolved(plan).policy_name)
        return {"removed": self.resolved(plan).policy_name}

    def inverse(self, plan: Plan) -> DenyAll:
        return self.sibling(DenyAll, self.target, plan.params)
