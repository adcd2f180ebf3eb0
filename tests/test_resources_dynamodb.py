"""The DynamoDB reader against moto's server: status, billing, items, size, point-in-time recovery, backups."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.aws.resources import read_resource
from services.aws.resources.dynamodb_table import read_dynamodb
from services.profile.resources import ResourceSpec
from tests.support.readings import field_of

SPEC = ResourceSpec(id="alert_table", type="dynamodb", name="mantissa-log-alerts")


def create_table(boto, **extra) -> None:
    boto("dynamodb").create_table(TableName="mantissa-log-alerts", KeySchema=[{"AttributeName": "alert_id",
                                                                              "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "alert_id", "AttributeType": "S"}], **extra)


def test_on_demand_table_with_pitr_and_a_backup(boto, aws_session) -> None:
    create_table(boto, BillingMode="PAY_PER_REQUEST")
    dynamodb = boto("dynamodb")
    for number in range(3):
        dynamodb.put_item(TableName="mantissa-log-alerts", Item={"alert_id": {"S": f"a{number}"}, "x": {"S": "y" * 100}})
    dynamodb.update_continuous_backups(TableName="mantissa-log-alerts",
                                       PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    dynamodb.create_backup(TableName="mantissa-log-alerts", BackupName="mantissa-log-state-20261201")

    reading = read_resource(aws_session, SPEC)

    assert reading.status == "ACTIVE"
    assert field_of(reading, "Billing mode").value == "on demand (PAY_PER_REQUEST)"
    described = dynamodb.describe_table(TableName="mantissa-log-alerts")["Table"]
    assert field_of(reading, "Items").value.startswith(f"{described['ItemCount']} ")
    assert field_of(reading, "Keys").value == "alert_id (HASH)"
    assert field_of(reading, "Point-in-time recovery").value.startswith("enabled")
    backups = field_of(reading, "Backups")
    assert backups.value == "1" and backups.detail[0].startswith("mantissa-log-state-20261201  AVAILABLE")
    assert reading.level == "ok"
    assert next(f.text for f in reading.findings if f.level == "ok").startswith("newest backup mantissa-log-state-20261201")


def test_provisioned_table_without_pitr_or_backups_warns(boto, aws_session) -> None:
    create_table(boto, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 2})
    reading = read_resource(aws_session, SPEC)
    assert field_of(reading, "Billing mode").value == "provisioned: 5 read, 2 write capacity units"
    assert field_of(reading, "Point-in-time recovery").value == "disabled"
    assert field_of(reading, "Backups").value == "none"
    warnings = [f.text for f in reading.findings if f.level == "warn"]
    assert "point-in-time recovery is off: no restore to a moment before the incident" in warnings
    assert "no on-demand backups" in warnings


def test_an_old_newest_backup_warns(boto, aws_session) -> None:
    create_table(boto, BillingMode="PAY_PER_REQUEST")
    boto("dynamodb").create_backup(TableName="mantissa-log-alerts", BackupName="weekly")
    later = datetime.now(UTC) + timedelta(days=8)  # the same backup, read eight days on
    reading = read_dynamodb(aws_session, SPEC, now=later)
    assert any(f.level == "warn" and f.text.startswith("the newest backup is from") for f in reading.findings)


def test_a_table_that_does_not_exist(aws_session) -> None:
    reading = read_resource(aws_session, SPEC)
    assert (reading.status, reading.level) == ("not found", "fail")
    assert reading.findings[0].text == "table mantissa-log-alerts does not exist"
