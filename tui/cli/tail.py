"""``cockpit tail GROUP...``: the cockpit's log tail on stdout, for pipes, scripts and tests.

The same ``LogTailSource`` as the logs pane (Live Tail where the endpoint has it, else
exactly-once polling). ``--json`` prints one object per event with its ``eventId``.
Messages are printed with control characters escaped in text mode (a log line cannot
drive the terminal); ``--json`` carries them exactly, JSON-escaped.
Exit codes: 0 fine (or interrupted), 1 the source failed for good, 2 bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from tui.cli.loading import SharedFlags, aws_target, load_profile_or_exit

if TYPE_CHECKING:
    from services.aws.tail_source import TailMode


def add_parser(commands: Any, parents: SharedFlags) -> None:
    tail = commands.add_parser("tail", help="print log events of one or more groups (headless)", parents=[parents.aws])
    tail.add_argument("groups", nargs="*", metavar="GROUP", help="log groups (default: the profile's [[logs]])")
    tail.add_argument("--profile", "-p", metavar="FILE", help="a profile: its [aws], [cockpit] and [[logs]]")
    tail.add_argument("--since", default=None, help="how far back to start, e.g. 30s, 10m, 2h (default 10m)")
    tail.add_argument("--follow", "-f", action="store_true", help="keep printing new events until interrupted")
    tail.add_argument("--filter", dest="filter_pattern", metavar="PATTERN",
                      help="a CloudWatch filter pattern applied by the server, e.g. '?ERROR ?Timeout'")
    tail.add_argument("--json", action="store_true", help="one JSON object per event, with its eventId")
    tail.add_argument("--mode", choices=("auto", "live", "poll"), default="auto",
                      help="auto: Live Tail where supported, else polling; poll: complete mode")
    tail.add_argument("--interval", type=float, default=None, help="seconds between reads (default: logs_poll, 2)")
    tail.add_argument("--lookback", type=float, default=None, help="seconds re-read for late events (default 120)")
    tail.add_argument("--page-size", type=int, default=None, help=argparse.SUPPRESS)
    tail.set_defaults(func=run_tail)


def run_tail(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from services.profile.model import CockpitSettings, duration_seconds

    profile = load_profile_or_exit(args.profile) if args.profile else None
    settings = profile.cockpit if profile else CockpitSettings()
    labels = {log.group: log.title for log in profile.logs} if profile else {}
    groups = list(args.groups) or list(labels)
    if not groups:
        print("cockpit tail: name at least one log group (or a profile with [[logs]])", file=sys.stderr)
        return 2
    try:
        since = duration_seconds(args.since or settings.logs_since)
    except ValueError as error:
        print(f"cockpit tail: --since: {error}", file=sys.stderr)
        return 2
    target = aws_target(args, profile.aws if profile else None)
    from services.aws.session import AwsSession
    from services.aws.tail_source import LogTailSource

    mode: TailMode = args.mode if args.follow else "poll"  # one read of the history: no session to open (choices checked --mode)
    source = LogTailSource(AwsSession(target), groups, mode=mode, since_seconds=since,
                           lookback_seconds=args.lookback or settings.logs_lookback,
                           filter_pattern=args.filter_pattern, page_size=args.page_size)
    interval = args.interval or settings.logs_poll
    try:
        return _loop(source, labels, args, out, interval)
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:  # `cockpit tail … | head`: the reader left
        sys.stderr.close()
        return 0
    finally:
        source.close()


def _loop(source: Any, labels: dict[str, str], args: argparse.Namespace, out: TextIO, interval: float) -> int:
    from services.errors import SourceError
    from tui.flows.polling import backoff_delay

    failures = 0
    while True:
        try:
            batch = source.poll()
        except SourceError as error:
            failures += 1
            if not args.follow or not error.retry:
                print(f"cockpit tail: {error}", file=sys.stderr)
                return 1
            delay = backoff_delay(failures)
            print(f"cockpit tail: {error} · retrying in {delay:.0f}s", file=sys.stderr)
            time.sleep(delay)  # a headless loop: nothing else to serve meanwhile
            continue
        failures = 0
        for event in batch.events:
            out.write(format_json(event) if args.json else format_text(event, labels))
            out.write("\n")
        out.flush()
        if not args.follow:
            return 0
        time.sleep(interval)


def format_json(event: Any) -> str:
    return json.dumps({
        "eventId": event.event_id,
        "group": event.group,
        "logStreamName": event.stream,
        "timestamp": int(event.timestamp.timestamp() * 1000),
        "time": event.timestamp.isoformat(timespec="milliseconds"),
        "ingestionTime": int(event.ingestion_time.timestamp() * 1000) if event.ingestion_time else None,
        "message": event.message,
    }, ensure_ascii=False)


def format_text(event: Any, labels: dict[str, str]) -> str:
    from services.visible_text import visible
    from widgets.log_format import short_stream

    when = event.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    label = labels.get(event.group, event.group)
    return f"{when} {label} {short_stream(event.stream)} {visible(event.message)}"
