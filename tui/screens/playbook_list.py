"""The profile's playbooks, to pick one when no firing alarm points to one."""
from __future__ import annotations

from rich.text import Text
from textual.widgets.option_list import Option

from services.profile import Playbook
from tui.screens.choice import ChoiceScreen


class PlaybookListScreen(ChoiceScreen):
    """Dismisses with a playbook id."""

    def __init__(self, playbooks: list[Playbook]) -> None:
        options = []
        for book in playbooks:
            label = Text(book.title, "bold")
            if book.alarms:
                label.append(f"  alarms: {', '.join(book.alarms)}", "dim")
            options.append(Option(label, id=book.id))
        super().__init__(Text(" PLAYBOOKS ", "bold reverse"), options)
        self.playbooks = playbooks
