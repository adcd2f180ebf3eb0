"""The command palette (``ctrl+p``): every action, playbook and screen by name."""
from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider


class CockpitCommands(Provider):
    """Everything the cockpit can do, searchable; actions still go through their confirmation."""

    def _entries(self) -> list[tuple[str, str, object]]:
        from services.actions.catalog import CATALOG
        from tui.flows.cockpit import CockpitHost
        from tui.screens.action_menu import known_targets

        app = self.app
        entries: list[tuple[str, str, object]] = []
        if not isinstance(app, CockpitHost) or app.cockpit is None:
            return entries  # the profile is not loaded yet
        owner = app.cockpit
        profile = owner.profile
        for action_id, cls in CATALOG.items():
            family = action_id.split(".")[0] + "."
            targets = known_targets(profile, family) or [""]
            for target in targets:
                name = f"Action: {action_id} {target}".rstrip()
                entries.append((name, cls.title, partial(owner.start_action, action_id, target)))
        for book in profile.playbooks:
            entries.append((f"Playbook: {book.title}", f"{len(book.resolution)} resolution step(s)",
                            partial(app.open_playbook, book.id)))
        entries.append(("Timeline", "every step, note and alarm transition", owner.show_timeline))
        entries.append(("Undo the last action", "plans its inverse, confirmed like any action", owner.undo))
        entries.append(("Help", "keys", app.action_help))
        return entries

    async def discover(self) -> Hits:
        for name, help_text, callback in self._entries():
            yield Hit(1.0, name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
