"""A runbook section made interactive: symptoms, diagnosis one key away, resolution actions.

Every resolution step opens the action's form pre-filled from the profile, then its
confirmation screen: a playbook never runs anything by itself.
"""
from __future__ import annotations

import json

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from services.profile import Playbook


class PlaybookScreen(Screen[None]):
    """``enter`` on a diagnosis item opens it; on a resolution step, plans that action."""

    DEFAULT_CSS = """
    PlaybookScreen #playbook-head {
        background: $panel;
        padding: 0 1;
    }
    PlaybookScreen OptionList {
        height: 1fr;
        border: none;
    }
    """

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
    ]

    class StepChosen(Message):
        """A resolution step (action id, target, params) was chosen."""

        def __init__(self, action: str, target: str, params: dict) -> None:
            super().__init__()
            self.action = action
            self.target = target
            self.params = params

    class DiagnosisChosen(Message):
        """A diagnosis reference (``metric:ID`` or ``query:ID``) was chosen."""

        def __init__(self, reference: str) -> None:
            super().__init__()
            self.reference = reference

    def __init__(self, playbook: Playbook, *, firing: list[str] | None = None) -> None:
        super().__init__()
        self.playbook = playbook
        self.firing = firing or []

    def compose(self) -> ComposeResult:
        book = self.playbook
        head = Text()
        head.append(f"PLAYBOOK  {book.title}", "bold")
        if self.firing:
            head.append("   in ALARM: ", "bold red")
            head.append(", ".join(self.firing), "red")
        elif book.alarms:
            head.append(f"   alarms: {', '.join(book.alarms)}", "dim")
        options: list[Option | None] = []
        if book.symptoms:
            options.append(Option(Text("Symptoms", "bold underline"), disabled=True))
            options += [Option(Text(f"  • {symptom}"), disabled=True) for symptom in book.symptoms]
        if book.diagnosis:
            options.append(Option(Text("Diagnosis  (enter: open)", "bold underline"), disabled=True))
            options += [Option(Text(f"  ▸ {reference}"), id=f"diagnosis:{reference}") for reference in book.diagnosis]
        if book.resolution:
            options.append(Option(Text("Resolution  (enter: plan, then confirm)", "bold underline"), disabled=True))
            for index, step in enumerate(book.resolution):
                label = Text()
                label.append(f"  {index + 1}. ")
                label.append(step.action, "bold")
                label.append(f" {step.target} ")
                if step.params:
                    label.append(json.dumps(step.params), "cyan")
                if step.why:
                    label.append(f"  — {step.why}", "dim")
                options.append(Option(label, id=f"step:{index}"))
        with Vertical():
            yield Static(head, id="playbook-head")
            yield OptionList(*options, id="playbook-items")
        yield Footer()

    def on_mount(self) -> None:
        items = self.query_one(OptionList)
        items.focus()
        first = next((i for i in range(items.option_count) if not items.get_option_at_index(i).disabled), None)
        if first is not None:
            items.highlighted = first

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        kind, _, value = option_id.partition(":")
        if kind == "diagnosis":
            self.post_message(self.DiagnosisChosen(value))
        elif kind == "step":
            step = self.playbook.resolution[int(value)]
            self.post_message(self.StepChosen(step.action, step.target, dict(step.params)))
