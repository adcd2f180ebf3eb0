"""One case per catalog action, on top of the seeded Sentra Scanner scenario.

A case seeds what its action needs (``seed``), names the target and parameters, says
what the plan must show (``changes``: field → (before, after)), and reads the state it
changes with raw boto3 (``probe``), independently of the action's own read-back.
"""
from __future__ import annotations

import hashlib
import json
import random
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FUNCTION = "customer-sentra-scanner"
QUEUE = "sentra-scanner-results"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:sentra-scanner-results-dlq"
RULE = "sentra-nightly-rescan"
TABLE = "sentra-scanner-state"
GROUP = "/aws/lambda/customer-sentra-scanner"
FORENSICS = "sentra-scanner-forensics"
WINDOW = {"from_ms": 1_000_000_000_000, "to_ms": 4_000_000_000_000}  # 2001 → 2096: every seeded event
DENY_SHOWN = "Deny * on *"
DENY_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}

Boto = Callable[[str], Any]


@dataclass
class Seeded:
    target: str
    params: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Case:
    action_id: str
    seed: Callable[[Boto], Seeded]
    probe: Callable[[Boto, Seeded], Any]
    changes: dict[str, tuple[Any, Any]]
    after: Any  # the probe's value once the action ran, or a predicate on it
    reversible: bool = True
    supported: bool = True  # False: moto lacks the operation (tested with Stubber instead)

    def ran(self, probed: Any) -> bool:
        return bool(self.after(probed)) if callable(self.after) else probed == self.after

    def __str__(self) -> str:
        return self.action_id


# ---------------------------------------------------------------- seeding helpers
def reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).read()


def seed_sentra(boto: Boto) -> None:
    from services.demo.emulator import SERVICES
    from services.demo.scenarios.sentra_scanner import SentraScanner, utcnow

    SentraScanner({name: boto(name) for name in SERVICES}, rng=random.Random(3)).seed(utcnow())


def queue_url(boto: Boto, name: str = QUEUE) -> str:
    return boto("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def default_nacl(boto: Boto) -> str:
    acls = boto("ec2").describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"]
    return acls[0]["NetworkAclId"]


def nacl_entries(boto: Boto, acl: str) -> list[tuple[int, str, str, bool]]:
    entries = boto("ec2").describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]["Entries"]
    return sorted((e["RuleNumber"], e["RuleAction"], e.get("CidrBlock") or e.get("Ipv6CidrBlock"), e["Egress"]) for e in entries)


def access_key(boto: Boto) -> dict[str, Any]:
    return boto("iam").list_access_keys(UserName="sentra-deployer")["AccessKeyMetadata"][0]


def inline_policies(boto: Boto, kind: str, name: str) -> list[str]:
    iam = boto("iam")
    return getattr(iam, f"list_{kind}_policies")(**{f"{kind.title()}Name": name})["PolicyNames"]


def seed_rule(boto: Boto, state: str) -> Seeded:
    boto("events").put_rule(Name=RULE, ScheduleExpression="rate(1 day)", State=state)
    return Seeded(RULE, {})


def seed_cognito(boto: Boto) -> Seeded:
    idp = boto("cognito-idp")
    pool = idp.create_user_pool(PoolName="sentra-console-users")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="console", ExplicitAuthFlows=[
        "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", TemporaryPassword="Temp-pass-1!", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password="Real-pass-1!", Permanent=True)
    auth = idp.admin_initiate_auth(UserPoolId=pool, ClientId=client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "alice", "PASSWORD": "Real-pass-1!"})
    return Seeded("alice", {"user_pool_id": pool},
                  {"client": client, "refresh": auth["AuthenticationResult"]["RefreshToken"]})


