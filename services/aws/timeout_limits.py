"""Thresholds that follow a Lambda function's timeout (``limits_of`` on a Duration tile).

One ``get_function_configuration`` per function named, at most every ``MAX_AGE`` seconds
(and at once after ``invalidate``: an action may just have changed the timeout). A function
that cannot be read keeps its tiles on the profile's own thresholds; the error is not the
tiles' (their metric still reads): it is logged.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from services.aws.session import AwsSession
from services.errors import SourceError
from services.profile.model import MetricSpec

MAX_AGE = 60.0
log = logging.getLogger("cockpit.metrics")


class TimeoutLimitsSource:
    def __init__(self, session: AwsSession, specs: Sequence[MetricSpec]) -> None:
        self.session = session
        self.specs = [spec for spec in specs if spec.limits_of is not None and not spec.hidden]
        self._timeouts: dict[str, float] = {}
        self._read_at = float("-inf")
        self.calls = 0

    def invalidate(self) -> None:
        self._read_at = float("-inf")

    def limits(self) -> dict[str, tuple[float | None, float | None]]:
        """Tile id → (alert, critical) in the tile's unit, for every tile whose function could be read."""
        if not self.specs:
            return {}
        if time.monotonic() - self._read_at >= MAX_AGE:
            self._read_at = time.monotonic()
            for function in sorted({spec.limits_of.lambda_timeout for spec in self.specs if spec.limits_of}):
                try:
                    answer = self.session.call("lambda", "get_function_configuration", FunctionName=function)
                    self.calls += 1
                    self._timeouts[function] = float(answer["Timeout"])
                except (SourceError, KeyError, TypeError, ValueError) as error:
                    log.warning("limits_of: the timeout of %s could not be read: %s", function, error)
                    self._timeouts.pop(function, None)
        found: dict[str, tuple[float | None, float | None]] = {}
        for spec in self.specs:
            rule = spec.limits_of
            if rule is None or rule.lambda_timeout not in self._timeouts:
                continue
            scale = self._timeouts[rule.lambda_timeout] * (1000.0 if spec.unit == "ms" else 1.0)
            found[spec.id] = (None if rule.alert is None else rule.alert * scale,
                              None if rule.critical is None else rule.critical * scale)
        return found
