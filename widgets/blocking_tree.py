"""Who blocks whom, as a tree: a blocker at the root, the sessions waiting on it below.

Plain data in (``TreeItem``: a label, what it waits for, what it holds, children);
messages out: ``K`` asks to terminate the highlighted session, ``C`` to cancel its query.
The cursor is always on a session while there is one: the first blocker until moved.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Tree


@dataclass(frozen=True, slots=True)
class TreeItem:
    pid: int
    label: str
    waits_for: str = ""
    holds: str = ""
    children: tuple[TreeItem, ...] = ()


class BlockingTree(Tree[int]):
    DEFAULT_CSS = """
    BlockingTree {
        height: 1fr;
        min-height: 4;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = [
        Binding("K", "verb('terminate')", "Terminate", show=True),
        Binding("C", "verb('cancel')", "Cancel query", show=True),
    ]

    blocked: reactive[int] = reactive(0)
    """How many sessions in the tree wait on another."""

    class VerbRequested(Message):
        def __init__(self, tree: BlockingTree, verb: str, pid: int) -> None:
            super().__init__()
            self.tree = tree
            self.verb = verb
            self.pid = pid

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("blocking", id=id)
        self.show_root = False
        self.guide_depth = 3
        self._items: tuple[TreeItem, ...] = ()

    def show(self, items: tuple[TreeItem, ...] | list[TreeItem]) -> None:
        items = tuple(items)
        if items == self._items:
            return
        self._items = items
        selected = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        count = 0

        def add(parent, item: TreeItem, depth: int) -> None:
            nonlocal count
            count += depth > 0
            text = Text(item.label, "bold red" if depth == 0 else "")
            if item.waits_for:
                text.append(f"  waits {item.waits_for}", "yellow")
            if item.holds:
                text.append(f"  holds {item.holds}", "dim")
            node = parent.add(text, data=item.pid, expand=True, allow_expand=bool(item.children))
            if not item.children:
                node.allow_expand = False
            for child in item.children:
                add(node, child, depth + 1)

        for item in items:
            add(self.root, item, 0)
        self.root.expand_all()
        self.blocked = count
        # The cursor stays on the session it was on; else it goes to the first blocker (the root
        # of the first chain), so K / C act at once, without a key to put it somewhere first.
        self.cursor_line = next((line for line in range(self.last_line + 1)
                                 if selected is not None and (node := self.get_node_at_line(line)) is not None
                                 and node.data == selected), 0 if items else -1)

    @property
    def items(self) -> tuple[TreeItem, ...]:
        return self._items

    def action_verb(self, verb: str) -> None:
        node = self.cursor_node
        if node is not None and node.data is not None:
            self.post_message(self.VerbRequested(self, verb, node.data))
