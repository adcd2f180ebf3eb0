"""``cockpit demo``: the cockpit on a local AWS emulator (and engines) playing a runbook scenario."""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from tui.cli.launch import configure_logging, run_cockpit
from tui.cli.loading import SharedFlags, load_profile_or_raise, peek_profile


def add_parser(commands: Any, parents: SharedFlags) -> None:
    demo = commands.add_parser("demo", help="the cockpit on a local AWS emulator playing a runbook scenario",
                               parents=[parents.cockpit])
    demo.add_argument("--scenario", default=None, help="which scenario (default: sentra-scanner)")
    demo.add_argument("--list", action="store_true", help="list the scenarios and exit")
    demo.add_argument("--env", action="store_true",
                      help='print the running demo\'s endpoint, credentials and profile: eval "$(cockpit demo --env)"')
    demo.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from services.demo.catalog import (
        DEFAULT_SCENARIO,
        SCENARIO_NAMES,
        scenario_profile_path,
    )

    if args.list:
        for name, summary in SCENARIO_NAMES.items():
            print(f"{name:24} {summary}")
        return 0
    if args.env:
        from services.demo.process import running_demo_env
        from services.errors import Unreachable

        try:
            print(running_demo_env(), end="")
        except Unreachable as error:
            print(f"cockpit demo --env: {error.args[0]}", file=sys.stderr)
            return 1
        return 0
    scenario = args.scenario or DEFAULT_SCENARIO
    if scenario not in SCENARIO_NAMES:
        print(f"cockpit demo: unknown scenario {scenario!r}; known: {', '.join(SCENARIO_NAMES)}", file=sys.stderr)
        return 2
    path = str(scenario_profile_path(scenario))
    name, _ = peek_profile(path)
    configure_logging(args.log)
    # The emulator accepts any credentials; never send real ones to it.
    os.environ.update({"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_SESSION_TOKEN": "demo"})
    os.environ.pop("AWS_PROFILE", None)
    from services.demo.process import EmulatorProcess

    emulator = EmulatorProcess(scenario)  # starts seeding in its own process while the UI draws
    try:
        from services.aws.session import AwsTarget
        from services.incident.timeline import demo_timeline_path
        from tui.app import CockpitApp

        def connect(target: AwsTarget) -> AwsTarget:
            endpoint = emulator.wait_endpoint()
            app.notify('another shell reaches this demo after: eval "$(cockpit demo --env)"', timeout=8)
            return replace(target, endpoint_url=endpoint)

        def prepare_engines() -> dict[str, str]:
            ready = emulator.wait_ready()  # the scenario's engines are up: their DSN / DOCKER_HOST reach the profile
            os.environ.update(ready.get("env") or {})
            return ready.get("unavailable") or {}

        app = CockpitApp(partial(load_profile_or_raise, path), AwsTarget(region="us-east-1"), read_only=args.read_only,
                         connect=connect, system_name=name, prepare_engines=prepare_engines,
                         timeline_path=Path(args.timeline) if args.timeline else demo_timeline_path(name), theme=args.theme)
        app.on_hang_up.append(emulator.stop)
        return run_cockpit(app)
    finally:
        emulator.stop()
