"""``cockpit report`` and ``cockpit note``: the incident timeline from the command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tui.cli.loading import SharedFlags, load_profile_or_exit


def add_parser(commands: Any, parents: SharedFlags) -> None:
    """Add ``report`` and ``note`` to the ``cockpit`` sub-command parser."""
    report = commands.add_parser("report", help="the post-incident report (runbook 004's RCA template) from a timeline")
    report.add_argument("timeline", metavar="TIMELINE", help="a timeline file (JSON lines)")
    report.add_argument("--format", choices=("markdown", "json"), default="markdown")
    report.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    report.add_argument("--incident", type=int, default=-1, metavar="N",
                        help="which incident of the timeline (0 = first; default: the last)")
    report.set_defaults(func=run_report)
    note = commands.add_parser("note", help="add a note to the incident timeline (shared store included)",
                               parents=[parents.profile])
    note.add_argument("text", nargs="+", help="the note")
    note.add_argument("--timeline", metavar="FILE", help="the timeline file (default under ~/.local/state)")
    note.set_defaults(func=run_note)


def run_report(args: argparse.Namespace) -> int:
    from services.incident.report import build_report, render_markdown
    from services.incident.timeline import read_timeline

    try:
        events = read_timeline(args.timeline)
    except (OSError, ValueError) as error:
        print(f"cockpit report: {error}", file=sys.stderr)
        return 2
    if not Path(args.timeline).exists():
        print(f"cockpit report: {args.timeline}: no such timeline", file=sys.stderr)
        return 2
    try:
        report = build_report(events, incident_index=args.incident)
    except IndexError:
        print(f"cockpit report: no incident number {args.incident} in {args.timeline}", file=sys.stderr)
        return 2
    text = report.to_json() if args.format == "json" else render_markdown(report)
    if args.output:
        Path(args.output).write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def run_note(args: argparse.Namespace) -> int:
    from services.incident.timeline import open_timeline

    profile = load_profile_or_exit(args.profile)
    timeline = open_timeline(profile, args.timeline)
    store = timeline.mirror
    event = timeline.append("note", detail=" ".join(args.text))
    if store is not None and store.pending:
        print("cockpit note: recorded in the file; the shared store is unreachable", file=sys.stderr)
        return 1
    print(f"{event['time']} {event['operator']}: {event['detail']}")
    return 0
