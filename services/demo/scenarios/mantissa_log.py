"""Mantissa Log (runbook 001): serverless log detection: scheduled detection Lambda over Athena, alerts in DynamoDB.

``seed`` creates the detection engine and alert router Lambdas, the state (alerts)
table, the EventBridge schedule, the Cognito user pool, a VPC whose network ACL guards
the API, the rules bucket and the runbook's alarms, with metric history. The incident
played in a loop is the runbook's *Alert Triage*: a burst of failed logins from
203.0.113.42 (a P2 alert), then ``compromised-user`` attaching an admin policy from the
same address (P1: ``mantissa-log-critical-alerts`` goes to ALARM). The containment
actions of the runbook take effect: a NACL deny for the address stops its events, a
deny-all policy or a deactivated key turns the escalation into denied calls, and the
alarm returns to OK.

The events behind the alerts are also a CloudTrail table (``trail``) and each rule's query an
``athena_query_history`` row, so the runbook's Security Investigations SQL, run through
Athena, finds them (``services.demo.athena_tables`` answers for moto).
"""
from __future__ import annotations

import ipaddress
import json
import re
from collections import deque
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
    log,
    minutes_back,
    moto_seed,
    put_metrics,
    report_line,
    request_id,
)

ENGINE = "mantissa-log-detection-engine"
ROUTER = "mantissa-log-alert-router"
ENGINE_LOG = f"/aws/lambda/{ENGINE}"
ROUTER_LOG = f"/aws/lambda/{ROUTER}"
ROLE = "mantissa-log-lambda-role"
STATE_TABLE = "mantissa-log-state"
SCHEDULE = "mantissa-log-detection-schedule"
RULES_BUCKET = "mantissa-log-rules"
ATHENA_BUCKET = "mantissa-log-athena-results"
WORKGROUP = "mantissa-log"
POOL = "mantissa-log-users"
COMPROMISED = "compromised-user"
COMPROMISED_PRINCIPAL = "AIDAI23EXAMPLE"  # the runbook's example principal id, for its "trace user activity"
DATABASE = "mantissa_log"
ATTACKER_IP = "203.0.113.42"
DETECTION_NS = "Mantissa/Detection"
ROUTER_NS = "Mantissa/AlertRouter"
ENGINE_DIMENSIONS = [{"Name": "FunctionName", "Value": ENGINE}]

# moto's ids are random; seeded (``/moto-api/seed``) right before creation they are these every run.
USER_POOL_ID = "us-east-1_c2b9546e0f0240f3adb7f1d5cbf15150"
NACL_ID = "acl-fe9b1eee9dce25169"

RULES = ("failed-logins", "iam-admin-policy-change", "s3-bucket-public", "root-account-usage")
CYCLE = 5
"""Ticks between detection runs: the 5-minute schedule, compressed."""

ALARMS: list[dict[str, Any]] = [
    {"AlarmName": "mantissa-log-detection-errors", "AlarmDescription": "Alert on detection engine errors (runbook 001)",
         "Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": ENGINE_DIMENSIONS, "Statistic": "Sum", "Period": 300,
         "EvaluationPeriods": 2, "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "mantissa-log-high-athena-cost", "AlarmDescription": "Alert on high Athena costs (runbook 001)",
         "Namespace": "AWS/Athena", "MetricName": "DataScannedInBytes", "Statistic": "Sum", "Period": 86400,
         "EvaluationPeriods": 1, "Threshold": 1_000_000_000_000, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "mantissa-log-critical-alerts",
         "AlarmDescription": "A P1 critical alert was generated (runbook 001, Alert Triage)",
         "Namespace": DETECTION_NS, "MetricName": "AlertsGenerated", "Dimensions": [{"Name": "Severity", "Value": "critical"}],
         "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 0, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "mantissa-log-detection-stalled",
         "AlarmDescription": "No detection run in 15 minutes (runbook 001, No Alerts Being Generated)",
         "Namespace": "AWS/Lambda", "MetricName": "Invocations", "Dimensions": ENGINE_DIMENSIONS, "Statistic": "Sum",
         "Period": 900, "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "LessThanThreshold",
         "TreatMissingData": "breaching"},
]


