"""The parameters of a saved query, asked for before it runs: one input each, pre-filled from ``params``.

Typed text stays text: a focused ``Input`` takes every printable key, so no screen or app
binding fires while a value is typed. ``enter`` runs, ``esc`` cancels. An empty input
stays empty (a parameter without a default must be given, and the run says so).
"""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from services.profile.queries import QuerySpec


class QueryParamsScreen(ModalScreen[dict[str, str] | None]):
    """Dismisses with every parameter's value (name -> text), or None when cancelled."""

    DEFAULT_CSS = """
    QueryParamsScreen { align: center middle; }
    QueryParamsScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    QueryParamsScreen VerticalScroll { height: auto; max-height: 16; }
    QueryParamsScreen Input { border: none; height: 1; background: $boost; margin-bottom: 1; }
    QueryParamsScreen Input:focus { background: $primary 40%; }
    QueryParamsScreen #params-hint { color: $text-muted; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, spec: QuerySpec, values: dict[str, str] | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.values = {**spec.params, **(values or {})}

    def compose(self) -> ComposeResult:
        with Vertical(id="params-box"):
            yield Static(Text.assemble((self.spec.id, "bold"), f"  {self.spec.engine} · ", self.spec.title))
            with VerticalScroll(id="params-fields"):
                for name in self.spec.parameters:
                    default = self.spec.params.get(name)
                    yield Label(name, markup=False)
                    yield Input(self.values.get(name, ""), placeholder="required" if default is None else f"default {default}",
                                id=f"param-{name}")
            yield Static("enter run · esc cancel", id="params-hint")

    def on_mount(self) -> None:
        fields = list(self.query(Input))
        empty = next((field for field in fields if not field.value), None)
        (empty or fields[0]).focus()

    def result(self) -> dict[str, str]:
        return {name: self.query_one(f"#param-{name}", Input).value for name in self.spec.parameters}

    @on(Input.Submitted)
    def action_run(self) -> None:
        self.dismiss(self.result())

    def action_cancel(self) -> None:
        self.dismiss(None)
