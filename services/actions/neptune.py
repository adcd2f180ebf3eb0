"""Neptune (an RDS-API cluster): point-in-time recovery into a new cluster (runbook 004, Database Recovery).

``aws neptune restore-db-cluster-to-point-in-time``: the source cluster is never touched; the
application is switched to the recovery cluster by a deploy (the runbook's "update serverless.yml
with the new endpoint"), which the plan says. The new cluster has no instance yet: AWS restores
the cluster volume only, and an instance (``create-db-instance``) is needed before it serves.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, error_code, iso_time, missing_as
from services.errors import BadInput

RESTORE_TO_TIME = "neptune.restore: restore_to_time"


class RestoreCluster(ReadBackAction["RestoreCluster.Params"]):
    id = "neptune.restore"
    title = "Restore a Neptune cluster to a point in time (into a new cluster)"
    risk = Risk.HIGH
    target_kind = "Neptune (RDS) cluster identifier"

    class Params(ParamsModel):
        restore_to_time: str | None = Field(default=None, description="ISO time (UTC); default: the latest restorable")
        to: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9-]{0,62}$",
                               description="the new cluster's identifier; default: SOURCE-recovery")

    def cluster(self, identifier: str) -> dict[str, Any] | None:
        try:
            found = self.session.call("rds", "describe_db_clusters", DBClusterIdentifier=identifier).get("DBClusters", [])
        except BadInput as error:
            if error_code(error) == "DBClusterNotFoundFault":
                return None
            raise
        return found[0] if found else None

    def plan(self) -> Plan:
        with missing_as(f"no Neptune cluster {self.target!r}", "DBClusterNotFoundFault"):
            source = self.cluster(self.target)
        if source is None:
            raise BadInput(f"no Neptune cluster {self.target!r}")
        to = self.params.to or f"{self.target}-recovery"[:63]
        if self.cluster(to) is not None:
            raise BadInput(f"{self.id}: cluster {to} exists already; a restore makes a new cluster (give another `to`)")
        earliest, latest = source.get("EarliestRestorableTime"), source.get("LatestRestorableTime")
        moment = iso_time(self.params.restore_to_time, RESTORE_TO_TIME) if self.params.restore_to_time else None
        if moment is not None and isinstance(earliest, datetime) and moment < earliest:
            raise BadInput(f"{self.id}: {moment.isoformat()} is before the earliest restorable time "
                           f"{earliest.isoformat()}")
        options: list[Any] = [("--db-cluster-identifier", to), ("--source-db-cluster-identifier", self.target)]
        options += [("--restore-to-time", moment.isoformat())] if moment else ["--use-latest-restorable-time"]
        window = (f"restorable from {earliest:%Y-%m-%d %H:%M} to {latest:%Y-%m-%d %H:%M} UTC"
                  if isinstance(earliest, datetime) and isinstance(latest, datetime) else "restorable window not reported")
        return self.make_plan(
            [FieldChange(f"cluster {to}", None, "exists")],
            command=aws_cli("neptune", "restore-db-cluster-to-point-in-time", *options),
            summary=f"Restore {self.target} as of {moment.isoformat() if moment else 'the latest restorable time'} "
                    f"into a new cluster {to}", reversible=False,
            params=self.Params(restore_to_time=moment.isoformat() if moment else None, to=to),
            notes=(f"{self.target}: {source.get('Status')}, engine {source.get('Engine')}, {window}.",
                   "The source cluster is not touched. The new one has no instance: add one "
                   "(aws neptune create-db-instance --db-cluster-identifier …) before it serves.",
                   "Then switch the application to the recovery cluster's endpoint (a deploy: serverless.yml)."))

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        request: dict[str, Any] = {"DBClusterIdentifier": params.to, "SourceDBClusterIdentifier": self.target}
        if params.restore_to_time:
            request["RestoreToTime"] = iso_time(params.restore_to_time, RESTORE_TO_TIME)
        else:
            request["UseLatestRestorableTime"] = True
        answer = self.session.call("rds", "restore_db_cluster_to_point_in_time", **request)
        cluster = answer.get("DBCluster", {})
        return {"cluster": cluster.get("DBClusterIdentifier"), "status": cluster.get("Status"),
                "endpoint": cluster.get("Endpoint")}

    def observe(self, plan: Plan) -> dict[str, Any]:
        to = str(self.resolved(plan).to)
        return {f"cluster {to}": "exists" if self.cluster(to) is not None else None}

