"""The executor: the only run path, its refusals, and what it leaves on the timeline."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.actions.base import Risk
from services.actions.executor import ActionExecutor, Confirmation, Outcome
from services.aws.session import AwsSession
from services.errors import AccessDenied, BadInput, NotConfirmed, ReadOnly
from services.incident.timeline import Timeline, read_timeline
from services.sources import Sources
from tests.support.action_cases import FUNCTION, seed_messages

SYSTEM = "Sentra Scanner"


@pytest.fixture
def timeline_path(tmp_path: Path) -> Path:
    return tmp_path / "timeline.jsonl"


def make_executor(session: Any, path: Path, *, read_only: bool = False) -> ActionExecutor:
    return ActionExecutor(Sources(aws=session), Timeline(path, profile=SYSTEM), read_only=read_only, profile_name=SYSTEM)


def steps(path: Path) -> list[str]:
    return [event["step"] for event in read_timeline(path)]


def timeout(boto) -> int:
    return boto("lambda").get_function_configuration(FunctionName=FUNCTION)["Timeout"]


def test_a_confirmed_run_records_every_step_in_order(sentra, boto, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("lambda.set-timeout", FUNCTION, {"timeout": 600})
    assert steps(timeline_path) == ["planned"]
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert outcome.ok and outcome.ran and outcome.error is None
    assert timeout(boto) == 600
    assert steps(timeline_path) == ["planned", "confirmed", "started", "succeeded", "verified"]
    events = read_timeline(timeline_path)
    planned, verified = events[0], events[-1]
    assert planned["before"] == {"timeout": 300} and planned["after"] == {"timeout": 600}
    assert planned["command"] == plan.command and planned["risk"] == "low"
    assert verified["ok"] is True and verified["after"] == {"timeout": 600}
    for event in events:
        assert event["time"].endswith("Z") and "T" in event["time"]
        assert event["profile"] == SYSTEM and event["operator"]
        assert event["action"] == "lambda.set-timeout" and event["target"] == FUNCTION
    assert outcome.inverse is not None and outcome.inverse.params.model_dump() == {"timeout": 300}


def test_read_only_refuses_even_a_confirmed_plan_and_records_it(sentra, boto, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path, read_only=True)
    action, plan = executor.prepare("lambda.set-concurrency", FUNCTION, {"concurrency": 0})  # plans still work
    with pytest.raises(ReadOnly):
        executor.execute(action, plan, Confirmation(plan, typed_target=FUNCTION))
    assert steps(timeline_path) == ["planned", "refused"]
    assert "read-only" in read_timeline(timeline_path)[-1]["error"]
    assert boto("lambda").get_function_concurrency(FunctionName=FUNCTION).get("ReservedConcurrentExecutions") is None


@pytest.mark.parametrize("typed", ["", "customer-sentra", "CUSTOMER-SENTRA-SCANNER"])
def test_a_high_risk_plan_needs_the_exact_target_typed(typed, sentra, boto, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("lambda.set-concurrency", FUNCTION, {"concurrency": 0})
    assert plan.risk is Risk.HIGH
    with pytest.raises(NotConfirmed) as refused:
        executor.execute(action, plan, Confirmation(plan, typed_target=typed))
    assert FUNCTION in str(refused.value)
    assert steps(timeline_path) == ["planned", "refused"]
    assert boto("lambda").get_function_concurrency(FunctionName=FUNCTION).get("ReservedConcurrentExecutions") is None

    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=FUNCTION))
    assert outcome.ok
    assert boto("lambda").get_function_concurrency(FunctionName=FUNCTION)["ReservedConcurrentExecutions"] == 0


def test_a_confirmation_must_be_of_this_plan(sentra, boto, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("lambda.set-timeout", FUNCTION, {"timeout": 600})
    _, other = executor.prepare("lambda.set-timeout", FUNCTION, {"timeout": 30})
    with pytest.raises(NotConfirmed):
        executor.execute(action, plan, Confirmation(other))
    with pytest.raises(NotConfirmed):
        executor.execute(action, plan, "yes")  # type: ignore[arg-type]
    assert steps(timeline_path)[-2:] == ["refused", "refused"]
    assert timeout(boto) == 300


class WriteDenied(AwsSession):
    """Credentials that may read but not write: the commonest failure in the middle of a run."""

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        if not operation.startswith(("get_", "describe_", "list_")):
            raise AccessDenied(f"AccessDeniedException: not authorized to perform {service}:{operation}",
                               operation=f"{service}.{operation}")
        return super().call(service, operation, **params)


def test_a_failed_run_is_recorded_as_failed_with_its_error(sentra, boto, aws_target, timeline_path) -> None:
    executor = make_executor(WriteDenied(aws_target), timeline_path)
    action, plan = executor.prepare("lambda.set-timeout", FUNCTION, {"timeout": 600})
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert not outcome.ok and not outcome.ran
    assert outcome.inverse is None
    assert outcome.error is not None
    assert "not authorized to perform lambda:update_function_configuration" in outcome.error
    assert steps(timeline_path) == ["planned", "confirmed", "started", "failed"]
    assert read_timeline(timeline_path)[-1]["error"] == outcome.error
    assert timeout(boto) == 300


def test_an_unexpected_error_is_still_recorded_as_failed(sentra, aws_session, timeline_path, monkeypatch) -> None:
    from services.actions.lambda_config import SetTimeout

    def broken(self, plan):
        raise RuntimeError("bug in run")

    monkeypatch.setattr(SetTimeout, "run", broken)
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("lambda.set-timeout", FUNCTION, {"timeout": 600})
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert outcome.error == "RuntimeError: bug in run"
    assert steps(timeline_path)[-1] == "failed"


def test_an_unsupported_operation_fails_cleanly(sentra, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("sqs.redrive-dlq", "sentra-scanner-results-dlq", {})
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert not outcome.ok
    assert outcome.error is not None and outcome.error.startswith("not supported by this endpoint")
    assert steps(timeline_path)[-1] == "failed"


def test_a_plan_whose_before_moved_is_refused(sentra, boto, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("lambda.set-timeout", FUNCTION, {"timeout": 600})
    boto("lambda").update_function_configuration(FunctionName=FUNCTION, Timeout=120)  # someone else, meanwhile
    with pytest.raises(NotConfirmed) as refused:
        executor.execute(action, plan, Confirmation(plan))
    assert "timeout was 300, now 120" in str(refused.value)
    assert steps(timeline_path) == ["planned", "confirmed", "refused"]
    assert timeout(boto) == 120


def test_a_volatile_before_does_not_make_the_plan_stale(sentra, boto, aws_session, timeline_path) -> None:
    seed_messages(boto)
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("sqs.purge", "sentra-scanner-results", {})
    seed_messages(boto)  # messages keep arriving while the person reads the plan
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target="sentra-scanner-results"))
    assert outcome.ok, outcome.verification
    assert outcome.inverse is None


def test_secrets_never_reach_the_timeline(sentra, boto, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path)
    secrets = {"SENTRA_API_TOKEN": "tok-0123456789", "DB_PASSWORD": "hunter2-correct-horse"}
    action, plan = executor.prepare("lambda.set-env", FUNCTION, {"variables": secrets})
    assert secrets["DB_PASSWORD"] in plan.command  # the plan itself is exact: it is what a person would paste
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert outcome.ok
    env = boto("lambda").get_function_configuration(FunctionName=FUNCTION)["Environment"]["Variables"]
    assert env["DB_PASSWORD"] == secrets["DB_PASSWORD"]
    text = timeline_path.read_text()
    for value in secrets.values():
        assert value not in text
    planned = read_timeline(timeline_path)[0]
    assert planned["params"] == {"variables": {"SENTRA_API_TOKEN": "***", "DB_PASSWORD": "***"}}
    assert planned["after"] == {"env.SENTRA_API_TOKEN": "***", "env.DB_PASSWORD": "***"}
    assert planned["before"] == {"env.SENTRA_API_TOKEN": None, "env.DB_PASSWORD": None}
    assert '"DB_PASSWORD":"***"' in planned["command"] and '"LOG_LEVEL":"INFO"' in planned["command"]


def test_undo_is_a_new_plan_confirmed_like_any_other(sentra, boto, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("iam.deny-all", "user/sentra-deployer", {})
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target="user/sentra-deployer"))
    assert outcome.ok
    undo_action, undo_plan = executor.undo(outcome)
    assert undo_plan.undoes == "iam.deny-all" and undo_action.id == "iam.remove-deny-all"
    assert [(c.before, c.after) for c in undo_plan.changes] == [("Deny * on *", None)]
    assert boto("iam").list_user_policies(UserName="sentra-deployer")["PolicyNames"] == ["CockpitDenyAll"]
    undone = executor.execute(undo_action, undo_plan, Confirmation(undo_plan))
    assert undone.ok
    assert boto("iam").list_user_policies(UserName="sentra-deployer")["PolicyNames"] == []
    run = ["confirmed", "started", "succeeded", "verified"]
    assert steps(timeline_path) == ["planned", *run, "planned", *run, "undone"]
    assert read_timeline(timeline_path)[-1]["undoes"] == "iam.deny-all"


def test_undo_from_a_plan_and_of_what_cannot_be_undone(sentra, boto, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("lambda.set-memory", FUNCTION, {"memory": 1024})
    executor.execute(action, plan, Confirmation(plan))
    _, undo_plan = executor.undo(plan)  # e.g. from a timeline entry, without the Outcome
    assert [(c.before, c.after) for c in undo_plan.changes] == [(1024, 512)]

    seed_messages(boto)
    _, purge_plan = executor.prepare("sqs.purge", "sentra-scanner-results", {})
    with pytest.raises(BadInput, match="cannot be undone"):
        executor.undo(purge_plan)
    with pytest.raises(BadInput, match="cannot be undone"):
        executor.undo(Outcome(plan=purge_plan, ran=True))


def test_cancel_records_cancelled_and_bad_input_records_nothing(sentra, aws_session, timeline_path) -> None:
    executor = make_executor(aws_session, timeline_path)
    action, plan = executor.prepare("alarm.disable-actions", "sentra-lambda-errors", {})
    executor.cancel(action, plan, "closed the dialog")
    assert steps(timeline_path) == ["planned", "cancelled"]
    assert read_timeline(timeline_path)[-1]["detail"] == "closed the dialog"
    with pytest.raises(BadInput, match="unknown action"):
        executor.prepare("lambda.reboot", FUNCTION, {})
    with pytest.raises(BadInput, match="no CloudWatch alarm named 'nope'"):
        executor.prepare("alarm.disable-actions", "nope", {})
    assert steps(timeline_path) == ["planned", "cancelled"]
