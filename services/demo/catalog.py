"""The demo scenarios by name, without importing them (the CLI lists them instantly)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_SCENARIO = "sentra-scanner"
SCENARIO_NAMES = {
    "sentra-scanner": "runbook 000 · Lambda + S3 + SQS: timeouts and SQS delivery failures",
    "mantissa-log": "runbook 001 · detection Lambdas + Athena + DynamoDB alerts: P1 alert triage and containment",
    "lambda-cost-reporting": "runbook 002 · report Lambda + SES + DynamoDB: month-end timeouts, execution failures",
    "cloud-remediator-sage": "runbook 004 · Prowler ingest Lambda + Neptune + API health: out-of-memory ingests (P2)",
    "sentrascan-platform": "runbook 003 · compose stack (api + db) on podman, PostgreSQL, health: lock waits, revoke a key",
}


def scenario_profile_path(name: str) -> Path:
    return Path(str(resources.files("services.demo") / "profiles" / f"{name}.toml"))
