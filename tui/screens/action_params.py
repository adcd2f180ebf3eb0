"""The parameter form of an action: one input per parameter, pre-filled where known.

Values are parsed as JSON where they parse (numbers, booleans, objects), else kept as
text; the action's pydantic model validates them before any plan is made, and its
message is shown here, on the form, so nothing typed is lost.
"""
from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from services.actions.base import Action


def parse_value(text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def field_hints(action: type[Action]) -> dict[str, str]:
    """``timeout:integer 1..900`` for each parameter, from the catalog's description of the model."""
    from services.actions.catalog import param_specs

    return {spec.name: spec.describe() for spec in param_specs(action)}


class ActionParamsScreen(ModalScreen[tuple[str, dict[str, Any]] | None]):
    """Dismisses with (target, params) or None."""

    DEFAULT_CSS = """
    ActionParamsScreen {
        align: center middle;
    }
    ActionParamsScreen > Vertical {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    ActionParamsScreen Input {
        border: none;
        height: 1;
        background: $boost;
        margin-bottom: 1;
    }
    ActionParamsScreen Input:focus {
        border: none;
        background: $primary 40%;
    }
    ActionParamsScreen #error {
        color: $error;
    }
    ActionParamsScreen #buttons {
        height: auto;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, action: type[Action], target: str, params: dict[str, Any], *, error: str = "") -> None:
        super().__init__()
        self.action = action
        self.target = target
        self.params = params
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text.assemble((self.action.id, "bold"), "  ", self.action.title))
            yield Label(f"target ({self.action.target_kind})")
            yield Input(self.target, id="target")
            hints = field_hints(self.action)
            for name in self.action.Params.model_fields:
                value = self.params.get(name)
                shown = "" if value is None else (value if isinstance(value, str) else json.dumps(value))
                yield Label(hints.get(name, name), markup=False)
                yield Input(shown, id=f"param-{name}")
            yield Static(Text(self.error), id="error")
            with Horizontal(id="buttons"):
                yield Button("Plan", id="plan", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        inputs = list(self.query(Input))
        empty = next((field for field in inputs[1:] if not field.value), None)
        (empty or (inputs[1] if len(inputs) > 1 else inputs[0])).focus()

    def values(self) -> tuple[str, dict[str, Any]]:
        target = self.query_one("#target", Input).value.strip()
        params: dict[str, Any] = {}
        for name in self.action.Params.model_fields:
            value = parse_value(self.query_one(f"#param-{name}", Input).value)
            if value is not None:
                params[name] = value
        return target, params

    @on(Input.Submitted)
    @on(Button.Pressed, "#plan")
    def submit(self) -> None:
        self.dismiss(self.values())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
