"""Issue "Recovery", item 5: escalation on a clock, and notify.sns / notify.email / notify.webhook.

The profile's ``[[incident.escalation]]`` is validated with file:line errors; the header counts
down to the next escalation; when one is due the cockpit says so and ``e`` opens its plan, which
sends nothing until confirmed. SNS and SES run against moto's server (the SNS message read back
from a subscribed SQS queue, the SES one from moto's /moto-api/data.json), the webhook against a
receiver on loopback; each plan's command, run by the real aws CLI or curl, sends the same.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult

from services.actions.executor import ActionExecutor, Confirmation
from services.aws.session import AwsTarget
from services.errors import BadInput
from services.incident.report import build_report, render_markdown
from services.incident.state import Incident, NextEscalation, header_forms, header_text
from services.incident.timeline import Timeline, read_timeline
from services.profile import ProfileError, load_profile, parse_profile
from services.profile.escalation import EscalationSpec, due_now, next_escalation, pending
from services.sources import Sources
from tests.support.screen import screen_text
from tests.support.waiting import until
from tests.support.webhook import Receiver
from tui.app import CockpitApp
from tui.screens.confirm_action import ConfirmActionScreen
from tui.screens.dashboard import DashboardScreen
from widgets.cockpit_header import CockpitHeader

AWS = Path(sys.executable).parent / "aws"
TOKEN = "hook-Secret-91c2"  # must never reach the screen, the plan or the timeline
OPENED = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
ESCALATIONS = """
[[incident.escalation]]
after = "15m"
severity = ["P1", "P2"]
who = "on-call SRE"
how = "sns"
topic_arn = "arn:aws:sns:us-east-1:123456789012:oncall"

[[incident.escalation]]
after = "30m"
severity = ["P1"]
who = "Team Lead"
how = "email"
to = ["lead@company.com", "manager@company.com"]
from = "cockpit@company.com"

