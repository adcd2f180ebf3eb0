"""The statistics CloudWatch accepts in ``GetMetricData`` (a metric's ``stat``), and a suggestion when not.

Per the CloudWatch statistics definitions: the five plain statistics and IQM; one number
for a percentile or an upper bound (``p99``, ``p99.9``, ``tm90``, ``wm98``, ``tc90``,
``ts90``: 0 to 100, up to 10 decimal places); two bounds, either optional, as
percentages or as values (``TM(10%:90%)``, ``TM(150:1000)``, ``TS(80%:)``, likewise
``WM``, ``TC``); and a percentile rank over values (``PR(:300)``, ``PR(100:2000)``).
Names are written as CloudWatch writes them: a misspelling is caught here rather than
answered by the endpoint with an empty series.
"""
from __future__ import annotations

import difflib
import re

PLAIN = ("Sum", "Average", "Minimum", "Maximum", "SampleCount", "IQM")
_ALIASES = {"avg": "Average", "mean": "Average", "max": "Maximum", "min": "Minimum", "count": "SampleCount",
            "samples": "SampleCount", "total": "Sum"}
_NUMBER = r"\d+(?:\.\d+)?"
_ONE = re.compile(rf"(p|tm|wm|tc|ts)({_NUMBER})")
_RANGE = re.compile(r"(TM|WM|TC|TS|PR)\(([^():]*):([^():]*)\)")
_BOUND = re.compile(r"(-?\d+(?:\.\d+)?)(%?)")
FORMS = "Sum, Average, Minimum, Maximum, SampleCount, IQM, p99, p99.9, tm90, wm98, tc90, ts90, TM(10%:90%), " \
        "WM(…), TC(…), TS(…), PR(100:2000)"


def statistic_problem(stat: str) -> str | None:
    """``None`` if CloudWatch accepts ``stat``; else what is wrong, with a suggestion when one is near."""
    if stat in PLAIN:
        return None
    one = _ONE.fullmatch(stat)
    if one:
        return _percent_problem(stat, one.group(2))
    ranged = _RANGE.fullmatch(stat)
    if ranged:
        return _range_problem(stat, ranged.group(1), ranged.group(2), ranged.group(3))
    near = _suggestion(stat)
    return f"unknown statistic {stat!r} " + (f"(did you mean {near}?)" if near else f"(expected {FORMS})")


def _percent_problem(stat: str, number: str) -> str | None:
    if "." in number and len(number.split(".", 1)[1]) > 10:
        return f"{stat!r}: at most 10 decimal places"
    if float(number) > 100:
        return f"{stat!r}: a percentile is between 0 and 100"
    return None


def _range_problem(stat: str, kind: str, low: str, high: str) -> str | None:
    bounds = [_BOUND.fullmatch(text) for text in (low, high) if text]
    if not bounds:
        return f"{stat!r}: give at least one bound"
    if any(bound is None for bound in bounds):
        return f"unknown statistic {stat!r} (a bound is a number, or a percentage such as 10%)"
    percent = {bound.group(2) == "%" for bound in bounds if bound}
    if len(percent) > 1:
        return f"{stat!r}: give both bounds as percentages or both as values"
    if kind == "PR" and True in percent:
        return f"{stat!r}: PR's bounds are values of the metric, not percentages"
    for bound in bounds:
        if bound and bound.group(2) == "%":
            if bound.group(1).startswith("-"):
                return f"{stat!r}: a percentile is between 0 and 100"
            problem = _percent_problem(stat, bound.group(1))
            if problem:
                return problem
    if len(bounds) == 2 and bounds[0] and bounds[1] and float(bounds[0].group(1)) >= float(bounds[1].group(1)):
        return f"{stat!r}: the lower bound must be below the upper one"
    return None


def _suggestion(stat: str) -> str | None:
    """The accepted spelling of what ``stat`` most likely meant."""
    text = stat.strip()
    by_case = {name.lower(): name for name in PLAIN}
    if text.lower() in by_case:
        return by_case[text.lower()]
    if text.lower() in _ALIASES:
        return _ALIASES[text.lower()]
    if _ONE.fullmatch(text.lower()):  # P99, TM90: the one-number forms are lower case
        return text.lower()
    head, paren, rest = text.partition("(")
    if paren and _RANGE.fullmatch(f"{head.upper()}({rest}"):  # tm(10%:90%): the ranges are upper case
        return f"{head.upper()}({rest}"
    close = difflib.get_close_matches(text.lower(), list(by_case), n=1, cutoff=0.7)
    return by_case[close[0]] if close else None
