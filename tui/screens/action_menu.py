"""Which actions fit what is selected, and the menu that offers them.

A tile of a Lambda metric offers the ``lambda.*`` actions on that function, an alarm
row the ``alarm.*`` actions on that alarm; anything else, the whole catalog with the
target asked on the form. Only actions this profile's sources can run are offered.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets.option_list import Option

from services.profile import Profile
from tui.screens.choice import ChoiceScreen

if TYPE_CHECKING:
    from services.actions.base import Action

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


def fits_profile(profile: Profile, action_id: str) -> bool:
    """Whether this profile's sources can run ``action_id``: ``docker.*`` needs ``[docker]``,
    ``postgres.*`` needs ``[postgres]``, every other action talks to AWS."""
    family = action_id.split(".", 1)[0]
    if family == "docker":
        return profile.docker is not None
    if family == "postgres":
        return profile.postgres is not None
    return profile.has_aws


def _dimension_kinds() -> dict[str, str]:
    """The kind of target (``Action.target_kind``) each dimension of ``DIMENSION_TARGETS`` names."""
    from services.actions import dynamodb, events, lambda_config, sqs

    return {"FunctionName": lambda_config.SetTimeout.target_kind, "QueueName": sqs.Purge.target_kind,
            "TableName": dynamodb.Backup.target_kind, "RuleName": events.EnableRule.target_kind}


def targets_for(profile: Profile, action: type[Action]) -> list[str]:
    """Targets the profile names that are valid for ``action``: metric dimensions naming its kind of
    target, and playbook steps' targets for an action of the same family taking the same kind
    (an IAM user name is no target for ``iam.deny-all``, which takes ``user/NAME``)."""
    from services.actions.catalog import CATALOG

    kinds = _dimension_kinds()
    family = action.id.split(".", 1)[0]
    targets: list[str] = []
    for spec in profile.metrics:
        for dimension, value in spec.dimensions.items():
            if kinds.get(dimension) == action.target_kind and value not in targets:
                targets.append(value)
    for book in profile.playbooks:
        for step in book.resolution:
            step_action = CATALOG.get(step.action)
            if (step.target and step_action is not None and step.action.split(".", 1)[0] == family
                    and step_action.target_kind == action.target_kind and step.target not in targets):
                targets.append(step.target)
    return targets


class ActionMenuScreen(ChoiceScreen):
    """The catalog's actions for a selection (all of them without one); dismisses with an action id."""

    def __init__(self, selection: Selection | None, *, read_only: bool, profile: Profile | None = None) -> None:
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
        self.profile = profile

    def compose(self) -> ComposeResult:
        profile = self.profile or getattr(self.app, "profile", None)
        if profile is not None:  # only what this profile's sources can run: no lambda.* without AWS
            self.options = [option for option in self.options if fits_profile(profile, option.id or "")]
        yield from super().compose()
