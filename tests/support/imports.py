"""What importing something pulls in, measured in a fresh interpreter (this one has imported everything)."""
from __future__ import annotations

import subprocess
import sys


def imported_after(statement: str) -> set[str]:
    """The names in ``sys.modules`` after running ``statement`` in a new Python process."""
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(result.stdout.split())
