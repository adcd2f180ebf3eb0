"""``make bench``: every benchmark of the project, one table.

Each module in this folder with a ``main()`` returning rows of
``(name, value, unit, goal)`` contributes; a benchmark that fails prints its error
as a row and the others go on.
"""
from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["first_frame", "terminal_bytes", "metrics_bench", "logs_bench", "engines_bench", "resilience_bench"]


def main() -> int:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent))
    names = [name for name in ORDER if (HERE / f"{name}.py").exists()]
    names += sorted(p.stem for p in HERE.glob("*_bench.py") if p.stem not in names)
    rows: list[tuple[str, object, str, str]] = []
    for name in names:
        started = time.monotonic()
        print(f"running {name}…", file=sys.stderr, flush=True)
        try:
            rows.extend(importlib.import_module(name).main())
        except Exception as error:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            rows.append((f"{name}: FAILED", type(error).__name__, "", str(error)[:60]))
        print(f"  {name} took {time.monotonic() - started:.0f} s", file=sys.stderr)
    width = max(len(str(row[0])) for row in rows) if rows else 10
    print(f"\n{'benchmark':{width}}  {'value':>12}  {'unit':6}  goal")
    print("-" * (width + 32))
    for name, value, unit, goal in rows:
        print(f"{name:{width}}  {value!s:>12}  {unit:6}  {goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
