"""``g`` in the logs pane: the account's log groups, filtered as you type; enter adds one."""
from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static

from services.errors import SourceError
from tui.messages import LogGroupsListed


class LogGroupPicker(ModalScreen[str | None]):
    DEFAULT_CSS = """
    LogGroupPicker {
        align: center middle;
    }
    LogGroupPicker > Vertical {
        width: 80;
        max-width: 100%;
        height: 80%;
        border: round $primary;
        background: $surface;
    }
    LogGroupPicker OptionList {
        height: 1fr;
    }
    """

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, session: Any, exclude: set[str] | None = None) -> None:
        super().__init__()
        self.session = session
        self.exclude = exclude or set()
        self.groups: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("loading log groups…", id="groups-status")
            yield Input(placeholder="filter groups", id="groups-filter")
            yield OptionList(id="groups")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.load()

    @work(thread=True, exclusive=True, group="log-groups", exit_on_error=False)
    def load(self) -> None:
        from services.aws.log_tail import list_log_groups

        try:
            self.post_message(LogGroupsListed(list_log_groups(self.session)))
        except SourceError as error:
            self.post_message(LogGroupsListed([], error))

    @on(LogGroupsListed)
    def show_groups(self, message: LogGroupsListed) -> None:
        if message.error is not None:
            self.query_one("#groups-status", Static).update(str(message.error))
            return
        self.groups = [group for group in message.groups if group not in self.exclude]
        self.refilter(self.query_one(Input).value)

    def refilter(self, text: str) -> None:
        shown = [group for group in self.groups if text.lower() in group.lower()]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(shown[:500])
        self.query_one("#groups-status", Static).update(f"{len(shown)} of {len(self.groups)} log groups · enter adds")

    @on(Input.Changed, "#groups-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.refilter(event.value)

    @on(Input.Submitted, "#groups-filter")
    def take_first(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            index = options.highlighted if options.highlighted is not None else 0
            self.dismiss(str(options.get_option_at_index(index).prompt))

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.prompt))
