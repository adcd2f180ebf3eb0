"""Which of the profile's ``[[resources]]`` a tile or an alarm is about.

A metric names its resource in a dimension (``FunctionName``, ``QueueName`` …); a resource
of the matching type with that name is the one a responder means when they press ``o`` on
the tile or the alarm. A computed tile is about what its inputs are about. Pure: no AWS call.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from services.aws.alarm_links import metric_inputs
from services.models import Alarm
from services.profile.model import MetricSpec
from services.profile.resources import ResourceSpec

# Which dimension names a resource of which type (Lambda Insights spells the function's lower-case).
DIMENSION_TYPES = {
    "FunctionName": "lambda",
    "function_name": "lambda",
    "QueueName": "sqs",
    "TableName": "dynamodb",
    "RuleName": "events-rule",
    "BucketName": "s3-bucket",
    "DBClusterIdentifier": "rds-cluster",
}
# A namespace that is about the account's one resource of a type, whatever the dimensions.
NAMESPACE_TYPES = {"AWS/SES": "ses"}


def _bare_name(name: str) -> str:
    """A function ARN or ``name:alias`` as the plain name a dimension carries."""
    if name.startswith("arn:"):
        name = name.split(":function:", 1)[-1]
    return name.split(":", 1)[0]


def _matches(resource: ResourceSpec, kind: str, value: str | None) -> bool:
    if resource.type != kind:
        return False
    if value is None:
        return True
    return resource.name is not None and (resource.name == value or _bare_name(resource.name) == value)


def resources_for_keys(keys: Iterable[tuple[str, Iterable[tuple[str, str]]]],
                       resources: Sequence[ResourceSpec]) -> list[str]:
    """Ids of the resources named by (namespace, dimensions) pairs, in profile order."""
    wanted: list[tuple[str, str | None]] = []
    for namespace, dimensions in keys:
        for name, value in dimensions:
            if name in DIMENSION_TYPES:
                wanted.append((DIMENSION_TYPES[name], value))
        if namespace in NAMESPACE_TYPES:
            wanted.append((NAMESPACE_TYPES[namespace], None))
    return [resource.id for resource in resources if any(_matches(resource, kind, value) for kind, value in wanted)]


def resources_for_metric(metric_id: str, specs: Sequence[MetricSpec], resources: Sequence[ResourceSpec]) -> list[str]:
    """The resources a tile is about: its own dimensions, or those of the metrics it is computed from."""
    by_id = {spec.id: spec for spec in specs}
    if metric_id not in by_id:
        return []
    inputs = [by_id[ref] for ref in metric_inputs(by_id[metric_id], by_id)]
    return resources_for_keys(((spec.namespace or "", tuple(spec.dimensions.items())) for spec in inputs), resources)


def resources_for_alarm(alarm: Alarm, resources: Sequence[ResourceSpec]) -> list[str]:
    """The resources the metrics an alarm watches are about."""
    return resources_for_keys(((key.namespace, key.dimensions) for key in alarm.watches), resources)


__all__ = ["DIMENSION_TYPES", "resources_for_alarm", "resources_for_keys", "resources_for_metric"]
