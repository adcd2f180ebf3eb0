"""Sentra Scanner (runbook 000): a Lambda fed by S3 events, reporting to Sentra over SQS.

``seed`` creates what the runbook describes, with three hours of metric history; the
``Simulator`` then plays the runbook's incidents in a loop: a Lambda timeout episode
(duration above 240 s, ``Task timed out`` lines, the duration alarm in ALARM), a high
memory episode (big attachments use up to 98 % of the 512 MB: Lambda Insights'
``memory_utilization`` above 90 %, the memory alarm in ALARM until the memory is raised),
and an SQS delivery failure episode (``Failed to send results``, ProcessingErrors rising).
"""
from __future__ import annotations

import io
import json
import random
import uuid
import zipfile
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

FUNCTION = "customer-sentra-scanner"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
BUCKET = "sentra-scanner-uploads"
QUEUE = "sentra-scanner-results"
DLQ = "sentra-scanner-results-dlq"
ROLE = "lambda-execution-role"
CUSTOM_NS = "Sentra/EmailScanner"
CYCLE = 300  # ticks (about seconds) in one loop of the played incidents
LAMBDA_DIMENSIONS = [{"Name": "FunctionName", "Value": FUNCTION}]

ALARMS: list[dict[str, Any]] = [
    {"AlarmName": "sentra-lambda-errors", "AlarmDescription": "Lambda errors > 5 in 5 minutes (runbook 000)",
         "Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": LAMBDA_DIMENSIONS, "Statistic": "Sum",
         "Period": 300, "EvaluationPeriods": 1, "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "sentra-lambda-duration", "AlarmDescription": "Lambda duration > 240,000 ms (runbook 000)",
         "Namespace": "AWS/Lambda", "MetricName": "Duration", "Dimensions": LAMBDA_DIMENSIONS, "Statistic": "Maximum",
         "Period": 60, "EvaluationPeriods": 1, "Threshold": 240000, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "sentra-sqs-failures", "AlarmDescription": "SQS message failures > 1 in 5 minutes (runbook 000)",
         "Namespace": CUSTOM_NS, "MetricName": "ProcessingErrors", "Statistic": "Sum",
         "Period": 300, "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "sentra-lambda-memory", "AlarmDescription": "Memory utilization > 90% (runbook 000)",
         "Namespace": "LambdaInsights", "MetricName": "memory_utilization",
         "Dimensions": [{"Name": "function_name", "Value": FUNCTION}], "Statistic": "Maximum",
         "Period": 60, "EvaluationPeriods": 1, "Threshold": 90, "ComparisonOperator": "GreaterThanThreshold"},
]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scanner.py", "def handler(event, context):\n    return {'status': 'ok'}\n")
    return buffer.getvalue()


