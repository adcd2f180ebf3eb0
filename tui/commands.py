"""The command palette (``ctrl+p``): every key, action, playbook and screen by name.

The keys are read from the bindings of the app and of the screen the palette was opened on
(the dashboard), so the palette cannot drift from them; each entry shows its key. Commands
whose source the profile lacks (ranges without tiles, ``b`` without ``[postgres]``) and
actions its sources cannot run (``docker.*`` without ``[docker]``…) are not offered.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.actions import parse
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

if TYPE_CHECKING:
    from services.profile import Profile

# A dashboard key that needs a source does nothing without it: not offered then.
NEEDS: dict[str, Callable[[Profile], bool]] = {
    "focus_metrics": lambda profile: bool(profile.tiles),
    "cycle_range": lambda profile: bool(profile.tiles),
    "metrics_range": lambda profile: bool(profile.tiles),
    "focus_alarms": lambda profile: bool(profile.alarms),
    "focus_logs": lambda profile: bool(profile.logs),
    "insights": lambda profile: profile.has_aws,
    "queries": lambda profile: bool(profile.queries) or profile.has_aws,
    "database": lambda profile: profile.postgres is not None,
    "playbooks": lambda profile: bool(profile.playbooks),
    "resources": lambda profile: bool(profile.resources),
}


class CockpitCommands(Provider):
    """Everything the cockpit can do, searchable; actions still go through their confirmation."""

    def _key_entries(self, profile: Profile) -> list[tuple[str, str | None, Callable[[], Any]]]:
        entries: list[tuple[str, str | None, Callable[[], Any]]] = []
        for namespace in (self.app, self.screen):
            for binding in Binding.make_bindings(type(namespace).BINDINGS):
                destination, name, params = parse(binding.action)
                if not binding.description or not NEEDS.get(name, lambda _: True)(profile):
                    continue
                if not destination and not namespace.check_action(name, params):
                    continue
                text = f"{binding.description} ({self.app.get_key_display(binding)})"
                entries.append((text, binding.tooltip, partial(self._run, binding.action, namespace)))
        return entries

    def _open_query(self, query_id: str) -> None:
        from tui.flows.cockpit import find_cockpit
        from tui.screens.query import QueryScreen

        owner = find_cockpit(self.app)
        if owner is not None:
            self.app.push_screen(QueryScreen(owner.profile, query_id=query_id, history=owner.query_history))

    async def _run(self, action: str, namespace: DOMNode) -> None:
        await self.app.run_action(action, namespace)

    def _entries(self) -> list[tuple[str, str | None, Callable[[], Any]]]:
        from services.actions.catalog import CATALOG
        from tui.flows.cockpit import CockpitHost
        from tui.screens.action_menu import fits_profile, targets_for
        from tui.screens.resources import open_resources

        app = self.app
        if not isinstance(app, CockpitHost) or app.cockpit is None:
            return []  # the profile is not loaded yet
        owner = app.cockpit
        profile = owner.profile
        entries = self._key_entries(profile)
        for action_id, cls in CATALOG.items():
            if not fits_profile(profile, action_id):
                continue
            for target in targets_for(profile, cls) or [""]:
                name = f"Action: {action_id} {target}".rstrip()
                entries.append((name, cls.title, partial(owner.start_action, action_id, target)))
        for query in profile.queries:
            entries.append((f"Query: {query.title} ({query.engine})", query.id, partial(self._open_query, query.id)))
        for resource in profile.resources:
            entries.append((f"Resource: {resource.id} ({resource.type} {resource.title})",
                            "its configuration and findings, read now", partial(open_resources, app, [resource.id])))
        for book in profile.playbooks:
            entries.append((f"Playbook: {book.title}", f"{len(book.resolution)} resolution step(s)",
                            partial(app.open_playbook, book.id)))
        return entries

    async def discover(self) -> Hits:
        for name, help_text, callback in self._entries():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)
