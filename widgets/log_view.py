"""The log view both log panes show: a title/status line, the tail, and a one-line prompt.

Plain lines in (``append``, ``clear``); what only the pane knows (``subject``, ``note``,
``source_status``, ``level``) comes in by ``data_bind`` and goes into the status line.
Keys both panes share: ``/`` filter as you type (in the prompt ``ctrl+r`` regex, ``esc``
clears), ``t`` jump, ``s`` save, and the tail's; ``enter`` (``LogTail.LineSelected``) goes
on to the pane, which knows the record's fields. A pane asks its own question in the same
prompt (``ask``) and gets ``LogView.Answered``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input

from services.profile.model import duration_seconds
from widgets.log_tail import LogTail, TailLine
from widgets.pane_title import PaneTitle

FILTER_PROMPT = "filter (ctrl+r regex)"
PROMPTS = {"filter": FILTER_PROMPT, "jump": "jump to HH:MM[:SS] or -10m"}


class LogView(Vertical):
    """``TITLE status`` over a ``LogTail``; the prompt docks at the bottom while open."""

    DEFAULT_CSS = """
    LogView {
        height: 1fr;
    }
    /* a class, not just the type: Input's own :focus rule would win and bring back its border */
    LogView > Input.log-prompt {
        dock: bottom;
        height: 1;
        border: none;
        padding: 0 1;
        display: none;
    }
    LogView > Input.log-prompt.-open {
        display: block;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "prompt('filter')", "Filter"),
        Binding("t", "prompt('jump')", "Jump to time", show=False),
        Binding("ctrl+r", "toggle_regex", "Regex filter", show=False),
        Binding("escape", "close_prompt", "Close prompt (clears the filter)", show=False),
    ]

    subject: reactive[str] = reactive("")
    """What is tailed ("api, worker", a container); "" means nothing yet, so no counts either."""
    note: reactive[str] = reactive("")
    """Narrowing done at the source, shown after the counts ("server filter '?ERROR'")."""
    source_status: reactive[str] = reactive("")
    """How the source reads ("live tail", "unreachable: … · retrying in 8s"), last in the line."""
    level: reactive[str] = reactive("ok")
    """The status line's style: ok, busy, warning or error."""

    class Answered(Message):
        """The prompt opened by ``ask`` was submitted: ``mode`` as asked, ``value`` stripped."""

        def __init__(self, view: LogView, mode: str, value: str) -> None:
            super().__init__()
            self.view = view
            self.mode = mode
            self.value = value

    def __init__(self, title: str, *, key: str, save_name: str, max_lines: int = 100_000) -> None:
        """``key`` names the parts (``{key}-title``, ``{key}``, ``{key}-input``); ``save_name`` the saved file."""
        super().__init__(id=f"{key}-view")
        self.save_name = save_name
        self.regex = False
        self.prompt_mode = "filter"
        self._title = PaneTitle(title, id=f"{key}-title")
        self.tail = LogTail(max_lines=max_lines, id=key)
        self._prompt = Input(id=f"{key}-input", placeholder=FILTER_PROMPT, classes="log-prompt")

    def compose(self) -> ComposeResult:
        yield from (self._title, self.tail, self._prompt)

    def on_mount(self) -> None:
        for name in ("subject", "note", "source_status", "level"):
            self.watch(self, name, self.show_status, init=False)
        self.watch(self.tail, "following", self.show_status, init=False)
        self.show_status()

    # ------------------------------------------------------------------ lines, status
    def append(self, lines: Iterable[TailLine]) -> None:
        self.tail.append(lines)
        self.show_status()

    def clear(self) -> None:
        self.tail.clear()
        self.show_status()

    def show_status(self) -> None:
        tail = self.tail
        parts = [self.subject]
        flt = tail.filter
        if flt is not None:
            kind = "regex" if flt.regex else "filter"
            parts.append(flt.error or f"{kind} {flt.text!r}: {tail.shown_count:,} of {tail.line_count:,}")
        elif self.subject:
            parts.append(f"{tail.line_count:,} lines")
        parts.append(self.note)
        if self.subject:
            parts.append("following" if tail.following else "paused (end: follow)")
        parts.append(self.source_status)
        zone = datetime.now().astimezone().strftime("%Z")
        self._title.show(" · ".join(part for part in parts if part) + f" · {zone}", self.level)

    # ------------------------------------------------------------------ prompt
    def action_prompt(self, mode: str) -> None:
        flt = self.tail.filter
        self.ask(mode, PROMPTS[mode], flt.text if flt and mode == "filter" else "")

    def ask(self, mode: str, placeholder: str, value: str = "") -> None:
        """Open the prompt; ``filter`` and ``jump`` are the view's, any other ``mode`` ends in ``Answered``."""
        self.prompt_mode = mode
        self._prompt.placeholder = placeholder
        self._prompt.value = value
        self._prompt.add_class("-open")
        # At once, not on the next tick (focus()): keys already queued behind this one (typed fast,
        # pasted) must reach the prompt, not fire the bindings of the widget focused before.
        self.screen.set_focus(self._prompt)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The prompt's keys only: esc and ctrl+r on the tail go on to the screen as before.
        if action in ("close_prompt", "toggle_regex"):
            return self._prompt.has_focus and (action == "close_prompt" or self.prompt_mode == "filter")
        return True

    def action_close_prompt(self) -> None:
        if self.prompt_mode == "filter":
            self._apply_filter("")
        self._close_prompt()

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex
        self._prompt.placeholder = "regex filter" if self.regex else FILTER_PROMPT
        self._apply_filter(self._prompt.value)

    def _close_prompt(self) -> None:
        self._prompt.remove_class("-open")
        self.tail.focus()

    def _apply_filter(self, text: str) -> None:
        self.tail.set_filter(text, regex=self.regex)
        self.show_status()

    @on(Input.Changed, ".log-prompt")
    def filter_as_you_type(self, event: Input.Changed) -> None:
        if self.prompt_mode == "filter":
            self._apply_filter(event.value)

    @on(Input.Submitted, ".log-prompt")
    def prompt_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self.prompt_mode == "jump" and value:
            when = parse_jump(value)
            if when is None:
                self.notify(f"not a time: {value!r} (HH:MM, HH:MM:SS or -10m)", severity="warning")
                return  # left open to correct it
            if not self.tail.jump_to(when):
                self.notify("no line at or after that time in the buffer", severity="warning")
        elif self.prompt_mode not in PROMPTS:
            self.post_message(self.Answered(self, self.prompt_mode, value))
        self._close_prompt()

    @on(LogTail.SaveRequested)
    def save_lines(self, message: LogTail.SaveRequested) -> None:
        message.stop()
        path = Path.cwd() / f"cockpit-{self.save_name}-{datetime.now():%Y%m%d-%H%M%S}.log"
        try:
            write_lines(path, message.lines)
        except OSError as error:
            self.notify(f"could not save: {error}", severity="error")
            return
        self.notify(f"saved {len(message.lines):,} {'filtered lines' if message.filtered else 'lines'} to {path}")


def local_iso(timestamp: float) -> str:
    """Epoch seconds as local ISO time with milliseconds and offset (saved files, log records)."""
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="milliseconds")


def write_lines(path: Path, lines: list[TailLine]) -> None:
    """One event per line: ISO time, group, stream, message (raw text, newlines kept escaped)."""
    with path.open("w", encoding="utf-8", errors="replace") as out:
        for line in lines:
            message = line.message.replace("\n", "\\n")
            out.write(f"{local_iso(line.timestamp)}\t{line.group or line.source}\t{line.stream}\t{message}\n")


def parse_jump(text: str, now: datetime | None = None) -> float | None:
    """``14:05``, ``14:05:30`` (today, local time) or ``-10m`` -> epoch seconds."""
    now = now or datetime.now().astimezone()
    if text.startswith("-"):
        try:
            return now.timestamp() - duration_seconds(text[1:])
        except ValueError:
            return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return now.replace(hour=hour, minute=minute, second=second, microsecond=0).timestamp()
