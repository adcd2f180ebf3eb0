"""A Logs Insights query editor: a TextArea that highlights the query language by itself.

There is no tree-sitter grammar for Logs Insights, so the highlight map is built from a
few regular expressions (commands, functions, ``@fields``, strings, ``/regex/``, numbers,
comments, pipes). Queries are a few lines long: rebuilding the map on each edit is cheap.
"""
from __future__ import annotations

import re

from textual.binding import Binding
from textual.widgets import TextArea

_TOKENS = re.compile(
    r"(?P<comment>#.*$)"
    r"|(?P<string>\"(?:[^\"\\]|\\.)*\"?|'(?:[^'\\]|\\.)*'?)"
    r"|(?P<regex>(?<=like\s)/(?:[^/\\]|\\.)*/?|(?<==~\s)/(?:[^/\\]|\\.)*/?)"
    r"|(?P<command>(?:^|(?<=\|))\s*(?:fields|filter|stats|sort|limit|parse|display|dedup|unmask|pattern|diff|"
    r"anomaly|filterIndex|source|unnest|lookup)\b)"
    r"|(?P<keyword>\b(?:by|as|asc|desc|and|or|not|like|in|ispresent|isempty|isblank)\b)"
    r"|(?P<function>\b[a-zA-Z_]+(?=\())"
    r"|(?P<field>@\w+)"
    r"|(?P<number>\b\d+(?:\.\d+)?[smhdw]?\b)"
    r"|(?P<pipe>\|)",
    re.MULTILINE,
)
_HIGHLIGHT = {"comment": "comment", "string": "string", "regex": "regex", "command": "keyword",
              "keyword": "keyword.operator", "function": "function.call", "field": "variable.builtin",
              "number": "number", "pipe": "operator"}


class QueryEditor(TextArea):
    """Edits one query; ``ctrl+r`` is left to the screen (run).

    Tab moves focus (``tab_behavior="focus"``): with Tab indenting, the keyboard could not
    leave the editor, and ``esc`` had to blur it before it could close the screen.
    """

    DEFAULT_CSS = """
    QueryEditor {
        height: 8;
        min-height: 4;
    }
    """

    BINDINGS = [Binding("ctrl+l", "clear_query", "Clear", show=False)]

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id, theme="monokai", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")

    def action_clear_query(self) -> None:
        self.clear()

    def _build_highlight_map(self) -> None:
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        for row, line in enumerate(self.document.lines):
            for match in _TOKENS.finditer(line):
                kind = match.lastgroup
                if kind is None:
                    continue
                start = len(line[:match.start()].encode("utf-8"))
                end = len(line[:match.end()].encode("utf-8"))
                highlights[row].append((start, end, _HIGHLIGHT[kind]))