[[incident.escalation]]
after = "1h"
who = "development team"
how = "webhook"
url = "http://127.0.0.1:9/hook"
headers = { Authorization = "env:HOOK_TOKEN", X-Source = "incident-cockpit" }
"""


def _rules(text: str = ESCALATIONS) -> list[EscalationSpec]:
    return parse_profile('[system]\nname = "SentraScan Platform"\n' + text).incident.escalation


def _incident(severity: str = "P2", opened: datetime = OPENED) -> Incident:
    return Incident(title="API down after deploy", severity=severity, opened=opened, opened_by="alice")


def _event(step: str, minutes: float, **fields: Any) -> dict[str, Any]:
    when = (OPENED + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
    return {"time": when, "operator": "alice", "profile": "SentraScan Platform", "step": step, **fields}


# ------------------------------------------------------------------ the profile
def test_escalations_load_as_the_runbooks_write_them() -> None:
    sns, email, webhook = _rules()
    assert (sns.action_id, sns.target, sns.after_seconds, sns.severity) == (
        "notify.sns", "arn:aws:sns:us-east-1:123456789012:oncall", 900, ("P1", "P2"))
    assert (email.target, email.sender) == ("lead@company.com,manager@company.com", "cockpit@company.com")
    assert webhook.severity == () and webhook.headers["Authorization"] == "env:HOOK_TOKEN"
    assert parse_profile('[system]\nname = "S"\n').incident.escalation == []


@pytest.mark.parametrize("entry, line, message", [
    ('after = "15 minutes"\nwho = "x"\nhow = "sns"\ntopic_arn = "arn:aws:sns:us-east-1:123456789012:t"', 5,
     "incident.escalation[0].after: not a duration: '15 minutes'"),
    ('after = "5m"\nseverity = ["P0"]\nwho = "x"\nhow = "sns"\ntopic_arn = "arn:aws:sns:us-east-1:123456789012:t"', 6,
     "incident.escalation[0].severity: unknown severity 'P0'"),
    ('after = "5m"\nwho = "x"\nhow = "sns"', 4, 'incident.escalation[0]: how = "sns" needs topic_arn'),
    ('after = "5m"\nwho = "x"\nhow = "email"\nto = "lead@company.com"\nurl = "http://x"', 4,
     'incident.escalation[0]: how = "email" needs from; url: not for how = "email"'),
    ('after = "5m"\nwho = "x"\nhow = "email"\nto = ["nobody"]\nfrom = "a@b.co"', 8,
     "incident.escalation[0].to: not an email address: 'nobody'"),
    ('after = "5m"\nwho = "x"\nhow = "webhook"\nurl = "http://h/x"\nheaders = { Authorization = "Bearer abc" }', 9,
     'incident.escalation[0].headers: Authorization: a secret header takes its value from the environment'),
    ('after = "5m"\nwho = "x"\nhow = "pager"', 7, "incident.escalation[0].how: Input should be 'sns', 'email' or 'webhook'"),
    ('after = "5m"\nwho = "x"\nhow = "sns"\ntopic_arn = "arn:aws:sns:us-east-1:123456789012:t"\ntopci = 1', 9,
     "incident.escalation[0].topci: unknown field 'topci'"),
])
def test_a_wrong_escalation_is_one_line_with_its_file_and_line(entry: str, line: int, message: str) -> None:
    text = '[system]\nname = "S"\n\n[[incident.escalation]]\n' + entry + "\n"
    with pytest.raises(ProfileError) as error:
        parse_profile(text, "p.toml")
    assert len(error.value.lines) == 1, error.value.lines
    assert error.value.lines[0].startswith(f"p.toml:{line}: {message}"), error.value.lines


# ------------------------------------------------------------------ the clock
def test_the_next_escalation_follows_the_severity_and_the_timeline() -> None:
    rules = _rules()
    incident = _incident("P2")
    assert [rule.who for rule in pending(rules, incident, [])] == ["on-call SRE", "development team"]  # no P1 lead
    assert next_escalation(rules, incident, []) == NextEscalation("on-call SRE", OPENED + timedelta(minutes=15))
    assert due_now(rules, incident, [], OPENED + timedelta(minutes=14)) == []
    assert [rule.who for rule in due_now(rules, incident, [], OPENED + timedelta(minutes=15))] == ["on-call SRE"]
    sent = [_event("verified", 16, action="notify.sns", target=rules[0].target, ok=True)]
    assert next_escalation(rules, incident, sent) == NextEscalation("development team", OPENED + timedelta(hours=1))
    failed = [_event("verified", 16, action="notify.sns", target=rules[0].target, ok=False)]
    assert next_escalation(rules, incident, failed).who == "on-call SRE"  # type: ignore[union-attr]
    before = [_event("verified", -30, action="notify.sns", target=rules[0].target, ok=True)]  # another incident's
    assert next_escalation(rules, incident, before).who == "on-call SRE"  # type: ignore[union-attr]
    assert [rule.who for rule in pending(rules, _incident("P1"), [])] == ["on-call SRE", "Team Lead", "development team"]
    resolved = _incident("P1")
    resolved.resolved = OPENED + timedelta(minutes=5)
    assert pending(rules, resolved, []) == [] and next_escalation(rules, None, []) is None


def test_the_header_counts_down_and_its_shortest_form_stays_the_clock() -> None:
    incident = _incident("P2")
    now = OPENED + timedelta(minutes=3)
    escalation = NextEscalation("on-call SRE", OPENED + timedelta(minutes=15))
    assert header_text(incident, now, escalation).endswith("ack due in 12m · esc 12m → on-call SRE")
    forms = header_forms(incident, now, escalation)
    assert forms == ("P2 ack 12m · esc 12m → on-call SRE · API down after deploy", "P2 ack 12m · esc 12m → on-call SRE",
                     "P2 ack 12m · esc 12m", "P2 ack 12m")
    late = OPENED + timedelta(minutes=20)
    assert header_text(incident, late, escalation).endswith("esc DUE → on-call SRE (e)")
    assert header_forms(incident, late, escalation)[2] == "P2 ack OVERDUE 5m · esc DUE (e)"
    assert header_forms(incident, now) == ("P2 ack 12m · API down after deploy", "P2 ack 12m")  # none configured


class HeaderApp(App[None]):
    def __init__(self, **fields: Any) -> None:
        super().__init__()
        self.fields = fields

    def compose(self) -> ComposeResult:
        header = CockpitHeader()
        for name, value in self.fields.items():
            setattr(header, name, value)
        yield header


@pytest.mark.parametrize("width", [80, 120])
async def test_the_header_with_an_escalation_fits_80_and_120_columns(width: int) -> None:
    now = datetime.now(UTC)
    incident = _incident("P2", now - timedelta(minutes=3))
    escalation = NextEscalation("on-call SRE", incident.opened + timedelta(minutes=15))
    app = HeaderApp(system="SentraScan Platform", where="us-east-1 · http://127.0.0.1:54321", read_only=True,
                    incident=header_text(incident, now, escalation), incident_forms=header_forms(incident, now, escalation),
                    notice="▶ playbook: Database issues (p)")
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        header = app.screen.query_one(CockpitHeader)
        lines = screen_text(app).splitlines()[: header.size.height]
        text = "\n".join(lines)
        assert all(len(line) <= width for line in lines) and "…" not in text, text
        assert "P2 ack 1" in text or "ack due in 1" in text, text
        if width == 120:
            assert "esc 1" in text and "→ on-call SRE" in text, text


# ------------------------------------------------------------------ the message
def test_the_message_says_incident_severity_elapsed_and_the_last_actions() -> None:
    from services.actions.notify import escalation_message

    events = [_event("incident", 0, event="opened", title="API down after deploy", severity="P2"),
              _event("verified", 4, action="docker.restart", target="sentrascan-api-1", ok=True),
              _event("failed", 6, action="postgres.terminate", target="4242", error="no"),
              _event("cancelled", 7, action="postgres.vacuum", target="public.scans")]
    subject, text = escalation_message(_incident("P2"), events, who="on-call SRE", system="SentraScan Platform",
                                       now=OPENED + timedelta(minutes=17))
    assert subject == "[P2] SentraScan Platform: API down after deploy (17m) - escalation to on-call SRE"
    assert "Severity: P2 (High: Significant degradation)" in text
    assert "Opened: 2026-12-02 10:00 UTC by alice, 17m ago" in text and "Acknowledged: not yet" in text
    assert text.index("10:04 docker.restart on sentrascan-api-1: verified") < text.index(
        "10:06 postgres.terminate on 4242: failed") < text.index("10:07 postgres.vacuum on public.scans: cancelled")


# ------------------------------------------------------------------ SNS and SES on moto's server
def _aws_executor(aws_session, tmp_path: Path) -> ActionExecutor:
    return ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "timeline.jsonl", profile="SentraScan Platform"),
                          read_only=False, profile_name="SentraScan Platform")


def _aws_cli(command: str, endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{AWS.parent}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_MAX_ATTEMPTS": "1"}
    return subprocess.run(["bash", "-c", f"{command} --endpoint-url {endpoint}"], env=env, capture_output=True,
                          text=True, timeout=120)


def _params(rule: EscalationSpec) -> dict[str, Any]:
    from services.actions.notify import escalation_message

    subject, message = escalation_message(_incident("P1"), [], who=rule.who, system="SentraScan Platform",
                                          now=OPENED + timedelta(minutes=31))
    return rule.params(subject, message)


def test_notify_sns_publishes_the_planned_message_and_the_cli_publishes_the_same(moto, boto, aws_session, tmp_path) -> None:
    sns, sqs = boto("sns"), boto("sqs")
    topic = sns.create_topic(Name="oncall")["TopicArn"]
    queue = sqs.create_queue(QueueName="oncall-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    rule = _rules()[0]
    assert rule.target == topic
    executor = _aws_executor(aws_session, tmp_path)
    params = _params(rule)
    action, plan = executor.prepare("notify.sns", rule.target, params)
    assert plan.command.startswith("aws sns publish --topic-arn") and "Last actions:" in plan.command
    assert plan.notes[-1] == "Message, exactly as sent:\n" + params["message"]
    assert "1 subscription(s) get it (sqs)." in plan.notes and not plan.reversible
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages") is None  # planning sends nothing
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert outcome.ok, outcome.error or outcome.verification
    (received,) = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"]
    body = json.loads(received["Body"])
    assert (body["Subject"], body["Message"]) == (params["subject"], params["message"])
    assert outcome.verification is not None and outcome.verification.observed["MessageId"] == body["MessageId"]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=received["ReceiptHandle"])
    done = _aws_cli(plan.command, moto)
    assert done.returncode == 0, done.stderr
    (by_cli,) = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"]
    again = json.loads(by_cli["Body"])
    assert (again["Subject"], again["Message"]) == (body["Subject"], body["Message"])
    steps = [(event["step"], event.get("action")) for event in read_timeline(tmp_path / "timeline.jsonl")]
    assert steps[-1] == ("verified", "notify.sns") and ("started", "notify.sns") in steps


def test_a_topic_that_does_not_exist_is_one_line(moto, aws_session, tmp_path) -> None:
    with pytest.raises(BadInput, match="no SNS topic arn:aws:sns:us-east-1:123456789012:oncall"):
        _aws_executor(aws_session, tmp_path).prepare("notify.sns", _rules()[0].target, _params(_rules()[0]))


def _ses_messages(endpoint: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=10) as response:
        return json.loads(response.read())["ses"]["Message"]


def test_notify_email_sends_through_ses_and_the_cli_sends_the_same(moto, boto, aws_session, tmp_path) -> None:
    rule = _rules()[1]
    executor = _aws_executor(aws_session, tmp_path)
    with pytest.raises(BadInput, match=r"neither cockpit@company\.com nor company\.com is a verified identity"):
        executor.prepare("notify.email", rule.target, _params(rule))
    boto("ses").verify_email_identity(EmailAddress="cockpit@company.com")
    params = _params(rule)
    action, plan = executor.prepare("notify.email", rule.target, params)
    assert plan.command.startswith("aws ses send-email --from cockpit@company.com --destination")
    assert _ses_messages(moto) == []
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert outcome.ok, outcome.error or outcome.verification
    (sent,) = _ses_messages(moto)
    assert sent["source"] == "cockpit@company.com" and sent["subject"] == params["subject"]
    assert sent["body"] == params["message"]
    assert sent["destinations"]["ToAddresses"] == ["lead@company.com", "manager@company.com"]
    done = _aws_cli(plan.command, moto)
    assert done.returncode == 0, done.stderr
    first, second = _ses_messages(moto)
    assert {key: second[key] for key in ("source", "subject", "body", "destinations")} == {
        key: first[key] for key in ("source", "subject", "body", "destinations")}
    statistics = boto("ses").get_send_statistics()["SendDataPoints"]
    assert sum(point["DeliveryAttempts"] for point in statistics) == 4  # two sends, two recipients each


# ------------------------------------------------------------------ a webhook on loopback
@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("HOOK_TOKEN", f"Bearer {TOKEN}")
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    found = Receiver()
    yield found
    found.close()


def _webhook(url: str) -> EscalationSpec:
    text = ESCALATIONS.replace("http://127.0.0.1:9/hook", url)
    return _rules(text)[2]


def test_notify_webhook_posts_the_message_and_curl_posts_the_same(receiver, tmp_path) -> None:
    assert shutil.which("curl"), "curl is required (apt-get install curl)"
    rule = _webhook(receiver.url)
    executor = ActionExecutor(Sources(), Timeline(tmp_path / "timeline.jsonl", profile="S"), read_only=False,
                              profile_name="S")
    params = _params(rule)
    action, plan = executor.prepare("notify.webhook", rule.target, params)
    assert '-H "Authorization: $HOOK_TOKEN"' in plan.command and "X-Source: incident-cockpit" in plan.command
    assert TOKEN not in plan.command and TOKEN not in " ".join(plan.notes)
    assert receiver.requests == []
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert outcome.ok, outcome.error or outcome.verification
    (request,) = receiver.requests
    assert request["path"] == "/hooks/incident" and request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request["body"]) == {"text": params["message"]}
    env = {"PATH": "/usr/bin:/bin", "HOOK_TOKEN": f"Bearer {TOKEN}"}
    done = subprocess.run(["bash", "-c", plan.command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    by_curl = receiver.requests[1]
    assert by_curl["body"] == request["body"]
    for header in ("Authorization", "X-Source", "Content-Type"):
        assert by_curl["headers"][header] == request["headers"][header]
    assert TOKEN not in (tmp_path / "timeline.jsonl").read_text()


def test_a_webhook_that_refuses_fails_and_an_unset_variable_is_one_line(receiver, tmp_path, monkeypatch) -> None:
    rule = _webhook(receiver.url)
    executor = ActionExecutor(Sources(), Timeline(tmp_path / "timeline.jsonl", profile="S"), read_only=False,
                              profile_name="S")
    receiver.status = 500
    action, plan = executor.prepare("notify.webhook", rule.target, _params(rule))
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert not outcome.ran and "the webhook answered 500" in (outcome.error or "")
    monkeypatch.delenv("HOOK_TOKEN")
    with pytest.raises(BadInput, match=r"header Authorization: \$HOOK_TOKEN is not set"):
        executor.prepare("notify.webhook", rule.target, _params(rule))


def test_the_report_lists_who_was_notified_when(receiver, tmp_path) -> None:
    timeline = Timeline(tmp_path / "timeline.jsonl", profile="S")
    timeline.append("incident", event="opened", title="API down after deploy", severity="P2")
    rule = _webhook(receiver.url)
    executor = ActionExecutor(Sources(), timeline, read_only=False, profile_name="S")
    action, plan = executor.prepare("notify.webhook", rule.target, _params(rule))
    assert executor.execute(action, plan, Confirmation(plan)).ok
    report = build_report(read_timeline(timeline.path))
    (entry,) = report.notified
    assert (entry["who"], entry["how"], entry["outcome"]) == ("development team", "webhook", "notified")
    text = render_markdown(report)
    assert f"- **{entry['time']}** - development team by webhook ({receiver.url}): notified" in text
    assert "## Escalation" in text and TOKEN not in text


# ------------------------------------------------------------------ the cockpit offers it
async def test_a_due_escalation_is_announced_and_e_opens_its_plan_which_sends_only_when_confirmed(receiver,
                                                                                                   tmp_path) -> None:
    profile_path = tmp_path / "profile.toml"
    profile_path.write_text('[system]\nname = "SentraScan Platform"\n\n'
                            f'[[incident.escalation]]\nafter = "2m"\nwho = "on-call SRE"\nhow = "webhook"\n'
                            f'url = "{receiver.url}"\nheaders = {{ Authorization = "env:HOOK_TOKEN" }}\n\n'
                            '[[incident.escalation]]\nafter = "2h"\nwho = "Team Lead"\nhow = "webhook"\n'
                            f'url = "{receiver.url}?lead"\n')
    timeline = tmp_path / "timeline.jsonl"
    opened = (datetime.now(UTC) - timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    timeline.write_text(json.dumps({"time": opened, "operator": "alice", "profile": "SentraScan Platform",
                                    "step": "incident", "event": "opened", "title": "API down after deploy",
                                    "severity": "P2"}) + "\n")
    app = CockpitApp(load_profile(profile_path), AwsTarget(), timeline_path=timeline)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:  # the toast is what is tested
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        header = app.screen.query_one("#header", CockpitHeader)
        await until(pilot, lambda: "esc DUE → on-call SRE (e)" in header.incident, what=lambda: header.incident)
        await until(pilot, lambda: "escalation due: notify on-call SRE (e)" in screen_text(app),
                    what=lambda: screen_text(app))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen), what="the plan")
        screen = app.screen
        assert isinstance(screen, ConfirmActionScreen)
        plan = screen.plan
        assert (plan.action_id, plan.target) == ("notify.webhook", receiver.url)
        assert "API down after deploy" in plan.params["message"] and "Severity: P2" in plan.params["message"]
        assert receiver.requests == []  # shown, not sent
        assert TOKEN not in screen_text(app)
        await pilot.click("#run")
        await until(pilot, lambda: len(receiver.requests) == 1, what="the webhook called once")
        await until(pilot, lambda: "→ Team Lead" in header.incident, what=lambda: header.incident)
        assert "esc 1h5" in header.incident  # counting down to the next one