def refresh_works(boto: Boto, seeded: Seeded) -> bool:
    try:
        boto("cognito-idp").admin_initiate_auth(
            UserPoolId=seeded.params["user_pool_id"], ClientId=seeded.context["client"], AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": seeded.context["refresh"]})
    except boto("cognito-idp").exceptions.NotAuthorizedException:
        return False
    return True


def seed_table(boto: Boto) -> Seeded:
    boto("dynamodb").create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST")
    return Seeded(TABLE, {"backup_name": "sentra-state-before-fix"})


def seed_backed_up_table(boto: Boto) -> Seeded:
    """The state table with three items and the runbook's weekly backup of it; then one item lost."""
    seed_table(boto)
    db = boto("dynamodb")
    for key in ("a", "b", "c"):
        db.put_item(TableName=TABLE, Item={"pk": {"S": key}, "note": {"S": f"item {key}"}})
    db.create_backup(TableName=TABLE, BackupName="weekly-backup-20261203")
    db.delete_item(TableName=TABLE, Key={"pk": {"S": "a"}})  # the loss the restore recovers
    return Seeded(TABLE, {"to": f"{TABLE}-restored"})


def restored_items(boto: Boto, seeded: Seeded) -> list[str]:
    try:
        items = boto("dynamodb").scan(TableName=f"{TABLE}-restored")["Items"]
    except boto("dynamodb").exceptions.ResourceNotFoundException:
        return []
    return sorted(item["pk"]["S"] for item in items)


REPORT_KEY = "reports/2026/12/acme-corp.pdf"


def seed_versions(boto: Boto) -> Seeded:
    """A versioned bucket whose report was overwritten by a bad run: two versions, the good one older."""
    s3 = boto("s3")
    s3.put_bucket_versioning(Bucket=FORENSICS, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=FORENSICS, Key=REPORT_KEY, Body=b"the good report")
    s3.put_object(Bucket=FORENSICS, Key=REPORT_KEY, Body=b"truncated")
    return Seeded(FORENSICS, {"key": REPORT_KEY})


def report_body(boto: Boto, seeded: Seeded) -> bytes:
    return boto("s3").get_object(Bucket=FORENSICS, Key=REPORT_KEY)["Body"].read()


CLUSTER = "cloud-remediator-neptune-prod"


def seed_cluster(boto: Boto) -> Seeded:
    boto("rds").create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="neptune")
    return Seeded(CLUSTER, {"to": f"{CLUSTER}-recovery"})


def clusters(boto: Boto, seeded: Seeded) -> list[str]:
    return sorted(c["DBClusterIdentifier"] for c in boto("rds").describe_db_clusters()["DBClusters"])


def exported(boto: Boto, seeded: Seeded) -> list[str]:
    """Exported objects' keys without the task id (which differs between two runs)."""
    contents = boto("s3").list_objects_v2(Bucket=FORENSICS, Prefix="incident/").get("Contents", [])
    return sorted("/".join(k.split("/")[:1] + k.split("/")[2:]) for k in (o["Key"] for o in contents))


def seed_messages(boto: Boto) -> Seeded:
    for number in range(3):
        boto("sqs").send_message(QueueUrl=queue_url(boto), MessageBody=json.dumps({"scan": number}))
    return Seeded(QUEUE, {})


def lambda_config(boto: Boto, key: str) -> Any:
    return boto("lambda").get_function_configuration(FunctionName=FUNCTION).get(key)


