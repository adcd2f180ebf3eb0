"""Lambda Cost Reporting (runbook 002): one Lambda builds each client's AWS cost report and emails it through SES.

``seed`` creates ``cost-reporting-lambda``, the clients table, the assets bucket, the
weekly EventBridge schedule, the verified SES sender and the runbook's
``CostReporting-*`` alarms, with metric history. The incident played in a loop is the
runbook's *Lambda Function Failures*: at month end the clients with many linked accounts
need longer than the function's 300 s timeout (``Task timed out``) and some run out of
its 512 MB; ``CostReporting-ExecutionFailures`` and ``-HighErrorRate`` go to ALARM. The
runbook's resolutions take effect: a 900 s timeout lets the reports finish, more memory
makes them faster and ends the out-of-memory kills; the alarms return to OK.

Then, once per run (tick ``DATA_LOSS_AT``), the recovery episode of the runbook's *Data Loss
Prevention*: a clean-up script deletes three clients' configurations from the table, and
their reports fail (``ClientNotFound``). The runbook's recovery, "restore from DynamoDB
backup": the weekly backup (``weekly-backup-YYYYMMDD``, taken at seed) is restored into a
new table (``dynamodb.restore``), the function's ``CLIENTS_TABLE`` pointed at it
(``lambda.set-env``), and the reports go out again. Each run reads its client from the
table the function's environment names.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from services.demo.scenarios.common import (
    AlarmDriver,
    RunbookScenario,
    Window,
    create_function,
    create_role,
    datum,
    iso,
    minutes_back,
    put_metrics,
    report_line,
    request_id,
)

FUNCTION = "cost-reporting-lambda"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
SES_LOG = "/aws/ses"
ROLE = "cost-reporting-lambda-role"
TABLE = "cost-reporting-clients"
BUCKET = "cost-reporting-assets"
WEEKLY = "cost-reporting-weekly-schedule"
SENDER = "reports@yourcompany.com"
NS = "CostReporting"
FN = {"FunctionName": FUNCTION}
INSIGHTS_FN = {"function_name": FUNCTION}  # Lambda Insights: memory is its metric, not AWS/Lambda's
FN_DIMENSIONS = [{"Name": "FunctionName", "Value": FUNCTION}]
DATA_LOSS_AT = 125  # after the month-end incident: the clean-up script runs
LOST = ("globex", "umbrella", "hooli")
RUN_EVERY = 2
"""Ticks between report runs (the schedules, compressed)."""

CLIENTS = [  # (client_id, name, linked accounts, recipients)
    ("acme-corp", "Acme Corp", 3, 2), ("globex", "Globex", 14, 5), ("initech", "Initech", 2, 1),
    ("umbrella", "Umbrella Health", 12, 4), ("hooli", "Hooli", 4, 3), ("stark-ind", "Stark Industries", 16, 6),
    ("wayne-ent", "Wayne Enterprises", 5, 2), ("soylent", "Soylent", 1, 1),
]

ALARMS: list[dict[str, Any]] = [
    {"AlarmName": "CostReporting-ExecutionFailures", "AlarmDescription": "A report execution failed (runbook 002)",
         "Namespace": NS, "MetricName": "ExecutionsFailed", "Statistic": "Sum", "Period": 300,
         "EvaluationPeriods": 1, "Threshold": 0,
         "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "CostReporting-HighErrorRate", "AlarmDescription": "High error rate in cost reporting (runbook 002)",
         "Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": FN_DIMENSIONS, "Statistic": "Sum", "Period": 300,
         "EvaluationPeriods": 2, "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "CostReporting-HighDuration", "AlarmDescription": "Slowest execution above 10 minutes (runbook 002)",
         "Namespace": "AWS/Lambda", "MetricName": "Duration", "Dimensions": FN_DIMENSIONS, "Statistic": "Maximum", "Period": 300,
         "EvaluationPeriods": 1, "Threshold": 600000, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "CostReporting-LongExecution", "AlarmDescription": "Lambda execution taking too long (runbook 002)",
         "Namespace": "AWS/Lambda", "MetricName": "Duration", "Dimensions": FN_DIMENSIONS, "Statistic": "Average", "Period": 300,
         "EvaluationPeriods": 1, "Threshold": 600000, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "CostReporting-EmailFailures",
         "AlarmDescription": ("SES bounce rate above 5 %, the level at which AWS reviews an account "
                              "(runbook 002 names the alarm, not its threshold)"),
         "Namespace": "AWS/SES", "MetricName": "Reputation.BounceRate", "Statistic": "Maximum", "Period": 300,
         "EvaluationPeriods": 1, "Threshold": 0.05, "ComparisonOperator": "GreaterThanThreshold"},
]


class LambdaCostReporting(RunbookScenario):
    name = "lambda-cost-reporting"
    profile = "lambda-cost-reporting.toml"
    LOOP = 150
    INCIDENT = (40, 110)

    def __init__(self, clients: dict[str, Any], **options: Any) -> None:
        super().__init__(clients, **options)
        self.run_seq = 0
        self.failures = Window(30)
        self.errors = Window(60)
        self.durations = Window(30)
        self.sent = Window(300)
        self.bounced = Window(300)
        self.alarms = AlarmDriver(clients["cloudwatch"], ALARMS)
        self.data_lost = False

    # ------------------------------------------------------------------ seed
    def seed(self, now: datetime) -> None:
        c = self.c
        role = create_role(c["iam"], ROLE)
        c["iam"].put_role_policy(RoleName=ROLE, PolicyName="cost-reporting-policy", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ce:GetCostAndUsage", "ses:SendEmail",
                                                                                  "s3:PutObject"], "Resource": "*"}]}))
        c["iam"].put_role_policy(RoleName=ROLE, PolicyName="dynamodb-access-policy", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Scan",
                                                                                  "dynamodb:PutItem"], "Resource": "*"}]}))
        arn = create_function(c["lambda"], FUNCTION, role, timeout=300, memory=512,
                              env={"CLIENTS_TABLE": TABLE, "ASSETS_BUCKET": BUCKET, "SENDER": SENDER, "LOG_LEVEL": "INFO"})
        c["dynamodb"].create_table(TableName=TABLE, BillingMode="PROVISIONED",
                                   ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                                   KeySchema=[{"AttributeName": "client_id", "KeyType": "HASH"}],
                                   AttributeDefinitions=[{"AttributeName": "client_id", "AttributeType": "S"}])
        for client_id, name, accounts, recipients in CLIENTS:
            c["dynamodb"].put_item(TableName=TABLE, Item={
                "client_id": {"S": client_id}, "client_name": {"S": name}, "status": {"S": "active"},
                "linked_accounts": {"N": str(accounts)}, "recipients": {"N": str(recipients)}})
        # The runbook's weekly backup (Sundays), the last one taken: what the recovery episode restores.
        sunday = now - timedelta(days=(now.weekday() + 1) % 7 or 7)
        self.weekly_backup = f"weekly-backup-{sunday:%Y%m%d}"
        c["dynamodb"].create_backup(TableName=TABLE, BackupName=self.weekly_backup)
        c["s3"].create_bucket(Bucket=BUCKET)
        c["s3"].put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})  # the runbook's DLP
        for rule, schedule in ((WEEKLY, "cron(0 8 ? * MON *)"),):  # the one schedule the runbook names
            c["events"].put_rule(Name=rule, ScheduleExpression=schedule, State="ENABLED",
                                 Description="Triggers cost-reporting-lambda")
            c["events"].put_targets(Rule=rule, Targets=[{"Id": "1", "Arn": arn}])
            # as the console does when a rule gets a Lambda target: the rule may invoke it
            rule_arn = c["events"].describe_rule(Name=rule)["Arn"]
            c["lambda"].add_permission(FunctionName=FUNCTION, StatementId=f"{rule}-invoke", Action="lambda:InvokeFunction",
                                       Principal="events.amazonaws.com", SourceArn=rule_arn)
        c["ses"].verify_email_identity(EmailAddress=SENDER)
        self.alarms.create()
        self.logs.create(LOG_GROUP, now)
        self.logs.create(SES_LOG, now, lambda_style=False)
        self._history(now)
        for offset in range(60, 0, -RUN_EVERY):
            self._run(now - timedelta(seconds=offset), incident=False, config=None)

    def _history(self, now: datetime) -> None:
        lam: list[dict[str, Any]] = []
        own: list[dict[str, Any]] = []
        ses: list[dict[str, Any]] = []
        insights: list[dict[str, Any]] = []
        for stamp in minutes_back(now, self.history_minutes):
            runs = 60 // RUN_EVERY
            errors = 0  # one would have put CostReporting-ExecutionFailures in ALARM: the past was quiet
            emails = runs * 3
            bounces = self.rng.choice([0, 0, 0, 1])
            lam += [datum("Invocations", runs, stamp, dimensions=FN), datum("Errors", errors, stamp, dimensions=FN),
                    datum("Duration", self.rng.uniform(140_000, 220_000), stamp, "Milliseconds", FN)]
            insights.append(datum("memory_utilization", self.rng.uniform(55, 92), stamp, "Percent", INSIGHTS_FN))
            own += [datum("ExecutionsSuccessful", runs - errors, stamp), datum("ExecutionsFailed", errors, stamp),
                    datum("ClientsProcessed", runs - errors, stamp)]
            ses += [datum("Send", emails, stamp), datum("Delivery", emails - bounces, stamp),
                    datum("Bounce", bounces, stamp), datum("Complaint", 0, stamp),
                    datum("Reputation.BounceRate", self.rng.uniform(0.004, 0.012), stamp, "None"),
                    datum("Reputation.ComplaintRate", self.rng.uniform(0.0, 0.0004), stamp, "None")]
        cw = self.c["cloudwatch"]
        put_metrics(cw, "AWS/Lambda", lam)
        put_metrics(cw, "LambdaInsights", insights)
        put_metrics(cw, NS, own)
        put_metrics(cw, "AWS/SES", ses)

    # ------------------------------------------------------------------ simulation
    def tick(self, now: datetime) -> None:
        self.tick_count += 1
        if self.tick_count >= DATA_LOSS_AT and not self.data_lost:
            self.lose_data()
        if self.tick_count % 60 == 0:
            self.logs.new_stream(LOG_GROUP, now)
        ran = failed = emails = bounces = 0
        if self.tick_count % RUN_EVERY == 0 and self._scheduled():
            config = self.c["lambda"].get_function_configuration(FunctionName=FUNCTION)
            ran = 1
            failed, emails, bounces, duration, used = self._run(now, incident=self.in_incident, config=config)
            self.durations.push(duration)
            memory = int(config.get("MemorySize", 512))
            self.c["cloudwatch"].put_metric_data(Namespace="AWS/Lambda", MetricData=[
                datum("Duration", duration, now, "Milliseconds", FN)])
            self.c["cloudwatch"].put_metric_data(Namespace="LambdaInsights", MetricData=[
                datum("memory_utilization", 100.0 * used / memory, now, "Percent", INSIGHTS_FN)])
        self.failures.push(failed)
        self.errors.push(failed)
        self.sent.push(emails)
        self.bounced.push(bounces)
        bounce_rate = self.bounced.sum() / self.sent.sum() if self.sent.sum() else 0.0
        cw = self.c["cloudwatch"]
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            datum("Invocations", ran, now, dimensions=FN), datum("Errors", failed, now, dimensions=FN)])
        cw.put_metric_data(Namespace=NS, MetricData=[
            datum("ExecutionsSuccessful", ran - failed, now), datum("ExecutionsFailed", failed, now),
            datum("ClientsProcessed", ran - failed, now)])
        cw.put_metric_data(Namespace="AWS/SES", MetricData=[
            datum("Send", emails, now), datum("Delivery", emails - bounces, now), datum("Bounce", bounces, now),
            datum("Complaint", 0, now), datum("Reputation.BounceRate", bounce_rate, now, "None"),
            datum("Reputation.ComplaintRate", 0.0002, now, "None")])
        self.alarms.want("CostReporting-ExecutionFailures", self.failures.sum() > 0, self.failures.sum())
        self.alarms.want("CostReporting-HighErrorRate", self.errors.sum() > 5, self.errors.sum())
        self.alarms.want("CostReporting-HighDuration", self.durations.max() > 600000, self.durations.max())
        self.alarms.want("CostReporting-LongExecution", self.durations.mean() > 600000, self.durations.mean())
        self.alarms.want("CostReporting-EmailFailures", bounce_rate > 0.05, bounce_rate)

    def lose_data(self) -> None:
        """The clean-up script's mistake: three clients' configurations deleted from the live table."""
        self.data_lost = True
        for client_id in LOST:
            self.c["dynamodb"].delete_item(TableName=TABLE, Key={"client_id": {"S": client_id}})

    def _scheduled(self) -> bool:
        """The weekly schedule drives the runs: disabled, nothing runs (runbook: Lambda Function Not Executing)."""
        return self.c["events"].describe_rule(Name=WEEKLY).get("State") == "ENABLED"

    def _run(self, stamp: datetime, *, incident: bool, config: dict[str, Any] | None) -> tuple[int, int, int, float, int]:
        """One client's report: log lines, email, report object; returns failed, emails, bounces, ms, MB used."""
        timeout = int((config or {}).get("Timeout", 300))
        memory = int((config or {}).get("MemorySize", 512))
        client_id, name, accounts, recipients = CLIENTS[self.run_seq % len(CLIENTS)]
        self.run_seq += 1
        big = accounts >= 10
        need_ms = accounts * self.rng.uniform(9_000, 13_000) + self.rng.uniform(10_000, 25_000)
        need_mb = 150 + accounts * 18 + self.rng.randint(0, 40)
        if incident:
            need_ms *= 2.5 if big else 1.3
            if big and self.rng.random() < 0.3:
                need_mb = 560
        if memory >= 1024:
            need_ms *= 0.7  # more memory, more CPU
        request = request_id(self.rng)
        at = iso(stamp)

        def line(level: str, message: str) -> str:
            return f"[{level}]\t{at}\t{request}\t{message}"

        lines = [f"START RequestId: {request} Version: $LATEST",
                 line("INFO", f"Generating report for {name} ({client_id}): {accounts} linked accounts")]
        failed = emails = bounces = 0
        table = ((config or {}).get("Environment") or {}).get("Variables", {}).get("CLIENTS_TABLE", TABLE)
        if config is not None and not self._has_client(table, client_id):
            duration, used, failed = self.rng.uniform(300, 900), 90, 1
            lines += [line("ERROR", f"ClientNotFound: no configuration for {client_id} in table {table}"),
                      f"{at} {request} Error: ClientNotFound Runtime.HandlerError"]
        elif need_mb > memory:
            duration, used, failed = need_ms * 0.4, memory, 1
            lines += [line("ERROR", f"Runtime.OutOfMemory: {client_id}: Cost Explorer results exceed the memory limit"),
                      f"{at} {request} Error: Runtime exited with error: signal: killed Runtime.ExitError"]
        elif need_ms > timeout * 1000:
            duration, used, failed = timeout * 1000.0, min(memory, need_mb), 1
            lines += [line("INFO", f"Cost Explorer: {accounts * 1900} line items for {name}"),
                      f"{at} {request} Task timed out after {timeout:.2f} seconds"]
        else:
            duration, used = need_ms, need_mb
            key = f"reports/{stamp:%Y/%m/%d}/{client_id}-{stamp:%H%M%S}.pdf"
            lines += [line("INFO", f"Cost Explorer: {accounts * (1900 if incident else 700)} line items for {name}"),
                      line("INFO", f"Report uploaded to s3://{BUCKET}/{key}"),
                      line("INFO", f"Email sent to {recipients} recipients for {client_id}")]
            emails = recipients
            bounces = self._email(stamp, client_id, recipients, key, live=config is not None)
        lines += [f"END RequestId: {request}", report_line(request, duration, memory, used)]
        self.logs.put(LOG_GROUP, stamp, lines)
        return failed, emails, bounces, duration, used

    def _has_client(self, table: str, client_id: str) -> bool:
        try:
            return "Item" in self.c["dynamodb"].get_item(TableName=table, Key={"client_id": {"S": client_id}})
        except self.c["dynamodb"].exceptions.ResourceNotFoundException:
            return False

    def _email(self, stamp: datetime, client_id: str, recipients: int, key: str, *, live: bool) -> int:
        addresses = [f"finance{n}@{client_id}.example" for n in range(1, recipients + 1)]
        if live:
            self.c["s3"].put_object(Bucket=BUCKET, Key=key, Body=b"%PDF-1.4 demo report\n")
            self.c["ses"].send_email(Source=SENDER, Destination={"ToAddresses": addresses},
                                     Message={"Subject": {"Data": f"AWS cost report: {client_id}"},
                                              "Body": {"Text": {"Data": f"Your report: s3://{BUCKET}/{key}"}}})
        bounced = [a for a in addresses if self.rng.random() < 0.01]
        events = [json.dumps({"notificationType": "Delivery", "mail": {"source": SENDER, "destination": addresses},
                              "delivery": {"recipients": [a for a in addresses if a not in bounced]}})]
        if bounced:
            events.append(json.dumps({"notificationType": "Bounce", "mail": {"source": SENDER},
                                      "bounce": {"bounceType": "Permanent", "bouncedRecipients": [
                                          {"emailAddress": a, "diagnosticCode": "550 5.1.1 user unknown"}
                                          for a in bounced]}}))
        self.logs.put(SES_LOG, stamp, events)
        return len(bounced)
