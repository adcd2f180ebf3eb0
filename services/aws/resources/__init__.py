"""Readers of the profile's ``[[resources]]``: one module per type, one ``read_resource`` for all.

Each reader does what its runbooks' "check" steps do and returns a
:class:`~services.aws.resources.reading.ResourceReading`: status, fields, findings. A
resource that does not exist is a reading with status "not found", never an exception;
any other failure of the resource's first call raises one of ``services.errors``.
Readers block (boto3): call them from a thread worker.
"""
from __future__ import annotations

from collections.abc import Callable

from services.aws.resources.dashboard import read_dashboard
from services.aws.resources.dynamodb_table import read_dynamodb
from services.aws.resources.events_rule import read_events_rule
from services.aws.resources.iam_role import read_iam_role
from services.aws.resources.lambda_function import read_lambda
from services.aws.resources.rds_cluster import read_rds_cluster
from services.aws.resources.reading import NOT_FOUND, Field, Finding, Offer, ResourceReading
from services.aws.resources.s3_bucket import read_s3_bucket
from services.aws.resources.ses_account import read_ses
from services.aws.resources.sqs_queue import read_sqs
from services.aws.session import AwsSession
from services.profile.resources import RESOURCE_TYPES, ResourceSpec

Reader = Callable[[AwsSession, ResourceSpec], ResourceReading]

READERS: dict[str, Reader] = {
    "lambda": read_lambda,
    "sqs": read_sqs,
    "dynamodb": read_dynamodb,
    "events-rule": read_events_rule,
    "s3-bucket": read_s3_bucket,
    "iam-role": read_iam_role,
    "ses": read_ses,
    "rds-cluster": read_rds_cluster,
    "dashboard": read_dashboard,
}
assert set(READERS) == set(RESOURCE_TYPES), "every resource type of the profile has a reader"


def read_resource(session: AwsSession, spec: ResourceSpec) -> ResourceReading:
    """Read one resource now (blocking)."""
    return READERS[spec.type](session, spec)


__all__ = ["NOT_FOUND", "READERS", "Field", "Finding", "Offer", "ResourceReading", "read_resource"]
