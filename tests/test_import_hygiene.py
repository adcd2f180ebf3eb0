"""services/ never imports textual; the UI's first frame does not wait for heavy SDKs."""
from __future__ import annotations

import pkgutil

import services
from tests.support.imports import imported_after

SERVICE_MODULES = sorted(m.name for m in pkgutil.walk_packages(services.__path__, "services."))


def test_every_services_module_is_found() -> None:
    assert "services.aws.metrics" in SERVICE_MODULES
    assert "services.profile.loader" in SERVICE_MODULES


def test_services_never_import_textual() -> None:
    imported = imported_after("\n".join(f"import {name}" for name in SERVICE_MODULES))
    assert not {name for name in imported if name == "textual" or name.startswith("textual.")}


def test_the_app_module_does_not_import_heavy_sdks() -> None:
    imported = imported_after("import tui.cli.main, tui.app, tui.screens.dashboard")
    heavy = {"boto3", "botocore", "moto", "docker", "psycopg"}
    assert "textual" in imported
    assert not heavy & imported
