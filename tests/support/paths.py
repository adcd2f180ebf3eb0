"""Where things are: everything a test reads is inside the repository."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
COCKPIT = Path(sys.executable).with_name("cockpit")
"""The installed ``cockpit`` command of the interpreter running the tests."""