class MantissaLog(RunbookScenario):
    name = "mantissa-log"
    profile = "mantissa-log.toml"
    LOOP = 180
    INCIDENT = (40, 110)
    ESCALATION = 60
    """From this tick of the loop the compromised user escalates (P1); before it, failed logins only (P2)."""

    def __init__(self, clients: dict[str, Any], **options: Any) -> None:
        super().__init__(clients, **options)
        self.alert_seq = 0
        self.routed = 0
        self.user_pool_id = ""
        self.nacl_id = ""
        self.critical = Window(30)
        self.errors = Window(60)
        self.runs = Window(30)
        self.failed_logins = 0
        self.blocked = self.denied = False
        self.alarms = AlarmDriver(clients["cloudwatch"], ALARMS)
        self.trail: deque[dict[str, Any]] = deque(maxlen=5000)
        self.query_history: deque[dict[str, Any]] = deque(maxlen=2000)

    # ------------------------------------------------------------------ seed
    def seed(self, now: datetime) -> None:
        c = self.c
        role = create_role(c["iam"], ROLE)
        engine_arn = create_function(c["lambda"], ENGINE, role, timeout=300, memory=1024,
                                     env={"STATE_TABLE": STATE_TABLE, "ATHENA_WORKGROUP": WORKGROUP, "LOG_LEVEL": "INFO"})
        create_function(c["lambda"], ROUTER, role, timeout=60, memory=256,
                        env={"DESTINATIONS": "slack,pagerduty", "LOG_LEVEL": "INFO"})
        c["iam"].create_user(UserName=COMPROMISED)
        c["iam"].create_access_key(UserName=COMPROMISED)
        c["dynamodb"].create_table(TableName=STATE_TABLE, BillingMode="PAY_PER_REQUEST",
                                   KeySchema=[{"AttributeName": "alert_id", "KeyType": "HASH"}],
                                   AttributeDefinitions=[{"AttributeName": "alert_id", "AttributeType": "S"}])
        c["events"].put_rule(Name=SCHEDULE, ScheduleExpression="rate(5 minutes)", State="ENABLED",
                             Description="Runs the Mantissa Log detection engine")
        c["events"].put_targets(Rule=SCHEDULE, Targets=[{"Id": "detection-engine", "Arn": engine_arn}])
        c["lambda"].add_permission(FunctionName=ENGINE, StatementId="detection-schedule-invoke",
                                   Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                                   SourceArn=c["events"].describe_rule(Name=SCHEDULE)["Arn"])
        for bucket in (RULES_BUCKET, ATHENA_BUCKET):
            c["s3"].create_bucket(Bucket=bucket)
        c["athena"].create_work_group(Name=WORKGROUP, Description="Mantissa Log detection queries", Configuration={
            "ResultConfiguration": {"OutputLocation": f"s3://{ATHENA_BUCKET}/"}})
        for rule in RULES:
            c["s3"].put_object(Bucket=RULES_BUCKET, Key=f"rules/aws/cloudtrail/{rule}.yaml",
                               Body=f"name: {rule}\nthreshold:\n  count: 5\n  window: \"5m\"\n".encode())
        moto_seed(c["cognito-idp"], 1001)
        self.user_pool_id = c["cognito-idp"].create_user_pool(PoolName=POOL)["UserPool"]["Id"]
        for user in (COMPROMISED, "analyst@company.com"):
            c["cognito-idp"].admin_create_user(UserPoolId=self.user_pool_id, Username=user, MessageAction="SUPPRESS",
                                               TemporaryPassword="TempPass123!")
        moto_seed(c["ec2"], 1002)
        vpc = c["ec2"].create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        c["ec2"].create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "mantissa-log-vpc"}])
        acls = c["ec2"].describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"]
        self.nacl_id = acls[0]["NetworkAclId"]
        if (self.user_pool_id, self.nacl_id) != (USER_POOL_ID, NACL_ID):
            log.warning("mantissa-log: seeded ids %s / %s differ from the profile's %s / %s",
                        self.user_pool_id, self.nacl_id, USER_POOL_ID, NACL_ID)
        self.alarms.create()
        for group in (ENGINE_LOG, ROUTER_LOG):
            self.logs.create(group, now)
        self._history(now)
        for offset in range(3, 0, -1):
            self._store_alert(now - timedelta(hours=offset), "configuration-change", "high", "P2", "198.51.100.7",
                              "mantissa-ci", "PutBucketLifecycleConfiguration on mantissa-log-athena-results")
        for offset in range(120, 0, -CYCLE):
            self._detection_run(now - timedelta(seconds=offset), incident=False, routine_alert=offset == 30)
        for offset in range(3600, 0, -300):
            self._trail(now - timedelta(seconds=offset), "s3.amazonaws.com", "GetObject", "mantissa-ci", "10.20.4.17",
                        {"bucketName": RULES_BUCKET, "key": "rules/aws/cloudtrail/failed-logins.yaml"},
                        principal_id="AIDACI0PIPELINE")

    # ------------------------------------------------------------------ the CloudTrail table (Athena)
    def _trail(self, stamp: datetime, source: str, name: str, user: str, address: str, parameters: dict[str, Any],
               *, principal_id: str = COMPROMISED_PRINCIPAL, error: str = "") -> None:
        self.trail.append({
            "eventtime": iso(stamp), "eventsource": source, "eventname": name, "sourceipaddress": address,
            "useridentity": {"principalid": principal_id, "arn": f"arn:aws:iam::123456789012:user/{user}",
                             "username": user},
            "requestparameters": json.dumps(parameters), "resources": "", "errorcode": error, "awsregion": "us-east-1",
            "year": f"{stamp:%Y}", "month": f"{stamp:%m}", "day": f"{stamp:%d}"})

    def athena_table(self, name: str) -> list[dict[str, Any]] | None:
        """Rows of a table the runbook's SQL reads; None for a table this system does not have."""
        return {"cloudtrail": list(self.trail), "athena_query_history": list(self.query_history)}.get(name)

    def athena_partitions(self, name: str) -> list[str]:
        if name != "cloudtrail":
            return []
        return sorted({f"year={row['year']}/month={row['month']}/day={row['day']}" for row in self.trail})

    def _history(self, now: datetime) -> None:
        lam: list[dict[str, Any]] = []
        detection: list[dict[str, Any]] = []
        router: list[dict[str, Any]] = []
        athena: list[dict[str, Any]] = []
        engine = {"FunctionName": ENGINE}
        for stamp in minutes_back(now, self.history_minutes):
            runs = 60 // CYCLE
            alerts = self.rng.choice([0, 0, 0, 1])
            lam += [datum("Invocations", runs, stamp, dimensions=engine),
                    datum("Errors", self.rng.choice([0] * 15 + [1]), stamp, dimensions=engine),
                    datum("Duration", self.rng.uniform(4_000, 12_000), stamp, "Milliseconds", engine)]
            detection += [datum("AlertsGenerated", alerts, stamp),
                          datum("AlertsGenerated", 0, stamp, dimensions={"Severity": "critical"})]
            router += [datum("AlertsDelivered", alerts, stamp), datum("DeliveryFailures", 0, stamp)]
            athena += [datum("DataScannedInBytes", runs * self.rng.uniform(20e6, 36e6), stamp, "Bytes",
                             {"WorkGroup": WORKGROUP}),
                       datum("TotalExecutionTime", self.rng.uniform(900, 3_500), stamp, "Milliseconds",
                             {"WorkGroup": WORKGROUP})]
        cw = self.c["cloudwatch"]
        put_metrics(cw, "AWS/Lambda", lam)
        put_metrics(cw, DETECTION_NS, detection)
        put_metrics(cw, ROUTER_NS, router)
        put_metrics(cw, "AWS/Athena", athena)

    # ------------------------------------------------------------------ simulation
    def tick(self, now: datetime) -> None:
        self.tick_count += 1
        if self.tick_count % 60 == 0:
            for group in (ENGINE_LOG, ROUTER_LOG):
                self.logs.new_stream(group, now)
        incident = self.in_incident
        if incident and self.position % CYCLE == 0:
            self._containment()
        if incident and not self.blocked:
            attempts = self.rng.randint(3, 9)
            self.failed_logins += attempts
            for _ in range(attempts):
                self._trail(now, "signin.amazonaws.com", "ConsoleLogin", COMPROMISED, ATTACKER_IP,
                            {"loginTo": "https://console.aws.amazon.com/"}, error="Failed authentication")
        if incident and not self.blocked and self.position >= self.ESCALATION and self.position % CYCLE == 0:
            self._trail(now, "iam.amazonaws.com", "AttachUserPolicy", COMPROMISED, ATTACKER_IP,
                        {"userName": COMPROMISED, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                        error="AccessDenied" if self.denied else "")
        ran = errors = critical = alerts = 0
        scanned = query_ms = 0.0
        if self.tick_count % CYCLE == 0 and self._schedule_due():
            ran = 1
            errors, critical, alerts, scanned, duration = self._detection_run(now, incident=incident)
            query_ms = duration / len(RULES)
            self.c["cloudwatch"].put_metric_data(Namespace="AWS/Lambda", MetricData=[
                datum("Duration", duration, now, "Milliseconds", {"FunctionName": ENGINE})])
        engine = {"FunctionName": ENGINE}
        cw = self.c["cloudwatch"]
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            datum("Invocations", ran, now, dimensions=engine), datum("Errors", errors, now, dimensions=engine)])
        cw.put_metric_data(Namespace=DETECTION_NS, MetricData=[
            datum("AlertsGenerated", alerts, now),
            datum("AlertsGenerated", critical, now, dimensions={"Severity": "critical"})])
        cw.put_metric_data(Namespace=ROUTER_NS, MetricData=[
            datum("AlertsDelivered", alerts, now), datum("DeliveryFailures", 0, now)])
        athena = [datum("DataScannedInBytes", scanned, now, "Bytes", {"WorkGroup": WORKGROUP})]
        if ran:  # Athena's own per-query time, the runbook's "query execution time" (not the Lambda's duration)
            athena.append(datum("TotalExecutionTime", query_ms, now, "Milliseconds", {"WorkGroup": WORKGROUP}))
        cw.put_metric_data(Namespace="AWS/Athena", MetricData=athena)
        self.critical.push(critical)
        self.errors.push(errors)
        self.runs.push(ran)
        self.alarms.want("mantissa-log-critical-alerts", self.critical.sum() > 0, self.critical.sum())
        self.alarms.want("mantissa-log-detection-errors", self.errors.sum() > 5, self.errors.sum())
        stalled = len(self.runs.values) == self.runs.values.maxlen and self.runs.sum() < 1
        self.alarms.want("mantissa-log-detection-stalled", stalled, self.runs.sum())

    def _schedule_due(self) -> bool:
        """The rule is enabled and its rate says this cycle runs: rate(5 minutes) every cycle, rate(15
        minutes) one in three (the runbook's "reduce detection frequency", events.set-schedule)."""
        rule = self.c["events"].describe_rule(Name=SCHEDULE)
        if rule.get("State") != "ENABLED":
            return False
        match = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", rule.get("ScheduleExpression", ""))
        minutes = int(match[1]) * {"minute": 1, "hour": 60, "day": 1440}[match[2]] if match else 5
        return (self.tick_count // CYCLE) % max(1, minutes // 5) == 0

    def _containment(self) -> None:
        """What the runbook's containment actions changed: a NACL deny, a deny-all policy, an inactive key."""
        entries = self.c["ec2"].describe_network_acls(NetworkAclIds=[self.nacl_id])["NetworkAcls"][0]["Entries"]
        ingress = [e for e in entries if not e.get("Egress")]
        first_allow = min((e["RuleNumber"] for e in ingress if e.get("RuleAction") == "allow"), default=32767)
        address = ipaddress.ip_address(ATTACKER_IP)
        self.blocked = any(e.get("RuleAction") == "deny" and e["RuleNumber"] < first_allow and e.get("CidrBlock")
                           and address in ipaddress.ip_network(e["CidrBlock"]) for e in ingress)
        iam = self.c["iam"]
        policies = iam.list_user_policies(UserName=COMPROMISED).get("PolicyNames", [])
        keys = iam.list_access_keys(UserName=COMPROMISED).get("AccessKeyMetadata", [])
        self.denied = bool(policies) or all(key.get("Status") == "Inactive" for key in keys)

    def _detection_run(self, stamp: datetime, *, incident: bool,
                       routine_alert: bool | None = None) -> tuple[int, int, int, float, float]:
        """One detection cycle: START, the rules' queries, alerts, REPORT; returns errors, critical, alerts, bytes, ms."""
        request = request_id(self.rng)
        lines = [f"START RequestId: {request} Version: $LATEST"]
        scanned_total = 0.0
        duration = 0.0
        errors = critical = alerts = 0
        failed = self.failed_logins
        self.failed_logins = self.routed = 0

        def entry(level: str, message: str, **fields: Any) -> str:
            return json.dumps({"level": level, "message": message, **fields, "request_id": request,
                               "timestamp": iso(stamp)})

        for rule in RULES:
            heavy = incident and rule == "failed-logins"
            scanned = self.rng.uniform(40e6, 90e6) if heavy else self.rng.uniform(4e6, 9e6)
            millis = self.rng.uniform(900, 3_500) * (2 if heavy else 1)
            scanned_total += scanned
            duration += millis
            if not incident and self.rng.random() < 0.01:
                errors += 1
                lines.append(entry("ERROR", f"Athena query for {rule} failed: Query timeout", rule_name=rule,
                                   query_id=request_id(self.rng), data_scanned_bytes=int(scanned)))
                continue
            matches = failed if rule == "failed-logins" else 0
            self.query_history.append({
                "query_id": request_id(self.rng), "query": f"-- rule {rule}\nSELECT ... FROM cloudtrail WHERE year = ...",
                "data_scanned_in_bytes": int(scanned), "gb_scanned": round(scanned / 1024 ** 3, 3),
                "execution_time_millis": int(millis), "execution_seconds": round(millis / 1000, 1),
                "submission_date": f"{stamp:%Y-%m-%d}", "rule_name": rule})
            lines.append(entry("INFO", "Rule evaluated", rule_name=rule, query_id=request_id(self.rng),
                               data_scanned_bytes=int(scanned), execution_time_ms=int(millis), matches=matches))
        if routine_alert or (routine_alert is None and not incident and self.rng.random() < 0.08):
            alerts += 1  # the everyday kind (P2 "configuration changes"), routed to Slack
            self._route(stamp, lines, entry, "configuration-change", "high", "P2",
                        "PutBucketLifecycleConfiguration on mantissa-log-athena-results by mantissa-ci",
                        source_ip="198.51.100.7", principal="mantissa-ci")
        if incident and self.blocked:
            lines.append(entry("INFO", f"Source {ATTACKER_IP}: no events this cycle (denied by network ACL {self.nacl_id})",
                               sourceip=ATTACKER_IP))
        elif incident:
            if failed >= 10:
                alerts += 1
                self._route(stamp, lines, entry, "multiple-failed-logins", "high", "P2",
                            f"{failed} failed ConsoleLogin attempts for {COMPROMISED} from {ATTACKER_IP} in 5m")
            if self.position >= self.ESCALATION:
                if self.denied:
                    lines.append(entry("INFO", "Denied API calls by the principal", principal=COMPROMISED,
                                       eventname="AttachUserPolicy", errorcode="AccessDenied", sourceip=ATTACKER_IP))
                else:
                    alerts += 1
                    critical += 1
                    self._route(stamp, lines, entry, "iam-admin-policy-change", "critical", "P1",
                                f"AttachUserPolicy AdministratorAccess on {COMPROMISED} by {COMPROMISED} "
                                f"from {ATTACKER_IP}")
        lines.append(f"END RequestId: {request}")
        lines.append(report_line(request, duration, 1024, self.rng.randint(310, 420)))
        self.logs.put(ENGINE_LOG, stamp, lines)
        return errors, critical, alerts, scanned_total, duration

    def _route(self, stamp: datetime, lines: list[str], entry: Any, rule: str, severity: str, priority: str,
               evidence: str, *, source_ip: str = ATTACKER_IP, principal: str = COMPROMISED) -> None:
        alert_id = self._store_alert(stamp, rule, severity, priority, source_ip, principal, evidence)
        lines.append(entry("WARNING", "Alert generated", alert_id=alert_id, rule_name=rule, severity=severity,
                           priority=priority, sourceip=source_ip, principal=principal, evidence=evidence))
        request = request_id(self.rng)
        destinations = ["slack:#security-alerts"] + (["pagerduty:security-oncall"] if priority == "P1" else [])
        router = [f"START RequestId: {request} Version: $LATEST"]
        router += [json.dumps({"level": "INFO", "message": f"Alert sent: {alert_id} to {where}", "alert_id": alert_id,
                               "priority": priority, "rule_name": rule, "destination": where, "request_id": request})
                   for where in destinations]
        router += [f"END RequestId: {request}", report_line(request, self.rng.uniform(180, 650), 256, 71)]
        self.routed += 1  # invoked once the alert is stored, one invocation after the other
        self.logs.put(ROUTER_LOG, stamp + timedelta(milliseconds=300 + 100 * self.routed), router)

    def _store_alert(self, stamp: datetime, rule: str, severity: str, priority: str, source_ip: str, principal: str,
                     evidence: str) -> str:
        self.alert_seq += 1
        alert_id = f"alert-{stamp:%Y%m%d}-{self.alert_seq:03d}"
        self.c["dynamodb"].put_item(TableName=STATE_TABLE, Item={
            "alert_id": {"S": alert_id}, "rule_name": {"S": rule}, "severity": {"S": severity},
            "priority": {"S": priority}, "sourceip": {"S": source_ip}, "principal": {"S": principal},
            "evidence": {"S": evidence}, "created_at": {"S": iso(stamp)}})
        return alert_id
