"""The SQS reader against moto's server: depth, oldest message from CloudWatch, dead-letter queue, policy."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from services.aws.resources import read_resource
from services.profile.resources import ResourceSpec
from tests.support.readings import field_of

SPEC = ResourceSpec(id="alerts_queue", type="sqs", name="mantissa-alerts")


def texts(reading, level: str) -> list[str]:
    return [finding.text for finding in reading.findings if finding.level == level]


def test_depth_redrive_dlq_depth_policy_and_oldest_age(boto, aws_session) -> None:
    sqs = boto("sqs")
    dlq = sqs.create_queue(QueueName="mantissa-alerts-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Sentra", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "sqs:SendMessage", "Resource": "*"}]}
    queue = sqs.create_queue(QueueName="mantissa-alerts", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
        "Policy": json.dumps(policy), "VisibilityTimeout": "60"})["QueueUrl"]
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=900)
    sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)  # one in flight
    sqs.send_message(QueueUrl=dlq, MessageBody="failed")
    sqs.send_message(QueueUrl=dlq, MessageBody="failed again")
    boto("cloudwatch").put_metric_data(Namespace="AWS/SQS", MetricData=[{
        "MetricName": "ApproximateAgeOfOldestMessage", "Dimensions": [{"Name": "QueueName", "Value": "mantissa-alerts"}],
        "Timestamp": datetime.now(UTC), "Value": 3 * 86400, "Unit": "Seconds"}])

    reading = read_resource(aws_session, SPEC)

    assert reading.status == "exists"
    assert field_of(reading, "Messages").value == "2 visible, 1 in flight, 1 delayed"
    assert field_of(reading, "Oldest message").value == "3 d"
    assert field_of(reading, "Visibility timeout").value == "1 min"
    assert field_of(reading, "Retention").value == "4 d"
    assert field_of(reading, "Redrive policy").value == "to mantissa-alerts-dlq after 3 receives"
    assert field_of(reading, "Dead-letter queue depth").value == "2 message(s)"
    assert "the dead-letter queue mantissa-alerts-dlq holds 2 message(s)" in texts(reading, "warn")
    assert "the oldest message is 3 d old; messages expire after 4 d" in texts(reading, "warn")
    queue_policy = field_of(reading, "Queue policy")
    assert queue_policy.value == "1 statement (1 Allow)"
    assert queue_policy.detail == ("Sentra: Allow sqs:SendMessage on * to AWS arn:aws:iam::111122223333:root",)
    assert field_of(reading, "URL").value == queue


def test_no_redrive_no_data_no_policy(boto, aws_session) -> None:
    boto("sqs").create_queue(QueueName="mantissa-alerts")
    reading = read_resource(aws_session, SPEC)
    assert field_of(reading, "Messages").value == "0 visible, 0 in flight, 0 delayed"
    assert field_of(reading, "Oldest message").value.startswith("n/a")
    assert field_of(reading, "Redrive policy").value == "none"
    assert reading.field("Dead-letter queue depth") is None
    assert any(text.startswith("no dead-letter queue") for text in texts(reading, "warn"))
    assert field_of(reading, "Queue policy").value.startswith("none")


def test_a_redrive_to_a_deleted_queue_fails(boto, aws_session) -> None:
    sqs = boto("sqs")
    dlq = sqs.create_queue(QueueName="gone-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName="mantissa-alerts", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "5"})})
    sqs.delete_queue(QueueUrl=dlq)
    reading = read_resource(aws_session, SPEC)
    assert "the dead-letter queue gone-dlq does not exist" in texts(reading, "fail")


def test_a_queue_that_does_not_exist(aws_session) -> None:
    reading = read_resource(aws_session, SPEC)
    assert reading.status == "not found"
    assert [(f.level, f.text) for f in reading.findings] == [("fail", "queue mantissa-alerts does not exist")]
