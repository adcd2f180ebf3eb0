"""The SES reader against moto's server: quota, send statistics, identities and the named identity."""
from __future__ import annotations

from services.aws.resources import read_resource
from services.aws.resources.ses_account import rate_findings
from services.profile.resources import ResourceSpec
from tests.support.readings import field_of


def test_quota_statistics_and_identities(boto, aws_session) -> None:
    ses = boto("ses")
    ses.verify_email_identity(EmailAddress="reports@yourcompany.com")
    for _ in range(3):
        ses.send_email(Source="reports@yourcompany.com", Destination={"ToAddresses": ["client@example.com"]},
                       Message={"Subject": {"Data": "Report"}, "Body": {"Text": {"Data": "numbers"}}})
    quota = ses.get_send_quota()

    reading = read_resource(aws_session, ResourceSpec(id="email", type="ses", name="reports@yourcompany.com"))

    assert (reading.name, reading.status) == ("reports@yourcompany.com", "sending")
    assert field_of(reading, "Sending").value == "not supported by this endpoint"  # moto lacks GetAccountSendingEnabled
    assert field_of(reading, "Quota").value == (f"{quota['SentLast24Hours']:.0f} of {quota['Max24HourSend']:.0f} sent in "
                                                f"the last 24 h, at most {quota['MaxSendRate']}/s")
    assert field_of(reading, "Send statistics").value.startswith("3 delivery attempts, 0 bounces")
    identities = field_of(reading, "Identities")
    assert identities.value == "1, 1 verified" and identities.detail == ("reports@yourcompany.com: Success",)
    assert [(f.level, f.text) for f in reading.findings] == [("ok", "reports@yourcompany.com is verified")]


def test_without_a_name_every_identity_is_listed_and_an_unknown_sender_fails(boto, aws_session) -> None:
    ses = boto("ses")
    ses.verify_email_identity(EmailAddress="a@example.com")
    ses.verify_email_identity(EmailAddress="b@example.com")
    account = read_resource(aws_session, ResourceSpec(id="email", type="ses"))
    assert account.name == "SES account"
    assert field_of(account, "Identities").detail == ("a@example.com: Success", "b@example.com: Success")
    unknown = read_resource(aws_session, ResourceSpec(id="email", type="ses", name="noreply@elsewhere.com"))
    assert ("fail", "noreply@elsewhere.com is not an SES identity: mail from it is rejected") in [
        (f.level, f.text) for f in unknown.findings]


def test_bounce_and_complaint_rates_use_aws_thresholds() -> None:
    assert rate_findings({"DeliveryAttempts": 1000, "Bounces": 10, "Complaints": 0}) == []
    assert [level for level, _ in rate_findings({"DeliveryAttempts": 1000, "Bounces": 60, "Complaints": 0})] == ["warn"]
    found = rate_findings({"DeliveryAttempts": 1000, "Bounces": 120, "Complaints": 6})
    assert [level for level, _ in found] == ["fail", "fail"]
    assert found[0][1].startswith("bounce rate 12.00%") and found[1][1].startswith("complaint rate 0.60%")
    assert rate_findings({"DeliveryAttempts": 0, "Bounces": 0}) == []
