"""The request shapes of what moto's server lacks, checked with botocore's Stubber.

Only here: moto answers StartMessageMoveTask and ListMessageMoveTasks with a 500, so the
exact requests sqs.redrive-dlq sends to AWS are pinned down at the boto3 level.
"""
from __future__ import annotations

import pytest
from botocore.stub import Stubber

from services.actions.catalog import build_action
from services.aws.session import AwsSession, AwsTarget

URL = "https://sqs.us-east-1.amazonaws.com/123456789012/sentra-scanner-results-dlq"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:sentra-scanner-results-dlq"
SOURCE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/sentra-scanner-results"
SOURCE_ARN = "arn:aws:sqs:us-east-1:123456789012:sentra-scanner-results"


@pytest.fixture
def stubbed():
    session = AwsSession(AwsTarget(region="us-east-1"))
    client = session.client("sqs")
    with Stubber(client) as stubber:
        yield session, stubber
        stubber.assert_no_pending_responses()


def _dlq_lookups(stubber: Stubber, *, waiting: int) -> None:
    stubber.add_response("get_queue_url", {"QueueUrl": URL}, {"QueueName": "sentra-scanner-results-dlq"})
    stubber.add_response("get_queue_attributes", {"Attributes": {
        "QueueArn": DLQ_ARN, "ApproximateNumberOfMessages": str(waiting), "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0"}}, {"QueueUrl": URL, "AttributeNames": [
            "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"]})


def _dlq_counts(stubber: Stubber, *, waiting: int) -> None:
    stubber.add_response("get_queue_url", {"QueueUrl": URL}, {"QueueName": "sentra-scanner-results-dlq"})
    stubber.add_response("get_queue_attributes", {"Attributes": {
        "ApproximateNumberOfMessages": str(waiting), "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0"}}, {"QueueUrl": URL, "AttributeNames": [
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]})


def test_redrive_dlq_starts_a_move_task_and_reads_it_back(stubbed) -> None:
    session, stubber = stubbed
    _dlq_lookups(stubber, waiting=42)
    stubber.add_response("get_queue_url", {"QueueUrl": SOURCE_URL}, {"QueueName": "sentra-scanner-results"})
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": SOURCE_ARN}},
                         {"QueueUrl": SOURCE_URL, "AttributeNames": ["QueueArn"]})
    action = build_action(session, "sqs.redrive-dlq", "sentra-scanner-results-dlq",
                          {"destination": "sentra-scanner-results", "max_per_second": 10})
    plan = action.plan()
    assert [(c.field, c.before, c.after) for c in plan.changes] == [("messages in dead-letter queue", 42, 0)]
    assert plan.command == (f"aws sqs start-message-move-task --source-arn {DLQ_ARN} --destination-arn {SOURCE_ARN} "
                            "--max-number-of-messages-per-second 10")
    assert plan.params["destination"] == SOURCE_ARN  # resolved: running it later needs no lookup by name

    stubber.add_response("get_queue_url", {"QueueUrl": URL}, {"QueueName": "sentra-scanner-results-dlq"})
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": DLQ_ARN}},
                         {"QueueUrl": URL, "AttributeNames": ["QueueArn"]})
    stubber.add_response("start_message_move_task", {"TaskHandle": "handle-1"},
                         {"SourceArn": DLQ_ARN, "DestinationArn": SOURCE_ARN, "MaxNumberOfMessagesPerSecond": 10})
    assert action.run(plan) == {"task handle": "handle-1"}

    stubber.add_response("get_queue_url", {"QueueUrl": URL}, {"QueueName": "sentra-scanner-results-dlq"})
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": DLQ_ARN}},
                         {"QueueUrl": URL, "AttributeNames": ["QueueArn"]})
    stubber.add_response("list_message_move_tasks", {"Results": [{
        "TaskHandle": "handle-1", "Status": "RUNNING", "SourceArn": DLQ_ARN, "ApproximateNumberOfMessagesMoved": 7}]},
        {"SourceArn": DLQ_ARN, "MaxResults": 1})
    _dlq_counts(stubber, waiting=35)
    verification = action.verify(plan)
    assert verification.ok
    assert verification.detail == "move task RUNNING, 7 moved so far"
    assert verification.observed == {"messages in dead-letter queue": 35, "move task": "RUNNING"}


def test_redrive_dlq_to_the_sources_sends_no_destination(stubbed) -> None:
    session, stubber = stubbed
    _dlq_lookups(stubber, waiting=3)
    action = build_action(session, "sqs.redrive-dlq", "sentra-scanner-results-dlq", {})
    plan = action.plan()
    assert plan.command == f"aws sqs start-message-move-task --source-arn {DLQ_ARN}"
    stubber.add_response("get_queue_url", {"QueueUrl": URL}, {"QueueName": "sentra-scanner-results-dlq"})
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": DLQ_ARN}},
                         {"QueueUrl": URL, "AttributeNames": ["QueueArn"]})
    stubber.add_response("start_message_move_task", {"TaskHandle": "handle-2"}, {"SourceArn": DLQ_ARN})
    assert action.run(plan)["task handle"] == "handle-2"


def test_a_failed_move_task_does_not_verify(stubbed) -> None:
    session, stubber = stubbed
    _dlq_lookups(stubber, waiting=3)
    action = build_action(session, "sqs.redrive-dlq", "sentra-scanner-results-dlq", {})
    plan = action.plan()
    stubber.add_response("get_queue_url", {"QueueUrl": URL}, {"QueueName": "sentra-scanner-results-dlq"})
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": DLQ_ARN}},
                         {"QueueUrl": URL, "AttributeNames": ["QueueArn"]})
    stubber.add_response("list_message_move_tasks", {"Results": [{
        "TaskHandle": "h", "Status": "FAILED", "SourceArn": DLQ_ARN, "FailureReason": "AccessDenied on destination"}]},
        {"SourceArn": DLQ_ARN, "MaxResults": 1})
    _dlq_counts(stubber, waiting=3)
    verification = action.verify(plan)
    assert not verification.ok
    assert "FAILED" in verification.detail and "AccessDenied on destination" in verification.detail
