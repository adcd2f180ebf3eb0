"""SES: (re-)verify the sender identity the reports are sent from (runbook 002, Email Delivery Failures)."""
from __future__ import annotations

from typing import Any

from services.actions.base import FieldChange, Plan, Risk, Verification
from services.actions.common import ParamsModel, ReadBackAction, aws_cli
from services.errors import BadInput

# What verify-email-identity leaves: Pending until the link in the email is followed (AWS),
# Success at once where the endpoint verifies without mail (an emulator).
_AFTER = "Pending or Success"


class VerifyIdentity(ReadBackAction["VerifyIdentity.Params"]):
    """``aws ses verify-email-identity``: SES sends a verification mail to the address; the sender works once verified."""

    id = "ses.verify-identity"
    title = "Re-verify an SES email identity (the reports' sender)"
    risk = Risk.LOW
    target_kind = "email address (an SES identity)"

    class Params(ParamsModel):
        pass

    def status(self) -> str | None:
        answer = self.session.call("ses", "get_identity_verification_attributes", Identities=[self.target])
        return (answer.get("VerificationAttributes", {}).get(self.target) or {}).get("VerificationStatus")

    def plan(self) -> Plan:
        if "@" not in self.target:
            raise BadInput(f"{self.target!r} is not an email address (verify-email-identity takes one)")
        before = self.status()
        notes = ["SES mails a verification link to the address; until it is followed the status is Pending "
                 "and nothing can be sent from it."]
        if before == "Success":
            notes.insert(0, "The identity is verified already: running this asks SES to verify it again.")
        return self.make_plan([FieldChange("verification status", before or "(not an SES identity)", _AFTER)],
                              command=aws_cli("ses", "verify-email-identity", ("--email-address", self.target)),
                              summary=f"Ask SES to verify {self.target} (runbook 002: Verification Issues)",
                              reversible=False, notes=tuple(notes))

    def run(self, plan: Plan) -> dict[str, Any]:
        self.session.call("ses", "verify_email_identity", EmailAddress=self.target)
        return {"verification requested": self.target}

    def observe(self, plan: Plan) -> dict[str, Any]:
        return {"verification status": self.status()}

    def verify(self, plan: Plan) -> Verification:
        observed = self.observe(plan)
        status = observed["verification status"]
        if status in ("Pending", "Success"):
            return Verification(ok=True, detail=f"read back: verification status = {status}", observed=observed)
        return Verification(ok=False, detail=f"verification status is {status}, expected {_AFTER}", observed=observed)

    def inverse(self, plan: Plan) -> None:
        return None  # deleting the identity would stop every report: not an undo
