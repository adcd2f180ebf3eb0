"""Test subclasses of an app: the same stylesheet, plus what a test wants to read back."""
from __future__ import annotations

import inspect
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:
    from tui.app import CockpitApp
    from tui.flows.cockpit import Cockpit

AppType = TypeVar("AppType", bound=App)
ScreenType = TypeVar("ScreenType", bound=Screen)


def css_path_of(app_class: type[App]) -> list[str | PurePath]:
    """``app_class``'s ``CSS_PATH`` made absolute: Textual reads a relative one next to the module of
    the class being run, which for a subclass defined in tests/ is the wrong folder."""
    owner = next((cls for cls in app_class.__mro__ if cls.__dict__.get("CSS_PATH")), None)
    if owner is None:
        return []
    paths = owner.__dict__["CSS_PATH"]
    return [Path(inspect.getfile(owner)).parent / path for path in (paths if isinstance(paths, list) else [paths])]


class NotificationLog:
    """Mixed into the apps ``recording`` makes: ``notified`` is every message, in order."""

    notified: list[str]


def notified(app: App) -> list[str]:
    """What ``app`` (made by ``recording``) was asked to show."""
    assert isinstance(app, NotificationLog), f"{type(app).__name__} was not made by recording()"
    return app.notified


def current_screen(app: App, kind: type[ScreenType]) -> ScreenType:
    """``app.screen`` as the ``kind`` a test expects there; fails naming the screen that is up instead."""
    screen = app.screen
    assert isinstance(screen, kind), f"expected {kind.__name__}, the screen is {type(screen).__name__}"
    return screen


def cockpit_of(app: CockpitApp) -> Cockpit:
    """The app's cockpit: None until the profile has loaded and the dashboard opened."""
    assert app.cockpit is not None, "the cockpit has not started"
    return app.cockpit


def recording(app_class: type[AppType]) -> type[AppType]:
    """``app_class`` whose ``notify`` (public; widgets' and screens' ``notify`` go through it)
    also appends each message to ``notified``, in order: Textual's own list is private."""

    class Recording(app_class, NotificationLog):  # type: ignore[valid-type, misc]  # a class made at run time
        CSS_PATH = css_path_of(app_class)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.notified: list[str] = []

        def notify(self, message: str, **kwargs: Any) -> None:
            self.notified.append(message)
            super().notify(message, **kwargs)

    Recording.__name__ = Recording.__qualname__ = f"Recording{app_class.__name__}"
    return Recording
