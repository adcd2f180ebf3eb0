"""``cockpit run --profile F`` (or just ``cockpit --profile F``): the cockpit on a system's profile."""
from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import Any

from tui.cli.launch import configure_logging, run_cockpit
from tui.cli.loading import SharedFlags, aws_target, load_profile_or_raise, peek_profile


def add_parser(commands: Any, parents: SharedFlags) -> None:
    run = commands.add_parser("run", help="open the cockpit on a profile (the default command)",
                              parents=[parents.profile, parents.aws, parents.cockpit])
    run.set_defaults(func=run_app)


def run_app(args: argparse.Namespace) -> int:
    name, aws = peek_profile(args.profile)  # the first frame does not wait for pydantic
    configure_logging(args.log)
    from tui.app import CockpitApp

    app = CockpitApp(partial(load_profile_or_raise, args.profile), aws_target(args, aws), read_only=args.read_only,
                     system_name=name, timeline_path=Path(args.timeline) if args.timeline else None, theme=args.theme)
    return run_cockpit(app)
