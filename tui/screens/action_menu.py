"""Which actions fit what is selected, and the menu that offers them.

A tile of a Lambda metric offers the ``lambda.*`` actions on that function, an alarm
row the ``alarm.*`` actions on that alarm; anything else, the whole catalog with the
target asked on the form.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets.option_list import Option

from services.profile import Profile
from tui.screens.choice import ChoiceScreen

# Which dimension of a metric names the target of which family of actions.
DIMENSION_TARGETS = {
    "FunctionName": "lambda.",
    "QueueName": "sqs.",
    "TableName": "dynamodb.",
    "RuleName": "events.",
}


@dataclass(frozen=True)
class Selection:
    """What the person is pointing at: a kind of thing and its name."""

    prefix: str  # "lambda.", "alarm.", ... or "" for anything
    target: str
    label: str


def selection_of_metric(profile: Profile, metric_id: str) -> Selection | None:
    spec = next((metric for metric in profile.metrics if metric.id == metric_id), None)
    if spec is None:
        return None
    for dimension, prefix in DIMENSION_TARGETS.items():
        if dimension in spec.dimensions:
            value = spec.dimensions[dimension]
            return Selection(prefix, value, f"{spec.title} → {value}")
    return None


def known_targets(profile: Profile, prefix: str) -> list[str]:
    """Targets the profile names for a family: metric dimensions and playbook steps."""
    targets: list[str] = []
    for spec in profile.metrics:
        for dimension, family in DIMENSION_TARGETS.items():
            if family == prefix and dimension in spec.dimensions and spec.dimensions[dimension] not in targets:
                targets.append(spec.dimensions[dimension])
    for book in profile.playbooks:
        for step in book.resolution:
            if step.action.startswith(prefix) and step.target not in targets:
                targets.append(step.target)
    return targets


class ActionMenuScreen(ChoiceScreen):
    """The catalog's actions for a selection (all of them without one); dismisses with an action id."""

    def __init__(self, selection: Selection | None, *, read_only: bool) -> None:
        from services.actions.catalog import CATALOG

        prefix = selection.prefix if selection else ""
        options = []
        for action_id, cls in CATALOG.items():
            if prefix and not action_id.startswith(prefix):
                continue
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append(f"{action_id:24}", "bold")
            label.append(f" [{cls.risk}] ", "dim")
            label.append(cls.title)
            options.append(Option(label, id=action_id))
        heading = Text(" ACTIONS ", "bold reverse")
        heading.append(f"  on {selection.label}" if selection else "  (the form asks for the target)")
        if read_only:
            heading.append("   READ-ONLY: plans only", "bold yellow")
        super().__init__(heading, options)
        self.selection = selection
        self.read_only = read_only
