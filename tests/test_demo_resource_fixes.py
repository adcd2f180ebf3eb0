"""The two demo episodes whose fix is found on the resources screen, played against moto's server:
000's SQS failures end once the finding's iam.grant runs; 004's errors end once its lambda.rollback runs."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from services.actions.executor import ActionExecutor, Confirmation
from services.aws.resources import Offer, read_resource
from services.demo.scenarios.sentra_scanner import utcnow
from services.incident.timeline import Timeline
from services.sources import Sources
from tests.support.demo_scenarios import jump_to_incident, profile_of, seed_scenario, tick

SQS_EPISODE = 190  # the tick the Sentra Scanner's SQS failures start (its 300-tick loop)


def _run_offer(aws_session: Any, offer: Offer, tmp_path: Path) -> None:
    executor = ActionExecutor(Sources(aws=aws_session), Timeline(tmp_path / "timeline.jsonl"), read_only=False,
                              profile_name="demo")
    action, plan = executor.prepare(offer.action, offer.target, dict(offer.params))
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=plan.target))
    assert outcome.ok, (outcome.error, outcome.verification)


def _offer(profile: Any, aws_session: Any, resource_id: str, action: str) -> Offer:
    spec = next(resource for resource in profile.resources if resource.id == resource_id)
    offers = [offer for _, offer in read_resource(aws_session, spec).offers if offer.action == action]
    assert offers, f"{resource_id}: no {action} offered"
    return offers[0]


def _sqs_failures(sentra: Any, ticks: int) -> int:
    for _ in range(ticks):
        sentra.tick(utcnow())
    return sum(failures for _, _, failures in list(sentra.recent)[-ticks:])


def test_the_sqs_episode_is_the_roles_missing_permission_and_the_grant_ends_it(sentra, aws_session, demo_profile,
                                                                                tmp_path) -> None:
    sentra.tick_count = SQS_EPISODE - 1
    assert _sqs_failures(sentra, 8) > 0  # AccessDenied on sqs:SendMessage, as in the logs
    offer = _offer(demo_profile, aws_session, "execution_role", "iam.grant")
    assert dict(offer.params) == {"action": "sqs:SendMessage",
                                  "resource": "arn:aws:sqs:us-east-1:123456789012:sentra-scanner-results"}
    _run_offer(aws_session, offer, tmp_path)
    assert _sqs_failures(sentra, 12) == 0  # the rest of the episode: every send goes through
    spec = next(resource for resource in demo_profile.resources if resource.id == "execution_role")
    assert read_resource(aws_session, spec).level == "ok"


def test_the_rollback_offered_by_the_function_ends_004s_errors(boto, aws_session, tmp_path) -> None:
    scenario = seed_scenario("cloud-remediator-sage", boto)
    try:
        profile = profile_of(scenario)
        offer = _offer(profile, aws_session, "ingest", "lambda.rollback")
        assert dict(offer.params) == {"alias": "prod", "version": "1"}
        jump_to_incident(scenario)
        tick(scenario, 30)
        assert scenario.errors.sum() > 0 and scenario.deployed == "2"  # version 2 scans every region: killed
        _run_offer(aws_session, offer, tmp_path)
        tick(scenario, 35)  # still inside the incident's window (40..110), the 30-tick error window cleared
        assert scenario.errors.sum() == 0 and scenario.deployed == "1"
        assert scenario.health is None or scenario.health.state == "ok"
    finally:
        scenario.close()
