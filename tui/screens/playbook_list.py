"""The profile's playbooks, to pick one when no firing alarm points to one."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from services.profile import Playbook


class PlaybookListScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PlaybookListScreen { align: center middle; }
    PlaybookListScreen > Vertical {
        width: 80; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface;
    }
    PlaybookListScreen OptionList { height: auto; max-height: 20; border: none; }
    """

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, playbooks: list[Playbook]) -> None:
        super().__init__()
        self.playbooks = playbooks

    def compose(self) -> ComposeResult:
        options = []
        for book in self.playbooks:
            label = Text(book.title, "bold")
            if book.alarms:
                label.append(f"  alarms: {', '.join(book.alarms)}", "dim")
            options.append(Option(label, id=book.id))
        with Vertical():
            yield Static(Text(" PLAYBOOKS ", "bold reverse"))
            yield OptionList(*options)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
