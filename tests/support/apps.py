"""Test subclasses of an app: the same stylesheet, plus what a test wants to read back."""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, TypeVar

from textual.app import App

AppType = TypeVar("AppType", bound=App)


def css_path_of(app_class: type[App]) -> list[Path]:
    """``app_class``'s ``CSS_PATH`` made absolute: Textual reads a relative one next to the module of
    the class being run, which for a subclass defined in tests/ is the wrong folder."""
    owner = next((cls for cls in app_class.__mro__ if cls.__dict__.get("CSS_PATH")), None)
    if owner is None:
        return []
    paths = owner.__dict__["CSS_PATH"]
    return [Path(inspect.getfile(owner)).parent / path for path in (paths if isinstance(paths, list) else [paths])]


def recording(app_class: type[AppType]) -> type[AppType]:
    """``app_class`` whose ``notify`` (public; widgets' and screens' ``notify`` go through it)
    also appends each message to ``notified``, in order: Textual's own list is private."""

    class Recording(app_class):  # type: ignore[valid-type, misc]
        CSS_PATH = css_path_of(app_class)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.notified: list[str] = []

        def notify(self, message: str, **kwargs: Any) -> None:
            self.notified.append(message)
            super().notify(message, **kwargs)

    Recording.__name__ = Recording.__qualname__ = f"Recording{app_class.__name__}"
    return Recording
