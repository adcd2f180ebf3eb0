"""A tail view that stays cheap on huge logs and slow links.

Lines live in a bounded ring buffer; only the visible rows are rendered (Textual's
Line API), each rendered row is cached by its absolute line number, and messages are
shown as text: markup and escape sequences in a log line are never interpreted.
"""
from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SEVERITY = [
    (re.compile(r"Task timed out|\bFATAL\b|\bCRITICAL\b|Traceback"), "bold red"),
    (re.compile(r"\bERROR\b|\bError\b|Exception|AccessDenied|NoSuchKey|Failed"), "red"),
    (re.compile(r"\bWARN(ING)?\b"), "yellow"),
    (re.compile(r"^(START|END) RequestId"), "dim"),
    (re.compile(r"^REPORT RequestId"), "dim cyan"),
]


@dataclass(frozen=True, slots=True)
class TailLine:
    """One line of the tail: ``when`` is already local time text, ``source`` a short label."""

    when: str
    source: str
    message: str
    stream: str = ""


def printable(message: str) -> str:
    """Control characters (ANSI escapes included) shown as visible escapes, never sent raw."""
    message = message.replace("\t", "  ")
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group(0)):02x}", message)


class LogTail(ScrollView, can_focus=True):
    """Newest line at the bottom; follows new lines until the user scrolls up (``end`` resumes)."""

    DEFAULT_CSS = """
    LogTail {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = [
        Binding("end", "follow", "Follow", show=True),
        Binding("home", "top", "Top", show=False),
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    following: reactive[bool] = reactive(True)
    """True while the view sticks to the newest line."""

    def __init__(self, *, max_lines: int = 100_000, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self._lines: deque[TailLine] = deque(maxlen=max_lines)
        self._first_index = 0  # absolute number of _lines[0]: cache keys survive the ring's rotation
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(1024)
        self._source_styles: dict[str, str] = {}

    @property
    def line_count(self) -> int:
        return len(self._lines)

    @property
    def lines(self) -> list[TailLine]:
        return list(self._lines)

    def append(self, lines: Iterable[TailLine]) -> None:
        """Add lines at the bottom; one repaint per call, so callers should batch."""
        added = 0
        for line in lines:
            if len(self._lines) == self.max_lines:
                self._first_index += 1
            self._lines.append(line)
            added += 1
        if not added:
            return
        self.virtual_size = Size(self.size.width, len(self._lines))
        if self.following:
            self.scroll_to(y=max(0, len(self._lines) - self.size.height), animate=False, immediate=True)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= len(self._lines) or width <= 0:
            return Strip.blank(width, self.rich_style)
        key = (self._first_index + index, width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_tail_line(self._lines[index], width)
            self._cache[key] = strip
        return strip

    def _render_tail_line(self, line: TailLine, width: int) -> Strip:
        text = Text(no_wrap=True, overflow="crop", end="")
        text.append(line.when, "dim")
        text.append(" ")
        text.append(line.source, self._source_style(line.source))
        text.append(" ")
        message = printable(line.message)
        style = next((style for pattern, style in _SEVERITY if pattern.search(message)), "")
        text.append(message, style)
        text.truncate(width)
        segments = list(text.render(self.app.console))
        strip = Strip(segments, text.cell_len).crop_extend(0, width, self.rich_style)
        return strip.apply_style(self.rich_style) if self.rich_style else strip

    def _source_style(self, source: str) -> str:
        palette = ["magenta", "blue", "cyan", "green", "yellow"]
        return self._source_styles.setdefault(source, palette[len(self._source_styles) % len(palette)])

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._lines))
        if self.following:
            self.scroll_to(y=max(0, len(self._lines) - self.size.height), animate=False, immediate=True)

    def _pause(self) -> None:
        self.following = False

    def action_follow(self) -> None:
        self.following = True
        self.scroll_to(y=max(0, len(self._lines) - self.size.height), animate=False)

    def action_top(self) -> None:
        self._pause()
        self.scroll_home(animate=False)

    def action_scroll_up(self) -> None:
        self._pause()
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self._pause()
        super().action_page_up()

    def _on_mouse_scroll_up(self, event) -> None:  # noqa: ANN001 - Textual's event type
        self._pause()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.following is False and new >= self.max_scroll_y and self._lines:
            self.following = True  # scrolled back to the bottom: follow again