class SentraScanner:
    """Seed and simulator for one scenario; ``clients`` maps service name -> boto3 client."""

    name = "sentra-scanner"
    profile = "sentra-scanner.toml"

    def __init__(self, clients: dict[str, Any], *, rng: random.Random | None = None) -> None:
        self.c = clients
        self.rng = rng or random.Random(7)
        self.streams: list[str] = []
        self.tick_count = 0
        self.recent: deque[tuple[int, float, int]] = deque(maxlen=60)
        """(errors, slowest duration ms, SQS failures) of the last 60 ticks: what the alarms evaluate."""
        self.memory_size = 512
        self.memory: deque[float] = deque(maxlen=30)
        """Memory utilization (%) of the last 30 ticks' invocations (Lambda Insights' memory_utilization)."""
        self.alarm_states: dict[str, str] = {}
        self.may_send = True

    # ------------------------------------------------------------------ seed
    def seed(self, now: datetime) -> None:
        c = self.c
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                          "Action": "sts:AssumeRole"}]}
        role = c["iam"].create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        # What the function may do: read uploads, write its logs. Not sqs:SendMessage on the results
        # queue: the AccessDenied of runbook 000's SQS failures, which the resources screen finds.
        c["iam"].put_role_policy(RoleName=ROLE, PolicyName="scanner-access", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Sid": "ReadUploads", "Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{BUCKET}/*"},
                {"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                 "Resource": f"arn:aws:logs:*:*:log-group:{LOG_GROUP}:*"}]}))
        c["iam"].create_user(UserName="sentra-deployer")
        c["iam"].create_access_key(UserName="sentra-deployer")
        c["lambda"].create_function(FunctionName=FUNCTION, Runtime="python3.12", Role=role, Handler="scanner.handler",
                                    Code={"ZipFile": _zip()}, Timeout=300, MemorySize=512,
                                    Environment={"Variables": {"SENTRA_QUEUE": QUEUE, "LOG_LEVEL": "INFO"}})
        c["s3"].create_bucket(Bucket=BUCKET)
        c["s3"].create_bucket(Bucket="sentra-scanner-forensics")
        dlq = c["sqs"].create_queue(QueueName=DLQ)["QueueUrl"]
        dlq_arn = c["sqs"].get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue = c["sqs"].create_queue(QueueName=QUEUE)["QueueUrl"]
        self.queue_arn = c["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.dlq_arn = dlq_arn
        for alarm in ALARMS:
            c["cloudwatch"].put_metric_alarm(**alarm)
        c["logs"].create_log_group(logGroupName=LOG_GROUP)
        self._new_stream(now)
        # Three hours of history, one point a minute, so sparklines have a past.
        minutes = 180
        for start in range(0, minutes, 20):
            batch_lambda: list[dict[str, Any]] = []
            batch_custom: list[dict[str, Any]] = []
            batch_insights: list[dict[str, Any]] = []
            for minute in range(start, min(start + 20, minutes)):
                stamp = now - timedelta(minutes=minutes - minute)
                invocations = self.rng.randint(20, 40)
                errors = self.rng.choice([0, 0, 0, 0, 1])
                batch_lambda += [
                    self._datum("Invocations", invocations, stamp, "Count"),
                    self._datum("Errors", errors, stamp, "Count"),
                    self._datum("Duration", self.rng.uniform(8_000, 32_000), stamp, "Milliseconds"),
                ]
                batch_custom += [
                    {"MetricName": "FilesProcessed", "Value": invocations - errors, "Timestamp": stamp, "Unit": "Count"},
                    {"MetricName": "ProcessingErrors", "Value": 0, "Timestamp": stamp, "Unit": "Count"},
                ]
                batch_insights.append(self._insight(self.rng.uniform(58, 82), stamp))
            c["cloudwatch"].put_metric_data(Namespace="AWS/Lambda", MetricData=batch_lambda)
            c["cloudwatch"].put_metric_data(Namespace=CUSTOM_NS, MetricData=batch_custom)
            c["cloudwatch"].put_metric_data(Namespace="LambdaInsights", MetricData=batch_insights)
        for offset in range(120, 0, -3):
            self._invocation(now - timedelta(seconds=offset), phase="normal")

    @staticmethod
    def _insight(percent: float, stamp: datetime) -> dict[str, Any]:
        """Lambda Insights' ``memory_utilization``: AWS/Lambda has no memory metric."""
        return {"MetricName": "memory_utilization", "Dimensions": [{"Name": "function_name", "Value": FUNCTION}],
                "Value": percent, "Timestamp": stamp, "Unit": "Percent"}

    def _datum(self, name: str, value: float, stamp: datetime, unit: str) -> dict[str, Any]:
        return {"MetricName": name, "Dimensions": LAMBDA_DIMENSIONS, "Value": value, "Timestamp": stamp, "Unit": unit}

    def _new_stream(self, now: datetime) -> str:
        stream = f"{now:%Y/%m/%d}/[$LATEST]{uuid.UUID(int=self.rng.getrandbits(128)).hex}"
        self.c["logs"].create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        self.streams.append(stream)
        return stream

    # ------------------------------------------------------------------ simulation
    def phase(self) -> str:
        """The runbook incident being played: a 300-tick loop."""
        position = self.tick_count % CYCLE
        if 40 <= position < 100:
            return "timeouts"
        if 130 <= position < 175:
            return "high_memory"
        if 190 <= position < 215:
            return "sqs_failures"
        return "normal"

    def role_may_send(self) -> bool:
        """Whether the execution role's inline policies allow sqs:SendMessage on the results queue now."""
        from services.aws.resources.iam_eval import Policy, evaluate

        iam = self.c["iam"]
        policies = []
        for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=ROLE, PolicyName=name)["PolicyDocument"]
            policies.append(Policy(f"inline policy {name}", json.loads(document) if isinstance(document, str) else document))
        return evaluate("sqs:SendMessage", self.queue_arn, policies).decision == "allowed"

    def tick(self, now: datetime) -> None:
        """One second of the system's life: metrics, log lines, alarm transitions."""
        self.tick_count += 1
        phase = self.phase()
        if self.tick_count % 60 == 0:
            self._new_stream(now)  # Lambda opens new streams as instances come and go
        invocations = self.rng.randint(0, 2) or 1
        errors = 0
        durations: list[float] = []
        failures = 0
        config = self.c["lambda"].get_function_configuration(FunctionName=FUNCTION)  # what a fix changed
        timeout_ms = int(config.get("Timeout", 300)) * 1000 if phase == "timeouts" else 300_000
        # The memory episode's big attachments need up to ~500 MB: at 512 MB that is 98 %; the runbook's fix
        # (1024 MB, lambda.set-memory) halves the utilization and the alarm returns to OK.
        self.memory_size = int(config.get("MemorySize", 512))
        # The SQS episode is the role's missing sqs:SendMessage: once granted (iam.grant from the
        # resources screen or the playbook), the sends succeed and the episode plays out quietly.
        self.may_send = phase != "sqs_failures" or self.role_may_send()
        for index in range(invocations):
            stamp = now - timedelta(milliseconds=(invocations - index) * 200)
            duration, failed, sqs_failed = self._invocation(stamp, phase=phase, timeout_ms=timeout_ms)
            durations.append(duration)
            errors += failed
            failures += sqs_failed
        self.recent.append((errors, max(durations), failures))
        cw = self.c["cloudwatch"]
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            self._datum("Invocations", invocations, now, "Count"),
            self._datum("Errors", errors, now, "Count"),
            self._datum("Duration", max(durations), now, "Milliseconds"),
        ])
        cw.put_metric_data(Namespace=CUSTOM_NS, MetricData=[
            {"MetricName": "FilesProcessed", "Value": invocations - errors, "Timestamp": now, "Unit": "Count"},
            {"MetricName": "ProcessingErrors", "Value": failures, "Timestamp": now, "Unit": "Count"},
        ])
        cw.put_metric_data(Namespace="LambdaInsights", MetricData=[self._insight(self.memory[-1], now)])
        self._alarms(phase)

    def _alarms(self, phase: str) -> None:
        """The alarms follow the data, as CloudWatch's would (over the last minute: demo time is short).

        So the runbook's fix shows: with the timeout raised, the big scans finish, the
        errors stop and ``sentra-lambda-errors`` returns to OK by itself.
        """
        errors = sum(entry[0] for entry in self.recent)
        slowest = max((entry[1] for entry in self.recent), default=0.0)
        failures = sum(entry[2] for entry in self.recent)
        memory = max(self.memory, default=0.0)
        evaluated = {
            "sentra-lambda-errors": (errors > 5, errors, 5.0),
            "sentra-lambda-duration": (slowest > 240_000, slowest, 240_000.0),
            "sentra-sqs-failures": (failures > 1, failures, 1.0),
            "sentra-lambda-memory": (memory > 90, memory, 90.0),
        }
        for name, (breaching, value, threshold) in evaluated.items():
            state = "ALARM" if breaching else "OK"
            if self.alarm_states.get(name) == state:
                continue
            self.alarm_states[name] = state
            relation = "was greater than" if breaching else "was not greater than"
            reason = f"Threshold Crossed: 1 datapoint [{float(value):.1f}] {relation} the threshold ({threshold:.1f})."
            self.c["cloudwatch"].set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)

    def _invocation(self, stamp: datetime, *, phase: str, timeout_ms: int = 300_000) -> tuple[float, int, int]:
        request = str(uuid.UUID(int=self.rng.getrandbits(128)))
        key = f"inbox/{stamp:%Y%m%d}/{self.rng.randint(10000, 99999)}.eml"
        failed = sqs_failed = 0
        lines = [f"START RequestId: {request} Version: $LATEST"]
        if phase == "timeouts" and self.rng.random() < 0.6:
            # A large attachment: 250-420 s of scanning. The runbook's fix (timeout 600 s) lets it finish.
            needed = self.rng.uniform(250_000, 420_000)
            lines.append(f"[INFO]\t{stamp:%Y-%m-%dT%H:%M:%S.%f}Z\t{request}\tScanning s3://{BUCKET}/{key} (48.2 MB)")
            if needed >= timeout_ms:
                duration = float(timeout_ms)
                lines.append(f"{stamp:%Y-%m-%dT%H:%M:%S.%f}Z {request} Task timed out after {timeout_ms / 1000:.2f} seconds")
                failed = 1
            else:
                duration = needed
                lines.append(f"[INFO]\t{stamp:%Y-%m-%dT%H:%M:%S.%f}Z\t{request}\tSuccessfully processed s3://{BUCKET}/{key} "
                             f"({self.rng.randint(0, 12)} emails found)")
        elif phase == "sqs_failures" and not self.may_send and self.rng.random() < 0.5:
            duration = self.rng.uniform(9_000, 20_000)
            lines.append(f"[ERROR]\t{stamp:%Y-%m-%dT%H:%M:%S.%f}Z\t{request}\tFailed to send results to SQS: "
                         f"AccessDenied: not authorized to perform sqs:SendMessage on {QUEUE}")
            sqs_failed = 1
        else:
            duration = self.rng.uniform(8_000, 30_000)
            if self.rng.random() < 0.004:
                lines.append(f"[ERROR]\t{stamp:%Y-%m-%dT%H:%M:%S.%f}Z\t{request}\tNoSuchKey: s3://{BUCKET}/{key}")
                failed = 1
            else:
                lines.append(f"[INFO]\t{stamp:%Y-%m-%dT%H:%M:%S.%f}Z\t{request}\tSuccessfully processed s3://{BUCKET}/{key} "
                             f"({self.rng.randint(0, 12)} emails found)")
        size = self.memory_size
        memory = min(size, self.rng.randint(465, 505) if phase == "high_memory" else self.rng.randint(300, 420))
        self.memory.append(100.0 * memory / size)
        lines.append(f"END RequestId: {request}")
        lines.append(f"REPORT RequestId: {request}\tDuration: {duration:.2f} ms\tBilled Duration: {int(duration) + 1} ms\t"
                     f"Memory Size: {size} MB\tMax Memory Used: {memory} MB")
        base = int(stamp.timestamp() * 1000)
        stream = self.streams[-1]
        self.c["logs"].put_log_events(logGroupName=LOG_GROUP, logStreamName=stream,
                                      logEvents=[{"timestamp": base + i, "message": line} for i, line in enumerate(lines)])
        return duration, failed, sqs_failed


def utcnow() -> datetime:
    return datetime.now(UTC)
