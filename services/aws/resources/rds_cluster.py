"""An RDS-API cluster (Aurora, or Neptune, which shares the API) as runbook 004 checks it.

Status, engine, instances, endpoints and the cluster parameter group (with the
parameters changed from the family's defaults).
"""
from __future__ import annotations

from typing import Any

from services.aws.resources.calls import call, is_missing, pages
from services.aws.resources.reading import ReadingDraft, ResourceReading, not_found
from services.aws.session import AwsSession
from services.errors import BadInput
from services.profile.resources import ResourceSpec

_TRANSITIONAL = {"backing-up", "modifying", "upgrading", "maintenance", "renaming", "resetting-master-credentials",
                 "starting", "creating", "rebooting", "storage-optimization", "configuring-iam-database-auth"}


def read_rds_cluster(session: AwsSession, spec: ResourceSpec) -> ResourceReading:
    name = spec.name or ""
    try:
        clusters = call(session, "rds", "describe_db_clusters", DBClusterIdentifier=name).get("DBClusters", [])
    except BadInput as error:
        if is_missing(error, "DBClusterNotFoundFault"):
            return not_found(spec, f"cluster {name} does not exist")
        raise
    if not clusters:
        return not_found(spec, f"cluster {name} does not exist")
    cluster = clusters[0]
    draft = ReadingDraft(spec)
    status = str(cluster.get("Status", "?"))
    _judge(draft, f"cluster {name}", status)
    draft.add("Engine", f"{cluster.get('Engine', '?')} {cluster.get('EngineVersion', '')}".strip())
    _instances(session, draft, cluster)
    port = cluster.get("Port")
    draft.add("Writer endpoint", f"{cluster.get('Endpoint', '—')}" + (f":{port}" if port else ""))
    draft.add("Reader endpoint", f"{cluster.get('ReaderEndpoint', '—')}" + (f":{port}" if port else ""))
    custom = draft.attempt("Custom endpoints", lambda: call(session, "rds", "describe_db_cluster_endpoints",
                                                            DBClusterIdentifier=name))
    if custom is not None:
        own = [endpoint for endpoint in custom.get("DBClusterEndpoints", [])
               if endpoint.get("EndpointType") == "CUSTOM"]
        draft.add("Custom endpoints", f"{len(own)}" if own else "none",
                  [f"{item.get('Endpoint')}: {item.get('Status')}" for item in own])
    _parameter_group(session, draft, str(cluster.get("DBClusterParameterGroup", "")))
    draft.add("Multi-AZ", "yes" if cluster.get("MultiAZ") else "no")
    draft.add("Backup retention", f"{cluster.get('BackupRetentionPeriod', '?')} day(s)")
    draft.add("Deletion protection", "on" if cluster.get("DeletionProtection") else "off")
    draft.add("ARN", cluster.get("DBClusterArn", "?"))
    return draft.done(status)


def _judge(draft: ReadingDraft, what: str, status: str) -> None:
    if status == "available":
        return
    (draft.warn if status in _TRANSITIONAL else draft.fail)(f"{what} is {status}")


def _instances(session: AwsSession, draft: ReadingDraft, cluster: dict[str, Any]) -> None:
    members = cluster.get("DBClusterMembers", [])
    writers = {member["DBInstanceIdentifier"] for member in members if member.get("IsClusterWriter")}
    described = draft.attempt("Instances", lambda: {
        instance["DBInstanceIdentifier"]: instance
        for page in pages(session, "rds", "describe_db_instances",
                          Filters=[{"Name": "db-cluster-id", "Values": [cluster["DBClusterIdentifier"]]}])
        for instance in page.get("DBInstances", [])})
    if described is None:
        return
    lines = []
    for member in members:
        identifier = member["DBInstanceIdentifier"]
        instance = described.get(identifier, {})
        status = str(instance.get("DBInstanceStatus", "?"))
        role = "writer" if identifier in writers else "reader"
        lines.append(f"{identifier}: {role}, {instance.get('DBInstanceClass', '?')}, {status}, "
                     f"{instance.get('AvailabilityZone', '?')}")
        _judge(draft, f"instance {identifier}", status)
    draft.add("Instances", f"{len(members)} ({len(writers)} writer)" if members else "none", lines)
    if not members:
        draft.fail("the cluster has no instances: nothing serves its endpoints")
    elif not writers:
        draft.fail("the cluster has no writer instance")


def _parameter_group(session: AwsSession, draft: ReadingDraft, group: str) -> None:
    if not group:
        draft.add("Parameter group", "—")
        return

    def read() -> tuple[str, list[str]]:
        groups = call(session, "rds", "describe_db_cluster_parameter_groups", DBClusterParameterGroupName=group)
        family = next((item.get("DBParameterGroupFamily", "?") for item in groups.get("DBClusterParameterGroups", [])),
                      "?")
        return family, [f"{parameter['ParameterName']} = {parameter.get('ParameterValue', '')}"
                        for page in pages(session, "rds", "describe_db_cluster_parameters",
                                          DBClusterParameterGroupName=group, Source="user")
                        for parameter in page.get("Parameters", [])]

    found = draft.attempt("Parameter group", read)
    if found is not None:
        family, changed = found
        draft.add("Parameter group", f"{group} ({family}), " + (f"{len(changed)} parameter(s) changed from the defaults"
                                                              if changed else "defaults"), changed)
