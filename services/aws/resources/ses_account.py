"""SES sending as runbook 002 checks it: quota, send statistics, identities and their verification.

SES is account-wide: the resource's ``name`` is optional and, when given, names the identity
(an address or a domain) the system sends from, which must be verified. Bounce and
complaint rates are judged by AWS's own review thresholds (5 % / 10 % bounces,
0.1 % / 0.5 % complaints).
"""
from __future__ import annotations

from services.aws.resources.calls import call, pages
from services.aws.resources.reading import ReadingDraft, ResourceReading
from services.aws.session import AwsSession
from services.profile.resources import ResourceSpec

BOUNCE = (0.05, 0.10)
COMPLAINT = (0.001, 0.005)
QUOTA_WARN = 0.8
_BATCH = 100  # GetIdentityVerificationAttributes takes at most 100 identities


def read_ses(session: AwsSession, spec: ResourceSpec) -> ResourceReading:
    quota = call(session, "ses", "get_send_quota")
    draft = ReadingDraft(spec, spec.name or "SES account")
    enabled = draft.attempt("Sending", lambda: call(session, "ses", "get_account_sending_enabled"))
    status = "sending"
    if enabled is not None:
        status = "sending" if enabled.get("Enabled", True) else "paused"
        draft.add("Sending", "enabled" if status == "sending" else "PAUSED for the account")
        if status == "paused":
            draft.fail("sending is paused for the account: no email goes out")
    sent, limit = float(quota.get("SentLast24Hours", 0)), float(quota.get("Max24HourSend", 0))
    draft.add("Quota", f"{sent:.0f} of {limit:.0f} sent in the last 24 h, at most {quota.get('MaxSendRate', '?')}/s")
    if limit > 0 and sent >= limit:
        draft.fail(f"the 24-hour quota is used up ({sent:.0f}/{limit:.0f})")
    elif limit > 0 and sent >= QUOTA_WARN * limit:
        draft.warn(f"{sent / limit:.0%} of the 24-hour quota is used")
    _statistics(session, draft)
    _identities(session, draft, spec.name)
    return draft.done(status)


def _statistics(session: AwsSession, draft: ReadingDraft) -> None:
    answer = draft.attempt("Send statistics", lambda: call(session, "ses", "get_send_statistics"))
    if answer is None:
        return
    points = answer.get("SendDataPoints", [])
    totals = {key: sum(int(point.get(key, 0)) for point in points)
              for key in ("DeliveryAttempts", "Bounces", "Complaints", "Rejects")}
    attempts = totals["DeliveryAttempts"]
    draft.add("Send statistics", f"{attempts} delivery attempts, {totals['Bounces']} bounces, "
                                 f"{totals['Complaints']} complaints, {totals['Rejects']} rejects (last 2 weeks)")
    for level, text in rate_findings(totals):
        getattr(draft, level)(text)


def rate_findings(totals: dict[str, int]) -> list[tuple[str, str]]:
    """Bounce and complaint rates over the statistics' delivery attempts, judged by AWS's thresholds."""
    attempts = totals.get("DeliveryAttempts", 0)
    found: list[tuple[str, str]] = []
    for label, count, (warn, fail) in (("bounce", totals.get("Bounces", 0), BOUNCE),
                                       ("complaint", totals.get("Complaints", 0), COMPLAINT)):
        rate = count / attempts if attempts else 0.0
        text = f"{label} rate {rate:.2%} (AWS reviews accounts from {warn:.1%}, may pause them from {fail:.1%})"
        if rate >= fail:
            found.append(("fail", text))
        elif rate >= warn:
            found.append(("warn", text))
    return found


def _identities(session: AwsSession, draft: ReadingDraft, wanted: str | None) -> None:
    def statuses() -> dict[str, str]:
        names = [name for page in pages(session, "ses", "list_identities") for name in page.get("Identities", [])]
        if wanted and wanted not in names:
            names.append(wanted)  # an identity SES does not list still gets its (absent) status
        found: dict[str, str] = {}
        for start in range(0, len(names), _BATCH):
            answer = call(session, "ses", "get_identity_verification_attributes", Identities=names[start:start + _BATCH])
            attributes = answer.get("VerificationAttributes", {})
            found |= {name: str(attributes.get(name, {}).get("VerificationStatus", "absent")) for name in
                      names[start:start + _BATCH]}
        return found

    found = draft.attempt("Identities", statuses)
    if found is None:
        return
    listed = {name: status for name, status in found.items() if status != "absent"}
    draft.add("Identities", f"{len(listed)}, {sum(1 for s in listed.values() if s == 'Success')} verified" if listed
              else "none", [f"{name}: {status}" for name, status in sorted(listed.items())])
    for name, status in sorted(listed.items()):
        if status != "Success" and name != wanted:
            draft.warn(f"identity {name} is not verified ({status})")
    if wanted:
        status = found.get(wanted, "absent")
        domain = wanted.rpartition("@")[2] if "@" in wanted else None
        if status == "Success":
            draft.ok(f"{wanted} is verified")
        elif domain and listed.get(domain) == "Success":
            draft.ok(f"{wanted} may send: its domain {domain} is verified")
        elif status == "absent":
            draft.fail(f"{wanted} is not an SES identity: mail from it is rejected")
        else:
            draft.fail(f"{wanted} is not verified ({status}): mail from it is rejected")
