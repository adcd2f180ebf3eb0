"""The engine panes and services import docker and psycopg only when they first talk to an engine."""
from __future__ import annotations

from tests.support.imports import imported_after


def test_engine_modules_do_not_import_the_drivers() -> None:
    imported = imported_after("import tui.panes.engines, tui.panes.containers, tui.panes.postgres, tui.panes.health, "
                               "tui.screens.database, tui.cli.check, services.actions.catalog, "
                               "services.engines.docker, services.engines.docker_stats, services.engines.postgres, "
                               "services.engines.health")
    assert "textual" in imported and "services.engines.postgres" in imported
    assert not {name for name in imported if name.split(".")[0] in ("docker", "psycopg", "psycopg_binary")}
