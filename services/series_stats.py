"""Summary figures of a series over the visible range: min, mean, max and percentiles."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SeriesStats:
    count: int
    minimum: float
    mean: float
    maximum: float
    p50: float
    p90: float
    p99: float


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) on sorted values."""
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def series_stats(values: Sequence[float]) -> SeriesStats | None:
    """None for an empty series: "no data" is not a zero."""
    finite = sorted(v for v in values if not math.isnan(v))
    if not finite:
        return None
    return SeriesStats(count=len(finite), minimum=finite[0], mean=math.fsum(finite) / len(finite), maximum=finite[-1],
                       p50=percentile(finite, 0.5), p90=percentile(finite, 0.9), p99=percentile(finite, 0.99))
