"""The engine panes and services import docker and psycopg only when they first talk to an engine."""
from __future__ import annotations

from tests.test_import_hygiene import _imported_after


def test_engine_modules_do_not_import_the_drivers() -> None:
    imported = _imported_after("import tui.engine_panes, tui.containers_pane, tui.postgres_pane, tui.health_pane, "
                               "tui.screens.database, tui.engine_check, services.actions.catalog, "
                               "services.docker_engine, services.docker_stats, services.postgres, services.health")
    assert "textual" in imported and "services.postgres" in imported
    assert not {name for name in imported if name.split(".")[0] in ("docker", "psycopg", "psycopg_binary")}
