"""``cockpit``: the command line. Run the cockpit on a profile, the demo, or check a profile.

Exit codes: 0 fine, 1 a source failed (check), 2 bad input (profile, arguments).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

COMMANDS = ("run", "demo", "check", "tail", "actions", "plan", "report", "note")


def _common(parser: argparse.ArgumentParser, *, profile_required: bool) -> None:
    parser.add_argument("--profile", "-p", required=profile_required, metavar="FILE", help="the system's profile (TOML)")
    parser.add_argument("--region", help="AWS region (overrides the profile)")
    parser.add_argument("--endpoint-url", help="AWS endpoint, e.g. an emulator (overrides the profile)")
    parser.add_argument("--aws-profile", help="AWS named profile (overrides the profile)")
    parser.add_argument("--read-only", action="store_true", help="no action can run; plans are still shown")
    parser.add_argument("--log", metavar="FILE", help="the cockpit's own log (default: under ~/.local/state)")
    parser.add_argument("--timeline", metavar="FILE", help="the incident timeline (JSON lines; default under ~/.local/state)")
    parser.add_argument("--theme", metavar="NAME", help="Textual theme (default ansi-dark: the terminal's colours)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cockpit", description="A terminal cockpit for incident response.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="open the cockpit on a profile (the default command)")
    _common(run, profile_required=True)
    demo = commands.add_parser("demo", help="the cockpit on a local AWS emulator playing a runbook scenario")
    demo.add_argument("--scenario", default=None, help="which scenario (default: sentra-scanner)")
    demo.add_argument("--list", action="store_true", help="list the scenarios and exit")
    demo.add_argument("--read-only", action="store_true", help="no action can run; plans are still shown")
    demo.add_argument("--log", metavar="FILE", help="the cockpit's own log")
    demo.add_argument("--timeline", metavar="FILE", help="the incident timeline (JSON lines)")
    demo.add_argument("--theme", metavar="NAME", help="Textual theme (default ansi-dark: the terminal's colours)")
    check = commands.add_parser("check", help="validate a profile and try each source once")
    _common(check, profile_required=True)
    from tui.cli.tail import add_parser as add_tail_parser

    add_tail_parser(commands)
    from tui.cli.actions import add_parsers as add_action_parsers

    add_action_parsers(commands)
    from tui.cli.incident import add_parsers as add_incident_parsers

    add_incident_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv = ["run", *argv]
    if not argv:
        build_parser().print_help()
        return 2
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return run_demo(args)
    if args.command == "run":
        return run_app(args)
    if args.command == "tail":
        from tui.cli.tail import run_tail

        return run_tail(args)
    if args.command in ("report", "note"):
        from tui.cli.incident import run_note, run_report

        return run_report(args) if args.command == "report" else run_note(args, _load)
    if args.command in ("actions", "plan"):
        from tui.cli.actions import run_actions, run_plan

        return run_actions(args) if args.command == "actions" else run_plan(args)
    profile = _load(args.profile)
    target = _target(profile.aws, args)
    _configure_logging(args.log)
    from tui.cli.check import run_check

    return run_check(profile, target)


def _peek(path: str) -> tuple[str, dict]:
    """The system's name and ``[aws]`` table from the TOML alone (fast: no pydantic).

    Full validation happens right after the first frame; a file that does not even
    parse gets the full error report now.
    """
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        name = data["system"]["name"]
        aws = data.get("aws") or {}
        if isinstance(name, str) and isinstance(aws, dict):
            return name, aws
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        pass
    _load(path)  # prints file, line and field, exits 2
    raise SystemExit(2)


def run_app(args: argparse.Namespace) -> int:
    name, aws = _peek(args.profile)
    _configure_logging(args.log)
    from services.aws.session import AwsTarget
    from tui.app import CockpitApp

    target = AwsTarget(
        region=args.region or aws.get("region"),
        profile=args.aws_profile or aws.get("profile"),
        endpoint_url=args.endpoint_url or aws.get("endpoint_url"),
        role_arn=aws.get("role_arn"),
    )
    path = args.profile
    app = CockpitApp(lambda: _load_or_raise(path), target, read_only=args.read_only, system_name=name,
                     timeline_path=Path(args.timeline) if args.timeline else None, theme=args.theme)
    app.run()
    return _finish(app)


def _finish(app) -> int:
    for line in app.profile_errors:
        print(line, file=sys.stderr)
    return app.return_code or 0


def _load_or_raise(path: str):
    from services.profile import load_profile

    return load_profile(path)


def _load(path: str):  # -> Profile, imported lazily with pydantic
    from services.profile import ProfileError, load_profile

    try:
        return load_profile(path)
    except ProfileError as error:
        for line in error.lines:
            print(line, file=sys.stderr)
        raise SystemExit(2) from None


def _target(aws, args: argparse.Namespace):
    from services.aws.session import AwsTarget

    return AwsTarget(
        region=getattr(args, "region", None) or (aws.region if aws else None),
        profile=getattr(args, "aws_profile", None) or (aws.profile if aws else None),
        endpoint_url=getattr(args, "endpoint_url", None) or (aws.endpoint_url if aws else None),
        role_arn=aws.role_arn if aws else None,
    )


def _configure_logging(path: str | None) -> None:
    """The cockpit logs to a file, never to the terminal it draws on."""
    if path is None:
        from services.paths import state_dir

        path = str(state_dir() / "cockpit.log")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # force: any handler set up before (a library's StreamHandler) would write over the screen
    logging.basicConfig(filename=path, level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run_demo(args: argparse.Namespace) -> int:
    from services.demo.catalog import SCENARIO_NAMES, DEFAULT_SCENARIO, scenario_profile_path

    if args.list:
        for name, summary in SCENARIO_NAMES.items():
            print(f"{name:24} {summary}")
        return 0
    scenario = args.scenario or DEFAULT_SCENARIO
    if scenario not in SCENARIO_NAMES:
        print(f"cockpit demo: unknown scenario {scenario!r}; known: {', '.join(SCENARIO_NAMES)}", file=sys.stderr)
        return 2
    path = str(scenario_profile_path(scenario))
    name, _ = _peek(path)
    _configure_logging(args.log)
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
            return replace(target, endpoint_url=emulator.wait_endpoint())

        def prepare_engines() -> dict[str, str]:
            ready = emulator.wait_ready()  # the scenario's engines are up: their DSN / DOCKER_HOST reach the profile
            os.environ.update(ready.get("env") or {})
            return ready.get("unavailable") or {}

        app = CockpitApp(lambda: _load_or_raise(path), AwsTarget(region="us-east-1"), read_only=args.read_only,
                         connect=connect, system_name=name, prepare_engines=prepare_engines,
                         timeline_path=Path(args.timeline) if args.timeline else demo_timeline_path(name),
                         theme=args.theme)
        app.on_hang_up.append(emulator.stop)
        app.run()
        return _finish(app)
    finally:
        emulator.stop()


if __name__ == "__main__":
    raise SystemExit(main())
