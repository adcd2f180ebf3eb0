"""The parameter form of an action: one input per parameter, pre-filled where known.

The focus starts on the first field that needs input (the one an error names, an empty
target, an empty required parameter), else on Plan; an empty input says what it takes.

Values are parsed as JSON where they parse (numbers, booleans, objects), else kept as
text; the action's pydantic model validates them before any plan is made, and its
message is shown here, on the form, so nothing typed is lost.
"""
from __future__ import annotations

import json
import re
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
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


def placeholders(action: type[Action]) -> dict[str, str]:
    """What an empty input says it takes: ``required``, its default, or ``optional``."""
    from services.actions.catalog import param_specs

    return {spec.name: ("required" if spec.required else "optional" if spec.default is None
                        else f"default {spec.default if isinstance(spec.default, str) else json.dumps(spec.default)}")
            + (f" · {spec.description}" if spec.description else "") for spec in param_specs(action)}


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
        border-left: outer $primary 50%;
        height: 1;
        background: $boost;
        margin-bottom: 1;
    }
    ActionParamsScreen Input:focus {
        border: none;
        border-left: outer $accent;
        background: $primary 40%;
    }
    ActionParamsScreen VerticalScroll {
        height: auto;
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
        with Vertical(id="box"):
            yield Static(Text.assemble((self.action.id, "bold"), "  ", self.action.title))
            with VerticalScroll(id="fields"):
                yield Label(f"target ({self.action.target_kind})", markup=False)
                yield Input(self.target, placeholder=f"required · {self.action.target_kind}", id="target")
                hints, empty = field_hints(self.action), placeholders(self.action)
                for name in self.action.Params.model_fields:
                    value = self.params.get(name)
                    shown = "" if value is None else (value if isinstance(value, str) else json.dumps(value))
                    yield Label(hints.get(name, name), markup=False)
                    yield Input(shown, placeholder=empty.get(name, ""), id=f"param-{name}")
            yield Static(Text(self.error), id="error")
            with Horizontal(id="buttons"):
                yield Button("Plan", id="plan", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.first_needing_input().focus()

    def first_needing_input(self) -> Widget:
        """The parameter the error names; else an empty target or required parameter; else Plan."""
        from services.actions.catalog import param_specs

        target = self.query_one("#target", Input)
        fields = {name: self.query_one(f"#param-{name}", Input) for name in self.action.Params.model_fields}
        if self.error:
            about = self.error.removeprefix(f"{self.action.id}: ")
            named = next((field for name, field in fields.items() if re.search(rf"\b{re.escape(name)}\b", about)), None)
            return named or target  # an error naming no parameter is about the target (no such user, …)
        if not target.value.strip():
            return target
        required = (fields[spec.name] for spec in param_specs(self.action) if spec.required and spec.name in fields)
        return next((field for field in required if not field.value.strip()), self.query_one("#plan", Button))

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """The fields scroll in what the title, error and buttons leave: Plan stays on screen."""
        box = self.query_one("#box", Vertical)
        fields = box.query_one("#fields", VerticalScroll)
        others = sum(child.outer_size.height + child.styles.margin.height for child in box.children if child is not fields)
        fields.styles.max_height = max(3, self.size.height - box.styles.gutter.height - others)

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
