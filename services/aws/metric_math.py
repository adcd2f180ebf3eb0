"""The arithmetic subset of CloudWatch metric math, evaluated locally.

Some endpoints (moto) accept ``Expression`` queries but return them without values,
and real CloudWatch computes the same arithmetic exactly: so expressions made only of
ids, numbers, ``+ - * /`` and parentheses are evaluated here from the input series
fetched anyway. Anything else (``FILL(...)``, ``METRICS()``, ``SEARCH``) goes to the
server as an ``Expression`` query.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|(?P<id>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/()]))")
_FUNCTION_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\s*\(")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class MetricMathError(ValueError):
    pass


def referenced_ids(expression: str) -> set[str]:
    """The metric ids an expression names.

    Metric ids start with a lower-case letter; functions and keywords (``FILL``,
    ``METRICS``) are upper-case, and quoted text (a SEARCH string) is not an id.
    """
    without_strings = re.sub(r'"[^"]*"|\'[^\']*\'', " ", expression)
    functions = {m.group(0).rstrip("( \t") for m in _FUNCTION_CALL.finditer(without_strings)}
    return {name for name in _IDENT.findall(without_strings) if name[0].islower() and name not in functions}


def is_arithmetic(expression: str) -> bool:
    """True when ``expression`` uses only ids, numbers, + - * / and parentheses."""
    try:
        _tokenize(expression)
    except MetricMathError:
        return False
    return not _FUNCTION_CALL.search(expression)


def _tokenize(expression: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = expression.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise MetricMathError(f"unexpected {text[position:].strip()[:10]!r} in {expression!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


Evaluator = Callable[[Mapping[str, float]], float]


def compile_arithmetic(expression: str) -> Evaluator:
    """Parse once; the result maps {id: value} to the expression's value.

    Raises ``MetricMathError`` for syntax errors, ``KeyError`` for an id with no value at
    that time and ``ZeroDivisionError`` for a division by zero (CloudWatch gives no point).
    """
    tokens = _tokenize(expression)
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        if position >= len(tokens):
            raise MetricMathError(f"unexpected end of {expression!r}")
        position += 1
        return tokens[position - 1]

    def primary() -> Evaluator:
        kind, text = take()
        if kind == "num":
            constant = float(text)
            return lambda values: constant
        if kind == "id":
            return lambda values: values[text]
        if text == "(":
            inner = additive()
            if take() != ("op", ")"):
                raise MetricMathError(f"missing ')' in {expression!r}")
            return inner
        if text == "-":
            operand = primary()
            return lambda values: -operand(values)
        if text == "+":
            return primary()
        raise MetricMathError(f"unexpected {text!r} in {expression!r}")

    def multiplicative() -> Evaluator:
        left = primary()
        while (token := peek()) is not None and token[1] in ("*", "/"):
            take()
            right = primary()
            if token[1] == "*":
                left = (lambda a, b: lambda values: a(values) * b(values))(left, right)
            else:
                left = (lambda a, b: lambda values: a(values) / b(values))(left, right)
        return left

    def additive() -> Evaluator:
        left = multiplicative()
        while (token := peek()) is not None and token[1] in ("+", "-"):
            take()
            right = multiplicative()
            if token[1] == "+":
                left = (lambda a, b: lambda values: a(values) + b(values))(left, right)
            else:
                left = (lambda a, b: lambda values: a(values) - b(values))(left, right)
        return left

    result = additive()
    if position != len(tokens):
        raise MetricMathError(f"unexpected {tokens[position][1]!r} in {expression!r}")
    return result
