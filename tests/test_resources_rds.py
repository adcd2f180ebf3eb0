"""The RDS-cluster reader against moto's server (a Neptune cluster, as runbook 004's): status, instances,
endpoints, parameter group."""
from __future__ import annotations

from services.aws.resources import read_resource
from services.profile.resources import ResourceSpec
from tests.support.readings import field_of

SPEC = ResourceSpec(id="graph", type="rds-cluster", name="cloud-remediator-neptune-prod")


def seed(boto, *, instances: int = 2) -> None:
    rds = boto("rds")
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="remediator-neptune",
                                          DBParameterGroupFamily="neptune1.3", Description="tuned")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="remediator-neptune", Parameters=[
        {"ParameterName": "neptune_query_timeout", "ParameterValue": "120000", "ApplyMethod": "pending-reboot"}])
    rds.create_db_cluster(DBClusterIdentifier="cloud-remediator-neptune-prod", Engine="neptune",
                          DBClusterParameterGroupName="remediator-neptune", BackupRetentionPeriod=7)
    for number in range(instances):
        rds.create_db_instance(DBInstanceIdentifier=f"neptune-{number}", DBInstanceClass="db.r5.large",
                               Engine="neptune", DBClusterIdentifier="cloud-remediator-neptune-prod")


def test_a_neptune_cluster_with_two_instances(boto, aws_session) -> None:
    seed(boto)
    described = boto("rds").describe_db_clusters(DBClusterIdentifier="cloud-remediator-neptune-prod")["DBClusters"][0]

    reading = read_resource(aws_session, SPEC)

    assert reading.status == described["Status"] == "available"
    assert field_of(reading, "Engine").value.startswith("neptune")
    instances = field_of(reading, "Instances")
    assert instances.value == "2 (1 writer)"
    assert [line.split(":")[0] for line in instances.detail] == ["neptune-0", "neptune-1"]
    assert "writer, db.r5.large, available" in instances.detail[0] and "reader" in instances.detail[1]
    assert field_of(reading, "Writer endpoint").value.startswith(described["Endpoint"])
    assert field_of(reading, "Reader endpoint").value.startswith(described["ReaderEndpoint"])
    # moto has no DescribeDBClusterEndpoints: only that field says so
    assert field_of(reading, "Custom endpoints").value == "not supported by this endpoint"
    group = field_of(reading, "Parameter group")
    assert group.value.startswith("remediator-neptune (neptune1.3), ")
    assert "neptune_query_timeout = 120000" in group.detail
    assert field_of(reading, "Backup retention").value == "7 day(s)"
    assert reading.level == "ok", reading.findings


def test_a_cluster_without_instances_fails(boto, aws_session) -> None:
    seed(boto, instances=0)
    reading = read_resource(aws_session, SPEC)
    assert field_of(reading, "Instances").value == "none"
    assert ("fail", "the cluster has no instances: nothing serves its endpoints") in [
        (f.level, f.text) for f in reading.findings]


def test_a_cluster_that_does_not_exist(aws_session) -> None:
    reading = read_resource(aws_session, SPEC)
    assert reading.status == "not found" and reading.findings[0].text == "cluster cloud-remediator-neptune-prod does not exist"
