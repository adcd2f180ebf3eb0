"""A stopped clock for screens whose text shows the time ("updated 09:30:00 UTC", "5m ago").

``frozen_clock(at)`` sets the local zone to UTC and replaces ``datetime`` in every module of
the app (``tui``, ``widgets``, ``services``; imported first, so lazy imports are covered)
with a subclass whose ``now()`` is ``at``. Nothing else about ``datetime`` changes, and
Textual's and asyncio's own clocks (monotonic) keep running.
"""
from __future__ import annotations

import datetime as _datetime
import importlib
import pkgutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest

REAL = _datetime.datetime
PACKAGES = ("tui", "widgets", "services")
SKIPPED = ("services.demo",)  # the demo's emulator: not part of any screen


class _SameClass(type):  # datetime's metaclass is plain type
    def __instancecheck__(cls, instance: object) -> bool:  # a real datetime is still a datetime
        return isinstance(instance, REAL)


def stopped_datetime(at: REAL) -> type[REAL]:
    """A ``datetime`` class whose ``now(tz)`` (and ``utcnow``) is always ``at`` (aware)."""

    class StoppedDatetime(REAL, metaclass=_SameClass):
        # Each returns a real datetime on purpose (override ignored): arithmetic and comparisons stay the real ones.
        @classmethod
        def now(cls, tz: _datetime.tzinfo | None = None) -> REAL:  # type: ignore[override]
            return at.astimezone(tz) if tz is not None else at.astimezone().replace(tzinfo=None)

        @classmethod
        def utcnow(cls) -> REAL:  # type: ignore[override]
            return at.astimezone(_datetime.UTC).replace(tzinfo=None)

    return StoppedDatetime


def app_modules() -> list[ModuleType]:
    modules = []
    for name in PACKAGES:
        package = importlib.import_module(name)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not info.name.startswith(SKIPPED):
                modules.append(importlib.import_module(info.name))
    return modules


@contextmanager
def frozen_clock(at: REAL) -> Iterator[None]:
    """Local time is UTC and ``datetime.now()`` is ``at`` in the app's modules, until the block ends."""
    stopped = stopped_datetime(at)
    patch = pytest.MonkeyPatch()
    try:
        patch.setenv("TZ", "UTC")
        time.tzset()
        for module in app_modules():
            for attribute, value in list(vars(module).items()):
                if value is REAL:
                    patch.setattr(module, attribute, stopped)
        yield
    finally:
        patch.undo()
        time.tzset()  # the run's own zone again
