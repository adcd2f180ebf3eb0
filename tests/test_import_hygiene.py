"""services/ never imports textual; the UI's first frame does not wait for heavy SDKs."""
from __future__ import annotations

import pkgutil
import subprocess
import sys

import services

SERVICE_MODULES = sorted(m.name for m in pkgutil.walk_packages(services.__path__, "services."))


def _imported_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(result.stdout.split())


def test_every_services_module_is_found() -> None:
    assert "services.aws.metrics" in SERVICE_MODULES
    assert "services.profile.loader" in SERVICE_MODULES


def test_services_never_import_textual() -> None:
    imported = _imported_after("\n".join(f"import {name}" for name in SERVICE_MODULES))
    assert not {name for name in imported if name == "textual" or name.startswith("textual.")}


def test_the_app_module_does_not_import_heavy_sdks() -> None:
    imported = _imported_after("import tui.cli.main, tui.app, tui.screens.dashboard")
    heavy = {"boto3", "botocore", "moto", "docker", "psycopg"}
    assert "textual" in imported
    assert not heavy & imported
