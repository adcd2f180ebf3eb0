"""``cockpit query QUERY_ID``: one of the profile's ``[[queries]]`` run now, headless, on its engine.

The same engines as the query screen (``services/queries``): parameters from the
profile's ``params``, overridden by ``--param NAME=VALUE``. Progress and the summary
(rows, elapsed, data scanned and its cost) go to stderr; stdout has only the result: an
aligned table (control characters made visible, long cells cut), or ``--json``: one JSON
object per row, values exact. Ctrl-C stops the query on its engine before leaving.
Exit codes: 0 the query completed; 1 it failed, was stopped, or its engine could not be
reached; 2 bad input (profile, or its engine's section missing, unknown query id, a bad
or missing parameter).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tui.cli.loading import SharedFlags, aws_target, load_profile_or_exit

if TYPE_CHECKING:  # the engines load when the command runs, not to parse its flags
    from services.queries import QueryProgress

CELL_WIDTH = 60


def add_parser(commands: Any, parents: SharedFlags) -> None:
    query = commands.add_parser("query", help="run one saved query of the profile (any engine) and print its rows",
                                parents=[parents.profile, parents.aws])
    query.add_argument("query", metavar="QUERY_ID", help="the id of one of the profile's [[queries]]")
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                       help="a value for the query's {NAME} (default: its params in the profile); repeatable")
    query.add_argument("--json", action="store_true", help="one JSON object per row on stdout")
    query.add_argument("--timeout", type=float, default=3600.0, metavar="SECONDS",
                       help="stop the query if it has no result by then (default 3600)")
    query.set_defaults(func=run_query)


def run_query(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    profile = load_profile_or_exit(args.profile)
    spec = next((query for query in profile.queries if query.id == args.query), None)
    if spec is None:
        known = ", ".join(query.id for query in profile.queries) or "none"
        print(f"cockpit query: no query {args.query!r} in {args.profile} (its queries: {known})", file=sys.stderr)
        return 2
    from services.errors import SourceError
    from services.queries import BadParameter, Engines, parse_assignments, resolve, run_to_end
    from services.queries.results import summary

    try:
        given = parse_assignments(args.param)
        resolve(spec, given)  # unknown or missing parameters: before any engine is touched
    except BadParameter as error:
        print(f"cockpit query: {error.args[0]}", file=sys.stderr)
        return 2
    session = None
    if spec.uses_aws:
        from services.aws.session import AwsSession

        session = AwsSession(aws_target(args, profile.aws))
    engines = Engines(profile, session)
    missing = engines.missing_setup(spec)
    if missing:
        print(f"cockpit query: {missing}", file=sys.stderr)
        return 2
    reporter = _Progress(spec.id, spec.engine)
    try:
        progress = run_to_end(engines.engine_for(spec), spec, given, on_progress=reporter, timeout=args.timeout)
    except BadParameter as error:  # a value that does not fit where it goes (a number key, outside quotes)
        reporter.clear()
        print(f"cockpit query: {error.args[0]}", file=sys.stderr)
        return 2
    except SourceError as error:
        reporter.clear()
        print(f"cockpit query: {spec.id} ({spec.engine}): {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        reporter.clear()
        print(f"cockpit query: {spec.id}: interrupted; the query was stopped", file=sys.stderr)
        return 130
    reporter.clear()
    if progress.status != "complete":
        reason = str(progress.error) if progress.error else progress.status
        print(f"cockpit query: {spec.id} ({spec.engine}) {progress.status} after {progress.elapsed:.1f} s: {reason}",
              file=sys.stderr)
        return 1
    try:
        if args.json:
            for row in progress.rows:
                out.write(json.dumps({name: row.get(name) for name in progress.columns}, ensure_ascii=False) + "\n")
        else:
            out.write(render_table(progress.columns, progress.rows))
        out.flush()
    except BrokenPipeError:  # `cockpit query … | head`: the reader left
        sys.stderr.close()
        return 0
    print(summary(progress), file=sys.stderr)
    return 0


def render_table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """Columns aligned to their widest cell (at most ``CELL_WIDTH``); no rows: the header alone."""
    from services.queries import cell_text
    from services.visible_text import visible

    def shown(value: Any) -> str:
        text = visible(cell_text(value))
        return text if len(text) <= CELL_WIDTH else text[:CELL_WIDTH - 1] + "…"

    cells = [[shown(row.get(name)) for name in columns] for row in rows]
    header = [visible(name) for name in columns]
    widths = [max([len(header[index]), *(len(line[index]) for line in cells)]) for index in range(len(columns))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
             for line in [header, *cells]]
    return "\n".join(lines) + "\n" if columns else ""


class _Progress:
    """Progress on stderr: one line rewritten in place on a terminal; elsewhere each new status once."""

    def __init__(self, query_id: str, engine: str) -> None:
        self.prefix = f"{query_id} ({engine})"
        self.tty = sys.stderr.isatty()
        self.last = ""
        self.drawn = False

    def __call__(self, progress: QueryProgress) -> None:
        if self.tty:
            sys.stderr.write(f"\r\x1b[2K{self.prefix} {progress.status} {progress.elapsed:.1f} s")
            sys.stderr.flush()
            self.drawn = True
        elif progress.status != self.last and not progress.done:  # the end is the summary's or the error's
            print(f"{self.prefix} {progress.status}", file=sys.stderr)
        self.last = progress.status

    def clear(self) -> None:
        if self.drawn:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
            self.drawn = False
