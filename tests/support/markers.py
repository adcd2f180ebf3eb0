"""Markers from the fixtures a test uses, so that tests added anywhere are marked without thinking of it.

``aws``: moto's server (``moto_endpoint`` and every fixture built on it), a pip package, so
it runs on any laptop. ``engines``: the real PostgreSQL, podman or Prometheus (root, apt). ``tmux``: a
real terminal. ``pytest -m "not engines and not tmux"`` then needs neither root, podman,
PostgreSQL nor tmux. A test that starts an engine itself (a subprocess demo, the aws CLI
against its own server) carries an explicit ``pytestmark`` or ``pytest.param(marks=...)``:
fixtures asked for with ``request.getfixturevalue`` are not seen here either.
"""
from __future__ import annotations

import pytest

MARK_OF_FIXTURE = {
    "moto_endpoint": "aws",
    "pg_server": "engines",
    "podman_service": "engines",
    "prometheus_server": "engines",
    "tmux": "tmux",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))  # the closure: fixtures of fixtures count
        for mark in sorted({mark for fixture, mark in MARK_OF_FIXTURE.items() if fixture in used}):
            if item.get_closest_marker(mark) is None:
                item.add_marker(getattr(pytest.mark, mark))
