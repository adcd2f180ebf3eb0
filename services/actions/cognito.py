"""Cognito: sign a user out everywhere (revoke their refresh tokens)."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk, Verification
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as

REVOKED = "revoked"


class GlobalSignOut(ReadBackAction["GlobalSignOut.Params"]):
    id = "cognito.global-sign-out"
    title = "Sign a Cognito user out of every device"
    risk = Risk.HIGH
    target_kind = "Cognito username"

    class Params(ParamsModel):
        user_pool_id: str = Field(pattern=r"^[\w-]+_[0-9a-zA-Z]+$", description="e.g. us-east-1_AbCdEf123")

    def user(self) -> dict[str, Any]:
        pool = self.params.user_pool_id
        with missing_as(f"no Cognito user pool {pool!r}", "ResourceNotFoundException"), \
                missing_as(f"no user {self.target!r} in Cognito user pool {pool}", "UserNotFoundException"):
            return self.session.call("cognito-idp", "admin_get_user", UserPoolId=pool, Username=self.target)

    def plan(self) -> Plan:
        user = self.user()
        status = user.get("UserStatus")
        return self.make_plan(
            [FieldChange("sign-in sessions", "valid", REVOKED)],
            command=aws_cli("cognito-idp", "admin-user-global-sign-out", ("--user-pool-id", self.params.user_pool_id),
                            ("--username", self.target)),
            summary=f"Sign {self.target} ({status}) out of every device in {self.params.user_pool_id}",
            reversible=False,
            notes=("Refresh tokens are revoked at once; access and ID tokens already issued stay valid until they "
                   "expire (1 hour by default).",
                   "The user can sign in again: disable the user or reset the password to keep them out."))

    def run(self, plan: Plan) -> dict[str, Any]:
        self.session.call("cognito-idp", "admin_user_global_sign_out", UserPoolId=self.params.user_pool_id,
                          Username=self.target)
        return {"signed out": self.target}

    def observe(self, plan: Plan) -> dict[str, Any]:
        user = self.user()
        return {"user status": user.get("UserStatus"), "enabled": user.get("Enabled")}

    def verify(self, plan: Plan) -> Verification:
        """Cognito has no API that reads revoked tokens back: check the user, and say exactly that."""
        observed = self.observe(plan)
        return Verification(
            ok=True, observed=observed,
            detail=f"sign-out accepted for {self.target} ({observed['user status']}); Cognito offers no read-back "
                   "of revoked refresh tokens")
