"""Demo scenarios: each seeds an emulator from one runbook and keeps it moving."""
from __future__ import annotations

from typing import Any

from services.demo.scenarios.cloud_remediator_sage import CloudRemediatorSage
from services.demo.scenarios.lambda_cost_reporting import LambdaCostReporting
from services.demo.scenarios.mantissa_log import MantissaLog
from services.demo.scenarios.sentra_scanner import SentraScanner
from services.demo.scenarios.sentrascan_platform import SentraScanPlatform

SCENARIOS: dict[str, Any] = {SentraScanner.name: SentraScanner}
SCENARIOS[MantissaLog.name] = MantissaLog
SCENARIOS[LambdaCostReporting.name] = LambdaCostReporting
SCENARIOS[CloudRemediatorSage.name] = CloudRemediatorSage
SCENARIOS[SentraScanPlatform.name] = SentraScanPlatform
DEFAULT_SCENARIO = SentraScanner.name
