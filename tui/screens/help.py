"""``?``: the keys that work where help was opened, read from the live bindings, and the runbook.

Generated, so it cannot drift from the code: first the focused pane's keys (they win),
then the screen's, then the app's (a key the focused pane takes over is marked), then
the other panes' keys. Scrolls with ↑ ↓ pgup pgdn home end; fits 80 columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

PROJECT_MODULES = ("tui.", "widgets.")
"""Widgets' own keys come from these modules; Textual's generic scroll keys stay out of the list."""
MERGE_AT = 3
"""Hidden bindings of one action (arrows, ranges) share a row from this many on."""


@dataclass
class Row:
    keys: str
    description: str
    tooltip: str = ""
    taken_by: str = ""
    """The focused pane that binds the same key, so this one does not fire there."""


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)


def _declared(node: DOMNode, *, project_only: bool) -> list[Binding]:
    """The node's bindings with a description, in declaration order (subclasses first)."""
    seen: set[str] = set()
    found: list[Binding] = []
    for cls in type(node).__mro__:
        if project_only and not cls.__module__.startswith(PROJECT_MODULES):
            continue
        for item in cls.__dict__.get("BINDINGS", ()):
            bindings = list(Binding.make_bindings([item]))
            for binding in bindings:
                if binding.description and not binding.system and binding.key not in seen:
                    seen.add(binding.key)
                    found.append(binding)
    return found


def _rows(app, bindings: list[Binding], taken: dict[str, str] | None = None) -> list[Row]:
    """One row per meaning: hidden bindings of one action (arrows, ranges) share a row from MERGE_AT
    on; keys with the same action and description (``ctrl+c,super+c``) share one too."""
    taken = taken or {}
    groups: dict[str, list[Binding]] = {}
    for binding in bindings:
        base = binding.action.split("(")[0]
        groups.setdefault(base if not binding.show else f"{base}#{binding.key}", []).append(binding)
    rows = []
    for group in _same_meaning(groups.values()):
        keys = " ".join(app.get_key_display(b) for b in group)
        descriptions = list(dict.fromkeys(b.description for b in group))
        if len(descriptions) == 1:
            owner = next((taken[b.key] for b in group if b.key in taken and not b.priority), "")
            tooltip = next((b.tooltip for b in group if b.tooltip), "")
            rows.append(Row(keys, descriptions[0], tooltip, owner))
            continue
        first_words = {d.split()[0] for d in descriptions}
        if len(first_words) == 1 and all(len(d.split()) > 1 for d in descriptions):
            word = first_words.pop()
            text = f"{word} " + " · ".join(d.split(maxsplit=1)[1] for d in descriptions)
        else:
            text = " · ".join(descriptions)
        rows.append(Row(keys, text))
    return rows


def _same_meaning(groups) -> list[list[Binding]]:
    """Keys bound to one action with one description (``ctrl+c,super+c``, ``q`` and ``ctrl+q``) share a row."""
    merged: dict[tuple[str, str], list[Binding]] = {}
    result: list[list[Binding]] = []
    for group in groups:
        if len(group) >= MERGE_AT:
            result.append(group)
            continue
        for binding in group:
            meaning = (binding.action, binding.description)
            if meaning in merged:
                merged[meaning].append(binding)
            else:
                merged[meaning] = [binding]
                result.append(merged[meaning])
    return result


def _pane_of(node: DOMNode, screen: Screen) -> Widget | None:
    """The screen's child that holds ``node`` (the pane)."""
    for ancestor in node.ancestors_with_self:
        if ancestor.parent is screen and isinstance(ancestor, Widget):
            return ancestor
    return None


def _name(node: DOMNode, suffix: str) -> str:
    name = type(node).__name__
    return (name[: -len(suffix)] if name.endswith(suffix) and name != suffix else name).lower()


def sections_for(screen: Screen) -> list[Section]:
    """The key sections for ``screen`` as it is now (its focused widget included)."""
    app = screen.app
    sections: list[Section] = []
    focused = screen.focused
    pane = _pane_of(focused, screen) if focused is not None else None
    taken: dict[str, str] = {}
    if focused is not None:
        chain = [node for node in focused.ancestors_with_self if node is not screen and node is not app]
        bindings = [b for node in chain for b in _declared(node, project_only=True)]
        bindings = list({b.key: b for b in reversed(bindings)}.values())[::-1]  # the innermost binding of a key
        label = _name(pane, "Pane") if pane is not None else _name(focused, "")
        section = Section(f"{label} (focused)", _rows(app, bindings), {b.key for b in bindings})
        sections.append(section)
        taken = dict.fromkeys(section.keys, label)
    for node, title in ((screen, _name(screen, "Screen")), (app, "everywhere")):
        rows = _rows(app, _declared(node, project_only=False), taken)
        if node is app and app.ENABLE_COMMAND_PALETTE:
            rows.append(Row(app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, "")), "Command palette",
                            "every command, searchable"))
        sections.append(Section(title, rows))
    for child in screen.children:
        if child is pane or not isinstance(child, Widget):
            continue
        nodes = [child, *child.walk_children(Widget)]
        bindings = list({b.key: b for node in nodes for b in _declared(node, project_only=True)}.values())
        if bindings:
            sections.append(Section(_name(child, "Pane"), _rows(app, bindings)))
    return sections


def _table(section: Section) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", min_width=6, max_width=16)
    table.add_column(ratio=1)
    for row in section.rows:
        what = Text(row.description)
        if row.taken_by:
            what.append(f" (not while {row.taken_by} is focused)", "italic")
        if row.tooltip and row.tooltip != row.description:
            what.append(f": {row.tooltip}", "dim")
        table.add_row(Text(row.keys, "dim" if row.taken_by else "bold"), what)
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen .help-section { margin-top: 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, system: str, runbook: str | None) -> None:
        super().__init__()
        self.system = system
        self.runbook = runbook
        self.sections: list[Section] = []

    def compose(self) -> ComposeResult:
        stack = self.app.screen_stack
        below = [screen for screen in stack if screen is not self]
        self.sections = sections_for(below[-1]) if below else []
        head = Text.assemble((self.system, "bold"), "  ·  keys that work here; ↑ ↓ pgdn scroll, esc closes")
        if self.runbook:
            head.append(f"\nrunbook: {self.runbook}", "dim")
        with VerticalScroll():
            yield Static(head)
            for section in self.sections:
                yield Static(Text(f" {section.title} ", "bold reverse"), classes="help-section")
                yield Static(_table(section))
            yield Static(Text("Other screens list their keys in the footer; esc goes back.", "dim"),
                         classes="help-section")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
