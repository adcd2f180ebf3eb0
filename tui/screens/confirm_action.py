"""The confirmation screen: the plan, exactly, and nothing runs until the person says so.

Low-risk plans run with the Run button; high-risk and destructive ones only after the
target's name is typed. In read-only mode the Run button does not exist at all (and
the executor refuses anyway). Dismisses with the typed text ("" for low risk), or
None when cancelled.
"""
from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from services.actions.base import Plan, Risk
from services.redact import MASK, looks_secret, mask_text, redact

RISK_STYLE = {Risk.LOW: "bold green", Risk.HIGH: "bold yellow", Risk.DESTRUCTIVE: "bold white on red"}


def _shown(value: object) -> str:
    if value is None:
        return "(not set)"
    return str(value)


def secrets_of(plan: Plan) -> set[str]:
    """Values the screen must not show: secret-named fields and parameters."""
    secrets: set[str] = set()
    redact(plan.params, secrets)
    for change in plan.changes:
        if looks_secret(change.field):
            redact({change.field: change.before}, secrets)
            redact({change.field: change.after}, secrets)
    return secrets


def shown_command(plan: Plan) -> str:
    """The equivalent command with secret values masked: the screen may be shared or recorded."""
    return mask_text(plan.command, secrets_of(plan))


class PlanChanges:
    """Each field's before → after, every value whole: the end of a value (an ARN's ``-dlq``) is
    what is checked, so nothing is cut. Aligned columns when every row fits the width; else a row
    that fits stays one line and a row that does not gets its values on lines of their own,
    wrapped (folded inside a word only when one word is wider than the screen)."""

    ARROW = "  →  "
    INDENT = "  "

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        self.rows = rows

    def _line_width(self, field_width: int, row: tuple[str, str, str]) -> int:
        return field_width + 2 + len(row[1]) + len(self.ARROW) + len(row[2])

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((self._line_width(len(row[0]), row) for row in self.rows), default=1)
        return Measurement(min(20, options.max_width), min(widest, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        fits = [row for row in self.rows if self._line_width(len(row[0]), row) <= width]
        field_width = max((len(row[0]) for row in fits), default=0)
        if len(fits) == len(self.rows):
            before_width = max(len(row[1]) for row in self.rows) if self.rows else 0
            if field_width + 2 + before_width + len(self.ARROW) + max((len(row[2]) for row in self.rows), default=0) <= width:
                yield Text.assemble(("field".ljust(field_width + 2), "bold"), ("before".ljust(before_width), "bold"),
                                    (self.ARROW, "bold"), ("after", "bold"))
                for field, before, after in self.rows:
                    yield Text.assemble(field.ljust(field_width + 2), (before.ljust(before_width), "red"), self.ARROW,
                                        (after, "green"))
                return
        for row in self.rows:
            field, before, after = row
            if row in fits:
                yield Text.assemble(field.ljust(field_width + 2), (before, "red"), self.ARROW, (after, "green"))
                continue
            yield Text(field)
            values = Table.grid(padding=(0, 1))
            values.add_column(no_wrap=True)
            values.add_column(overflow="fold")
            values.add_row(f"{self.INDENT}before", Text(before, "red", overflow="fold"))
            values.add_row(f"{self.INDENT}after", Text(after, "green", overflow="fold"))
            yield values


def plan_changes(plan: Plan) -> PlanChanges:
    rows = []
    for change in plan.changes:
        secret = looks_secret(change.field)
        before = MASK if secret and change.before is not None else _shown(change.before)
        after = MASK if secret and change.after is not None else _shown(change.after)
        rows.append((change.field, before, after))
    return PlanChanges(rows)


class ConfirmActionScreen(ModalScreen[str | None]):
    """One plan, its risk, its equivalent command; Run or Cancel."""

    DEFAULT_CSS = """
    ConfirmActionScreen {
        align: center middle;
    }
    ConfirmActionScreen > Vertical {
        width: 96;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    ConfirmActionScreen VerticalScroll {
        height: auto;
    }
    ConfirmActionScreen #command {
        color: $text-muted;
        margin-top: 1;
    }
    ConfirmActionScreen #buttons {
        height: auto;
        margin-top: 1;
    }
    ConfirmActionScreen Button {
        margin-right: 2;
    }
    ConfirmActionScreen Input, ConfirmActionScreen Input:focus {
        border: none;
        height: 1;
        background: $boost;
    }
    ConfirmActionScreen #read-only {
        color: $warning;
        text-style: bold;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, plan: Plan, *, read_only: bool) -> None:
        super().__init__()
        self.plan = plan
        self.read_only = read_only

    @property
    def needs_typing(self) -> bool:
        return self.plan.risk.needs_typed_target

    def compose(self) -> ComposeResult:
        plan = self.plan
        head = Text()
        head.append(f"{plan.action_id}", "bold")
        head.append("  on  ")
        head.append(plan.target, "bold")
        head.append("   risk: ")
        head.append(f" {plan.risk.value.upper()} ", RISK_STYLE[plan.risk])
        if not plan.reversible:
            head.append("  cannot be undone", "bold red")
        if plan.undoes:
            head.append(f"  (undo of {plan.undoes})", "bold magenta")
        with Vertical(id="box"):
            yield Static(head, id="head")
            yield Static(Text(plan.summary), id="summary")
            with VerticalScroll():
                yield Static(plan_changes(plan), id="changes")
                for note in plan.notes:
                    yield Static(Text(f"• {note}", style="italic"))
                yield Static(Text(f"equivalent: {shown_command(plan)}"), id="command")
            if plan.is_noop:
                yield Static(Text("Nothing would change: the target is already in this state.", style="yellow"))
            if self.read_only:
                yield Static("READ-ONLY: this cockpit cannot run actions. The plan is shown for review.", id="read-only")
                with Horizontal(id="buttons"):
                    yield Button("Close", id="cancel")
                return
            if self.needs_typing:
                yield Label(f"Type [b]{escape(plan.target)}[/b] to confirm:")
                yield Input(placeholder=plan.target, id="typed")
            with Horizontal(id="buttons"):
                yield Button("Run", id="run", variant="error" if plan.risk is Risk.DESTRUCTIVE else "warning",
                             disabled=self.needs_typing)
                yield Button("Cancel", id="cancel")

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Give the plan what the head, typed name and buttons leave: they stay on screen, the plan scrolls."""
        box = self.query_one("#box", Vertical)
        plan = box.query_one(VerticalScroll)
        others = sum(child.outer_size.height + child.styles.margin.height for child in box.children if child is not plan)
        plan.styles.max_height = max(3, self.size.height - box.styles.gutter.height - others)

    def on_mount(self) -> None:
        if self.read_only:
            self.query_one("#cancel", Button).focus()
        elif self.needs_typing:
            self.query_one("#typed", Input).focus()
        else:
            self.query_one("#run", Button).focus()

    @on(Input.Changed, "#typed")
    def typed_changed(self, event: Input.Changed) -> None:
        self.query_one("#run", Button).disabled = event.value != self.plan.target

    @on(Input.Submitted, "#typed")
    def typed_submitted(self, event: Input.Submitted) -> None:
        if event.value == self.plan.target:
            self.dismiss(event.value)
        else:
            self.notify("The typed name does not match the target.", severity="warning")

    @on(Button.Pressed, "#run")
    def run_pressed(self) -> None:
        if self.read_only:  # unreachable: the button is never composed in read-only mode
            return
        typed = self.query_one("#typed", Input).value if self.needs_typing else ""
        if self.needs_typing and typed != self.plan.target:
            return
        self.dismiss(typed)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
