"""What ``run``, ``demo`` and ``check`` share about the cockpit process: its log file, its outcome."""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app import CockpitApp


def configure_logging(path: str | None) -> None:
    """The cockpit logs to a file, never to the terminal it draws on."""
    if path is None:
        from services.paths import state_dir

        path = str(state_dir() / "cockpit.log")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # force: any handler set up before (a library's StreamHandler) would write over the screen
    logging.basicConfig(filename=path, level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run_cockpit(app: CockpitApp) -> int:
    """Run the app; once the terminal is back, print the profile errors it met; its exit code."""
    app.run()
    for line in app.profile_errors:
        print(line, file=sys.stderr)
    return app.return_code or 0