def alarm(boto: Boto, name: str = "sentra-lambda-errors") -> dict[str, Any]:
    return boto("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def _unverified_sender(boto: Boto) -> Seeded:
    return Seeded("reports@yourcompany.com", {})  # runbook 002's sender, not an identity yet


def _disable_alarm(boto: Boto) -> Seeded:
    boto("cloudwatch").disable_alarm_actions(AlarmNames=["sentra-lambda-errors"])
    return Seeded("sentra-lambda-errors", {})


def _deny_role(boto: Boto) -> Seeded:
    boto("iam").put_role_policy(RoleName="lambda-execution-role", PolicyName="CockpitDenyAll",
                                PolicyDocument=json.dumps(DENY_DOC))
    return Seeded("role/lambda-execution-role", {})


def _nacl_with_deny(boto: Boto) -> Seeded:
    acl = default_nacl(boto)
    boto("ec2").create_network_acl_entry(NetworkAclId=acl, RuleNumber=10, Protocol="-1", RuleAction="deny",
                                         CidrBlock="198.51.100.0/24", Egress=False)
    return Seeded(acl, {"rule_number": 10})


def _inactive_key(boto: Boto) -> Seeded:
    key = access_key(boto)["AccessKeyId"]
    boto("iam").update_access_key(UserName="sentra-deployer", AccessKeyId=key, Status="Inactive")
    return Seeded("sentra-deployer", {"access_key_id": key})


def _queue_attr(boto: Boto, name: str) -> Any:
    return boto("sqs").get_queue_attributes(QueueUrl=queue_url(boto), AttributeNames=[name]).get("Attributes", {}).get(name)


CASES: list[Case] = [
    Case("lambda.set-timeout", lambda b: Seeded(FUNCTION, {"timeout": 600}),
         lambda b, s: lambda_config(b, "Timeout"), {"timeout": (300, 600)}, 600),
    Case("lambda.set-memory", lambda b: Seeded(FUNCTION, {"memory": 1024}),
         lambda b, s: lambda_config(b, "MemorySize"), {"memory": (512, 1024)}, 1024),
    Case("lambda.set-concurrency", lambda b: Seeded(FUNCTION, {"concurrency": 0}),
         lambda b, s: b("lambda").get_function_concurrency(FunctionName=FUNCTION).get("ReservedConcurrentExecutions"),
         {"reserved concurrency": (None, 0)}, 0),
    Case("lambda.set-env", lambda b: Seeded(FUNCTION, {"variables": {"LOG_LEVEL": "DEBUG", "SENTRA_API_TOKEN": "tok-123456",
                                                                       "SENTRA_QUEUE": None}}),
         lambda b, s: (lambda_config(b, "Environment") or {}).get("Variables"),
         {"env.LOG_LEVEL": ("INFO", "DEBUG"), "env.SENTRA_API_TOKEN": (None, "tok-123456"),
          "env.SENTRA_QUEUE": (QUEUE, None)},
         {"LOG_LEVEL": "DEBUG", "SENTRA_API_TOKEN": "tok-123456"}),
    Case("alarm.disable-actions", lambda b: Seeded("sentra-lambda-errors", {}),
         lambda b, s: alarm(b)["ActionsEnabled"], {"actions enabled": (True, False)}, False),
    Case("alarm.enable-actions", _disable_alarm,
         lambda b, s: alarm(b)["ActionsEnabled"], {"actions enabled": (False, True)}, True),
    Case("alarm.set-state", lambda b: Seeded("sentra-lambda-errors", {"state": "ALARM", "reason": "cockpit: paging test"}),
         lambda b, s: (alarm(b)["StateValue"], alarm(b)["StateReason"]),
         {"state": ("OK", "ALARM"), "reason": ("Unchecked: Initial alarm creation", "cockpit: paging test")},
         ("ALARM", "cockpit: paging test")),
    Case("alarm.set-threshold", lambda b: Seeded("sentra-lambda-errors", {"threshold": 12}),
         lambda b, s: (alarm(b)["Threshold"], alarm(b)["MetricName"], alarm(b)["EvaluationPeriods"],
                       alarm(b)["ComparisonOperator"]),
         {"threshold": (5, 12)}, lambda probed: probed == (12.0, "Errors", 1, "GreaterThanThreshold")),
    Case("ses.verify-identity", _unverified_sender,
         lambda b, s: b("ses").get_identity_verification_attributes(Identities=[s.target])["VerificationAttributes"]
         .get(s.target, {}).get("VerificationStatus"),
         {"verification status": ("(not an SES identity)", "Pending or Success")},
         lambda status: status in ("Pending", "Success"), reversible=False),
    Case("sqs.purge", seed_messages, lambda b, s: int(_queue_attr(b, "ApproximateNumberOfMessages")),
         {"messages available": (3, 0), "messages in flight": (0, 0), "messages delayed": (0, 0)}, 0, reversible=False),
    Case("sqs.set-redrive", lambda b: Seeded(QUEUE, {"dead_letter_queue": "sentra-scanner-results-dlq", "max_receive_count": 5}),
         lambda b, s: json.loads(_queue_attr(b, "RedrivePolicy") or "null"),
         {"dead-letter queue": (None, DLQ_ARN), "max receive count": (None, 5)},
         {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 5}),
    Case("sqs.redrive-dlq", lambda b: Seeded("sentra-scanner-results-dlq", {}),
         lambda b, s: None, {"messages in dead-letter queue": (0, 0)}, None, reversible=False, supported=False),
    Case("events.enable-rule", lambda b: seed_rule(b, "DISABLED"),
         lambda b, s: b("events").describe_rule(Name=RULE)["State"], {"state": ("DISABLED", "ENABLED")}, "ENABLED"),
    Case("events.disable-rule", lambda b: seed_rule(b, "ENABLED"),
         lambda b, s: b("events").describe_rule(Name=RULE)["State"], {"state": ("ENABLED", "DISABLED")}, "DISABLED"),
    Case("events.set-schedule", lambda b: Seeded(seed_rule(b, "ENABLED").target, {"schedule": "rate(6 hours)"}),
         lambda b, s: (b("events").describe_rule(Name=RULE)["ScheduleExpression"], b("events").describe_rule(Name=RULE)["State"]),
         {"schedule": ("rate(1 day)", "rate(6 hours)")}, ("rate(6 hours)", "ENABLED")),
    Case("iam.deactivate-key", lambda b: Seeded("sentra-deployer", {}),
         lambda b, s: access_key(b)["Status"], {"status": ("Active", "Inactive")}, "Inactive"),
    Case("iam.activate-key", _inactive_key,
         lambda b, s: access_key(b)["Status"], {"status": ("Inactive", "Active")}, "Active"),
    Case("iam.deny-all", lambda b: Seeded("user/sentra-deployer", {}),
         lambda b, s: inline_policies(b, "user", "sentra-deployer"),
         {"inline policy CockpitDenyAll": (None, DENY_SHOWN)}, ["CockpitDenyAll"]),
    Case("iam.remove-deny-all", _deny_role,
         lambda b, s: inline_policies(b, "role", "lambda-execution-role"),
         {"inline policy CockpitDenyAll": (DENY_SHOWN, None)}, ["scanner-access"]),  # the scenario's own stays
    Case("ec2.nacl-deny", lambda b: Seeded(default_nacl(b), {"cidr": "203.0.113.42/32"}),
         lambda b, s: [e for e in nacl_entries(b, s.target) if e[0] < 100],
         {"ingress rule 1": (None, "deny all from 203.0.113.42/32")}, [(1, "deny", "203.0.113.42/32", False)]),
    Case("ec2.nacl-remove", _nacl_with_deny,
         lambda b, s: [e for e in nacl_entries(b, s.target) if e[0] < 100],
         {"ingress rule 10": ("deny all from 198.51.100.0/24", None)}, []),
    Case("cognito.global-sign-out", seed_cognito, refresh_works, {"sign-in sessions": ("valid", "revoked")}, False,
         reversible=False),
    Case("dynamodb.backup", seed_table,
         lambda b, s: sorted(x["BackupName"] for x in b("dynamodb").list_backups(TableName=TABLE)["BackupSummaries"]),
         {"backup sentra-state-before-fix": (None, "created")}, ["sentra-state-before-fix"], reversible=False),
    Case("dynamodb.restore", seed_backed_up_table, restored_items,
         {f"table {TABLE}-restored": (None, "ACTIVE"), f"items in {TABLE}-restored": (None, 3)}, ["a", "b", "c"],
         reversible=False),
    Case("s3.restore-version", seed_versions, report_body,
         {f"s3://{FORENSICS}/{REPORT_KEY} content (ETag)": (hashlib.md5(b"truncated").hexdigest(),
                                                            hashlib.md5(b"the good report").hexdigest())},
         b"the good report"),
    Case("neptune.restore", seed_cluster, clusters, {f"cluster {CLUSTER}-recovery": (None, "exists")},
         [CLUSTER, f"{CLUSTER}-recovery"], reversible=False),
    Case("logs.export-to-s3", lambda b: Seeded(GROUP, {"bucket": FORENSICS, "prefix": "incident", **WINDOW}),
         exported, {"export to s3://sentra-scanner-forensics/incident": (None, "created")}, lambda keys: len(keys) > 0,
         reversible=False),
]

BY_ID = {case.action_id: case for case in CASES}
