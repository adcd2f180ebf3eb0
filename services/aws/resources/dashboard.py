"""A CloudWatch dashboard as runbooks 000 and 001 use it: which widgets, which metrics, queries and alarms.

Metric rows use the dashboard shorthand: ``"."`` repeats the previous row's value at that
position and ``"..."`` the previous row's values up to the ones that follow it (the
console writes ``["...", "i-2"]`` for "the same, another instance"); a row that is only an
options object is a math expression.
"""
from __future__ import annotations

import json
from typing import Any

from services.aws.resources.calls import call, is_missing
from services.aws.resources.reading import ReadingDraft, ResourceReading, not_found, when
from services.aws.session import AwsSession
from services.errors import BadInput
from services.profile.resources import ResourceSpec


def read_dashboard(session: AwsSession, spec: ResourceSpec) -> ResourceReading:
    name = spec.name or ""
    try:
        answer = call(session, "cloudwatch", "get_dashboard", DashboardName=name)
    except BadInput as error:
        if is_missing(error, "ResourceNotFound", "ResourceNotFoundException", "DashboardNotFoundError"):
            return not_found(spec, f"dashboard {name} does not exist")
        raise
    draft = ReadingDraft(spec)
    try:
        body = json.loads(answer.get("DashboardBody") or "{}")
    except json.JSONDecodeError as error:
        draft.fail(f"the dashboard body is not JSON ({error})")
        return draft.done("unreadable")
    widgets = [widget for widget in body.get("widgets", []) if isinstance(widget, dict)]
    kinds: dict[str, int] = {}
    for widget in widgets:
        kinds[str(widget.get("type", "?"))] = kinds.get(str(widget.get("type", "?")), 0) + 1
    draft.add("Widgets", f"{len(widgets)}" + (f" ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})"
                                              if widgets else ""),
              [widget_line(widget) for widget in widgets])
    entry = draft.attempt("Last modified", lambda: call(session, "cloudwatch", "list_dashboards",
                                                        DashboardNamePrefix=name))
    if entry is not None:
        found: dict[str, Any] = next((item for item in entry.get("DashboardEntries", [])
                                      if item.get("DashboardName") == name), {})
        draft.add("Last modified", when(found.get("LastModified")))
    empty = [widget_title(widget) for widget in widgets if widget.get("type") == "metric" and not metric_rows(widget)]
    if not widgets:
        draft.warn("the dashboard has no widgets")
    for title in empty:
        draft.warn(f"metric widget {title} shows no metric")
    draft.add("ARN", answer.get("DashboardArn", "?"))
    return draft.done("exists")


def widget_title(widget: dict[str, Any]) -> str:
    title = (widget.get("properties") or {}).get("title")
    return repr(title) if title else "(untitled)"


def widget_line(widget: dict[str, Any]) -> str:
    kind = str(widget.get("type", "?"))
    properties = widget.get("properties") or {}
    head = f"{kind} {widget_title(widget)}"
    if kind == "metric":
        return f"{head}: {'; '.join(metric_rows(widget)) or 'no metrics'}"
    if kind == "log":
        return f"{head}: {' '.join(str(properties.get('query', '')).split())}"
    if kind == "alarm":
        return f"{head}: {', '.join(str(alarm).rsplit(':', 1)[-1] for alarm in properties.get('alarms', []))}"
    if kind == "text":
        return f"{head}: {len(str(properties.get('markdown', '')))} characters of text"
    return head


def metric_rows(widget: dict[str, Any]) -> list[str]:
    """Each metric row as ``NAMESPACE METRIC Dim=value`` (or ``expression: …``), shorthand expanded."""
    rows = (widget.get("properties") or {}).get("metrics") or []
    previous: list[str] = []
    lines = []
    for row in rows:
        if not isinstance(row, list):
            continue
        options = row[-1] if row and isinstance(row[-1], dict) else {}
        values = [str(item) for item in row if not isinstance(item, dict)]
        if not values:
            if options.get("expression"):
                lines.append(f"expression {options.get('label') or options.get('id') or ''}: {options['expression']}"
                             .replace("  ", " "))
            continue
        if "..." in values:  # the previous row's middle: what comes after "..." replaces its tail
            cut = values.index("...")
            tail = values[cut + 1:]
            values = values[:cut] + previous[cut:max(cut, len(previous) - len(tail))] + tail
        expanded = [previous[position] if value == "." and position < len(previous) else value
                    for position, value in enumerate(values)]
        previous = expanded
        namespace, metric, dimensions = expanded[0], expanded[1] if len(expanded) > 1 else "?", expanded[2:]
        pairs = " ".join(f"{dimensions[i]}={dimensions[i + 1]}" for i in range(0, len(dimensions) - 1, 2))
        lines.append(" ".join(part for part in (namespace, metric, pairs) if part))
    return lines
