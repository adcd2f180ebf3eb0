"""Alarms as a table, most urgent first: mark, state, name, since when, reason, what it watches.

The mark column says ``●`` for an alarm that just changed state (the row is highlighted)
and ``✓`` for one acknowledged in this cockpit. The "watches" column is left out when no
row has anything in it (the pane leaves it empty where the width is needed for the reason). Drawn with the Line API: each row is
rendered once and cached; ``show`` repaints only the rows whose content changed, and the
cursor moving repaints two rows. The header stays put while the rows scroll.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

STATE_STYLE = {"ALARM": "bold white on red", "INSUFFICIENT_DATA": "yellow", "OK": "green"}
STATE_LABEL = {"ALARM": "ALARM", "INSUFFICIENT_DATA": "NO DATA", "OK": "OK"}
HEADER = ("", "state", "alarm", "since", "reason", "watches")
GAP = "  "


@dataclass(frozen=True)
class AlarmRow:
    """One alarm as shown; ``since`` is already local time text ("14:02:07", "Nov23 14:02")."""

    name: str
    state: str
    since: str
    reason: str
    watches: str = ""
    acked: bool = False
    changed: bool = False


def _cells(row: AlarmRow) -> tuple[Text, ...]:
    mark = Text("●", "bold magenta") if row.changed else Text("✓", "dim") if row.acked else Text(" ")
    state_style = "dim" if row.acked else STATE_STYLE.get(row.state, "")
    name_style = "bold reverse" if row.changed else "dim" if row.acked else "bold" if row.state == "ALARM" else ""
    return (mark, Text(STATE_LABEL.get(row.state, row.state), state_style), Text(row.name, name_style),
            Text(row.since), Text(row.reason), Text(row.watches, "dim"))


class AlarmTable(ScrollView, can_focus=True):
    """Rows keyed by alarm name; keys act on the alarm under the cursor by posting messages."""

    DEFAULT_CSS = """
    AlarmTable {
        height: auto;
        max-height: 12;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor(-100000)", "First", show=False),
        Binding("end", "cursor(100000)", "Last", show=False),
        Binding("enter", "open", "Detail", tooltip="The alarm's state, reason, threshold and history"),
        Binding("s", "ack", "Ack", tooltip="Acknowledge here (no AWS call): the alarm sinks in the list"),
        Binding("m", "jump_metric", "Metric", tooltip="Focus the tile of the metric this alarm watches"),
        Binding("p", "playbook", "Playbook", tooltip="Open the playbook that lists this alarm"),
    ]

    cursor_row: reactive[int] = reactive(0, repaint=False, layout=False)
    """Index of the row under the cursor (drawn reversed while the table has focus)."""

    class AlarmMessage(Message):
        """Base of the table's messages: ``name`` is the alarm under the cursor."""

        def __init__(self, table: AlarmTable, name: str) -> None:
            super().__init__()
            self.table = table
            self.name = name

        @property
        def control(self) -> AlarmTable:
            return self.table

    class AckToggled(AlarmMessage):
        """``s``: acknowledge (or un-acknowledge) the alarm locally."""

    class MetricWanted(AlarmMessage):
        """``m``: show the tile of the metric the alarm watches."""

    class PlaybookWanted(AlarmMessage):
        """``p``: open the playbook that lists the alarm."""

    class Opened(AlarmMessage):
        """``enter``: open the alarm's detail screen (history)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: tuple[AlarmRow, ...] = ()
        self._widths: tuple[int, ...] = tuple(len(label) for label in HEADER)
        self._columns = len(HEADER)
        self._cache: dict[tuple[int, bool], Strip] = {}

    # ------------------------------------------------------------------ data
    @property
    def rows_shown(self) -> tuple[AlarmRow, ...]:
        return self._rows

    @property
    def selected_name(self) -> str | None:
        if self._rows and 0 <= self.cursor_row < len(self._rows):
            return self._rows[self.cursor_row].name
        return None

    def show(self, rows: list[AlarmRow]) -> None:
        """Show ``rows`` in this order; the cursor stays on the alarm it was on."""
        new = tuple(rows)
        if new == self._rows:
            return
        selected = self.selected_name
        old, self._rows = self._rows, new
        widths = self._column_widths(new)
        columns = len(HEADER) if any(row.watches for row in new) else len(HEADER) - 1
        if widths != self._widths or len(old) != len(new) or columns != self._columns:
            self._widths, self._columns = widths, columns
            self._cache.clear()
            self.virtual_size = Size(self.size.width, len(new) + 1)
            self.refresh()
        else:
            for index, (before, after) in enumerate(zip(old, new, strict=False)):
                if before != after:
                    self._cache = {key: strip for key, strip in self._cache.items() if key[0] != index}
                    self.refresh_line(index + 1)
        names = [row.name for row in new]
        if selected in names:
            self.cursor_row = names.index(selected)
        elif new:
            self.cursor_row = min(self.cursor_row, len(new) - 1)

    def select_alarm(self, name: str) -> bool:
        names = [row.name for row in self._rows]
        if name not in names:
            return False
        self.cursor_row = names.index(name)
        return True

    @staticmethod
    def _column_widths(rows: tuple[AlarmRow, ...]) -> tuple[int, ...]:
        widths = [len(label) for label in HEADER]
        for row in rows:
            for column, text in enumerate(_cells(row)):
                widths[column] = max(widths[column], text.cell_len)
        widths[0] = 1
        return tuple(widths)

    # ------------------------------------------------------------------ drawing
    def _line(self, cells: tuple[Text, ...], width: int, style: Style) -> Strip:
        text = Text(no_wrap=True, overflow="crop", end="")
        last = len(cells) - 1
        for column, cell in enumerate(cells):
            text.append_text(cell)
            if column < last:
                text.append(" " * (self._widths[column] - cell.cell_len) + (" " if column == 0 else GAP))
        text.truncate(width, pad=True)
        strip = Strip(list(text.render(self.app.console)), width).crop_extend(0, width, self.rich_style)
        return strip.apply_style(style) if style else strip

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            header = tuple(Text(label, "bold") for label in HEADER[:self._columns])
            return self._line(header, width, self.rich_style)
        index = self.scroll_offset.y + y - 1
        if index >= len(self._rows) or width <= 0:
            return Strip.blank(width, self.rich_style)
        cursor = index == self.cursor_row and self.has_focus
        key = (index, cursor)
        strip = self._cache.get(key)
        if strip is None or strip.cell_length != width:
            cells = _cells(self._rows[index])[:self._columns]
            strip = self._line(cells, width, Style(reverse=True) if cursor else self.rich_style)
            self._cache[key] = strip
        return strip

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(self._rows) + 1)

    # ------------------------------------------------------------------ cursor
    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        body = max(1, self.size.height - 1)
        if new < self.scroll_offset.y:
            self.scroll_to(y=new, animate=False)
        elif new >= self.scroll_offset.y + body:
            self.scroll_to(y=new - body + 1, animate=False)

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._rows) - 1))

    def on_focus(self) -> None:
        self.refresh_line(self.cursor_row + 1)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor_row + 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.cursor_row = self.scroll_offset.y + event.y - 1

    def action_cursor(self, delta: int) -> None:
        self.cursor_row += delta

    def action_page(self, direction: int) -> None:
        self.cursor_row += direction * max(1, self.size.height - 2)

    # ------------------------------------------------------------------ keys that act on the alarm
    def _post(self, kind: type[AlarmMessage]) -> None:
        name = self.selected_name
        if name is not None:
            self.post_message(kind(self, name))

    def action_open(self) -> None:
        self._post(self.Opened)

    def action_ack(self) -> None:
        self._post(self.AckToggled)

    def action_jump_metric(self) -> None:
        self._post(self.MetricWanted)

    def action_playbook(self) -> None:
        self._post(self.PlaybookWanted)
