"""A tail view that stays cheap on huge logs and slow links.

Lines live in a bounded ring buffer; only the visible rows are rendered (Textual's
Line API) and each rendered row is cached by its absolute line number, so appending
costs the same whether the buffer is empty or full. A filter keeps the absolute numbers
of matching lines (checked once per line as it arrives). Messages are shown as text:
markup, escape sequences, control characters and undecodable bytes are never
interpreted, and only the first few KB of a huge line are ever laid out.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from services.visible_text import visible
from widgets.log_format import LineFilter, TailLine, compact_runtime_line, fold_report, severity, short_stream

__all__ = ["LineFilter", "LogTail", "TailLine"]

SHOWN_CHARS = 4096  # a 1 MB line is searched whole but laid out only this far
STREAM_MIN_WIDTH = 100  # narrower panes drop the stream column
COMPACT_BELOW = 160  # narrower panes shorten Lambda runtime prefixes (the message would start past the edge)
SEVERITY_STYLE = {"timeout": "bold red", "error": "red", "warning": "yellow", "meta": "dim", "info": "", "": ""}
SOURCE_PALETTE = ["magenta", "blue", "cyan", "green", "yellow"]


class LogTail(ScrollView, can_focus=True):
    """Newest line at the bottom; follows new lines until the user scrolls up (``end`` resumes)."""

    DEFAULT_CSS = """
    LogTail {
        height: 1fr;
        overflow-x: hidden;
        /* Every visible row is rewritten when the tail scrolls: no scrollbar column, and the
           terminal's own colours, so a plain row is its text and little else. */
        scrollbar-size-vertical: 0;
        background: ansi_default;
        color: ansi_default;
    }
    LogTail > .log-tail--cursor {
        background: $accent 40%;
    }
    LogTail > .log-tail--match {
        background: $warning 60%;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES = {"log-tail--cursor", "log-tail--match"}

    BINDINGS = [
        Binding("end", "follow", "Follow", show=True),
        Binding("home", "top", "Top", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("enter", "expand", "Expand", show=True),
        Binding("c", "copy", "Copy line", show=True),
        Binding("s", "save", "Save", show=True),
        Binding("R", "toggle_reports", "Fold REPORT", show=False),
    ]

    following: reactive[bool] = reactive(True)
    """True while the view sticks to the newest line; scrolling up sets it False, ``end`` True."""
    fold_reports: reactive[bool] = reactive(True)
    """Show Lambda ``REPORT`` lines as a duration/memory summary."""
    cursor: reactive[int | None] = reactive(None, repaint=False)
    """The selected line (absolute number), or None while following with no selection."""

    class LineSelected(Message):
        """``enter`` on a line: show it whole (pretty JSON)."""

        def __init__(self, tail: LogTail, line: TailLine) -> None:
            super().__init__()
            self.tail = tail
            self.line = line

    class SaveRequested(Message):
        """``s``: these lines (the filtered ones when a filter is on) should go to a file."""

        def __init__(self, tail: LogTail, lines: list[TailLine], filtered: bool) -> None:
            super().__init__()
            self.tail = tail
            self.lines = lines
            self.filtered = filtered

    def __init__(self, *, max_lines: int = 100_000, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self._lines: deque[TailLine] = deque(maxlen=max_lines)
        self._first = 0  # absolute number of _lines[0]: survives the ring's rotation
        self._filter: LineFilter | None = None
        self._matches: deque[int] = deque()  # absolute numbers of matching lines (when filtered)
        self._cache: LRUCache[tuple[int, int, bool, int], Strip] = LRUCache(1024)
        self._generation = 0  # bumped when every row's look changes (filter, fold, columns)
        self._source_styles: dict[str, str] = {}
        self._label_width = 6
        self._clock: dict[int, str] = {}
        self._size_stale = False
        self._size_timer: Timer | None = None

    # ------------------------------------------------------------------ data
    @property
    def line_count(self) -> int:
        return len(self._lines)

    @property
    def lines(self) -> list[TailLine]:
        return list(self._lines)

    @property
    def shown_count(self) -> int:
        """Rows the view holds now: the matching lines when filtered."""
        return len(self._matches) if self._filter else len(self._lines)

    @property
    def shown_lines(self) -> list[TailLine]:
        return [self._line(index) for index in self._shown_indices()]

    @property
    def filter(self) -> LineFilter | None:
        return self._filter

    def _line(self, absolute: int) -> TailLine:
        return self._lines[absolute - self._first]

    def _shown_indices(self) -> Iterator[int]:
        if self._filter:
            return iter(self._matches)
        return iter(range(self._first, self._first + len(self._lines)))

    def _absolute(self, row: int) -> int | None:
        """The absolute line number shown at virtual row ``row``."""
        if self._filter:
            return self._matches[row] if 0 <= row < len(self._matches) else None
        return self._first + row if 0 <= row < len(self._lines) else None

    def _row_of(self, absolute: int) -> int:
        if not self._filter:
            return absolute - self._first
        from bisect import bisect_left

        return bisect_left(self._matches, absolute)

    def append(self, lines: Iterable[TailLine]) -> None:
        """Add lines at the bottom; one repaint per call, so callers should batch."""
        added = 0
        matcher = self._filter
        widest = self._label_width
        first_before, shown_before = self._first, self.shown_count
        for line in lines:
            if len(self._lines) == self.max_lines:
                self._first += 1
            self._lines.append(line)
            if matcher is not None and matcher.matches(line):
                self._matches.append(self._first + len(self._lines) - 1)
            if len(line.source) > widest:
                widest = min(16, len(line.source))
            added += 1
        if not added:
            return
        dropped = 0 if matcher is not None else self._first - first_before
        while self._matches and self._matches[0] < self._first:
            self._matches.popleft()
            dropped += 1
        if widest != self._label_width:
            self._label_width = widest
            self._generation += 1
        if self.cursor is not None and self.cursor < self._first:
            self.cursor = self._first
        top = self.scroll_offset.y
        if self.following:
            self._resize_virtual()
            self._scroll_bottom()
            self.refresh()
            return
        # Paused: a new virtual size means a relayout and a full repaint; once a second is enough.
        self._size_stale = True
        if self._size_timer is None:
            self._size_timer = self.set_timer(1.0, self._sync_size)
        if dropped:  # paused: lines left the ring above the view; keep showing the same lines
            self.scroll_to(y=max(0, top - dropped), animate=False, immediate=True, force=True)
            self.refresh()
        elif shown_before < top + self.size.height:  # paused, but the new lines land in view
            self.refresh()

    def clear(self) -> None:
        self._first += len(self._lines)
        self._lines.clear()
        self._matches.clear()
        self.cursor = None
        self._resize_virtual()
        self.refresh()

    def set_filter(self, text: str, *, regex: bool = False) -> LineFilter | None:
        """Show only matching lines (all of them again for an empty ``text``)."""
        self._filter = LineFilter(text, regex) if text else None
        self._matches.clear()
        if self._filter is not None:
            search = self._filter.pattern.search
            self._matches.extend(self._first + index for index, line in enumerate(self._lines)
                                 if search(line.message) is not None)
        self.cursor = None
        self._generation += 1
        self._resize_virtual()
        self._scroll_bottom() if self.following else self.scroll_to(y=min(self.scroll_y, self.max_scroll_y), animate=False)
        self.refresh()
        return self._filter

    def jump_to(self, timestamp: float) -> bool:
        """Select the first shown line at or after ``timestamp`` (epoch s); pauses following."""
        for row, absolute in enumerate(self._shown_indices()):
            if self._line(absolute).timestamp >= timestamp:
                self._select(absolute, row)
                return True
        return False

    # ------------------------------------------------------------------ drawing
    def _resize_virtual(self) -> None:
        self._size_stale = False
        self.virtual_size = Size(self.size.width, self.shown_count)

    def _sync_size(self) -> None:
        self._size_timer = None
        if self._size_stale:
            self._resize_virtual()

    def _scroll_bottom(self) -> None:
        self.scroll_to(y=max(0, self.shown_count - self.size.height), animate=False, immediate=True, force=True)

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.size.width
        absolute = self._absolute(row)
        if absolute is None or width <= 0:
            return Strip.blank(width, self.rich_style)
        selected = absolute == self.cursor
        key = (absolute, width, selected, self._generation)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_tail_line(self._line(absolute), width, selected)
            self._cache[key] = strip
        return strip

    def _when(self, timestamp: float) -> str:
        second = int(timestamp)
        text = self._clock.get(second)
        if text is None:
            if len(self._clock) > 4096:
                self._clock.clear()
            text = self._clock[second] = time.strftime("%H:%M:%S", time.localtime(second))
        return text

    def _render_tail_line(self, line: TailLine, width: int, selected: bool) -> Strip:
        # Few styled runs per row: each run costs an escape sequence on every repaint, and a
        # following tail repaints every visible row (slow SSH links pay for each byte).
        text = Text(no_wrap=True, overflow="crop", end="")
        text.append(f"{self._when(line.timestamp)} ", "dim")
        text.append(line.source[:self._label_width].ljust(self._label_width) + " ", self._source_style(line.source))
        if width >= STREAM_MIN_WIDTH:
            text.append(short_stream(line.stream).ljust(8) + " ", "dim")
        start = len(text)
        raw = line.message[:SHOWN_CHARS]
        folded = fold_report(raw) if self.fold_reports else None
        message = folded or visible((width < COMPACT_BELOW and compact_runtime_line(raw)) or raw)
        level = severity(raw)
        text.append(message, "dim cyan" if folded else SEVERITY_STYLE[level])
        if self._filter is not None:
            match_style = self.get_component_rich_style("log-tail--match")
            for match in self._filter.pattern.finditer(message, 0, width + 1):
                if match.end() > match.start():
                    text.stylize(match_style, start + match.start(), start + match.end())
        text.truncate(width)
        segments = list(text.render(self.app.console))
        style = self.rich_style
        if selected:
            style = style + self.get_component_rich_style("log-tail--cursor")
        strip = Strip(segments, text.cell_len).crop_extend(0, width, style)
        return strip.apply_style(style) if style else strip

    def _source_style(self, source: str) -> str:
        return self._source_styles.setdefault(source, SOURCE_PALETTE[len(self._source_styles) % len(SOURCE_PALETTE)])

    def on_resize(self) -> None:
        self._resize_virtual()
        if self.following:
            self._scroll_bottom()

    def watch_fold_reports(self) -> None:
        self._generation += 1
        self.refresh()

    def watch_cursor(self, old: int | None, new: int | None) -> None:
        top = self.scroll_offset.y
        for absolute in (old, new):  # repaint only the two rows whose highlight changed
            if absolute is not None:
                row = self._row_of(absolute)  # refresh_line takes the virtual row
                if top <= row < top + self.size.height:
                    self.refresh_line(row)

    # ------------------------------------------------------------------ keys
    def _pause(self) -> None:
        self.following = False

    def _select(self, absolute: int, row: int | None = None) -> None:
        self._pause()
        self.cursor = absolute
        row = self._row_of(absolute) if row is None else row
        if self._size_stale and row + self.size.height >= self.virtual_size.height:
            self._resize_virtual()  # the selection reaches lines the scroll range does not know yet
        if row < self.scroll_offset.y or row >= self.scroll_offset.y + self.size.height:
            self.scroll_to(y=max(0, row - self.size.height // 2), animate=False, immediate=True, force=True)

    def _move_cursor(self, rows: int) -> None:
        if not self.shown_count:
            return
        if self.cursor is None:
            row = min(self.shown_count - 1, self.scroll_offset.y + self.size.height - 1)
        else:
            row = self._row_of(self.cursor) + rows
        row = max(0, min(self.shown_count - 1, row))
        absolute = self._absolute(row)
        if absolute is not None:
            self._select(absolute, row)

    def action_follow(self) -> None:
        self.following = True
        self._sync_size()
        self.cursor = None
        self._scroll_bottom()

    def action_top(self) -> None:
        self._pause()
        self.scroll_home(animate=False)

    def action_cursor_up(self) -> None:
        self._move_cursor(-1)

    def action_cursor_down(self) -> None:
        self._move_cursor(1)

    def action_page_up(self) -> None:
        self._move_cursor(-max(1, self.size.height - 1))

    def action_page_down(self) -> None:
        self._move_cursor(max(1, self.size.height - 1))

    def action_toggle_reports(self) -> None:
        self.fold_reports = not self.fold_reports

    def selected_line(self) -> TailLine | None:
        if self.cursor is not None and self.cursor >= self._first:
            return self._line(self.cursor)
        last = self._absolute(self.shown_count - 1)
        return self._line(last) if last is not None else None

    def action_expand(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.post_message(self.LineSelected(self, line))

    def action_copy(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.app.copy_to_clipboard(line.message)
            self.notify(f"copied {len(line.message):,} characters", timeout=2)

    def action_save(self) -> None:
        self.post_message(self.SaveRequested(self, self.shown_lines, self._filter is not None))

    def on_click(self, event: events.Click) -> None:
        absolute = self._absolute(self.scroll_offset.y + event.y)
        if absolute is not None:
            self._select(absolute)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._pause()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.following is False and self.cursor is None and new >= self.max_scroll_y and self._lines:
            self.following = True  # scrolled back to the bottom: follow again
