"""``cockpit actions`` lists the catalog; ``cockpit plan`` shows a plan and runs nothing.

Running an action is the cockpit's job (behind its confirmation screen): the command line
only plans, so a plan can be read, reviewed, or pasted as the ``aws`` command it prints.
Exit codes: 0 shown, 2 bad input (action, parameter, target, profile), 1 AWS failed.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from tui.cli.loading import SharedFlags, aws_target, load_profile_or_exit

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def add_parser(commands: Any, parents: SharedFlags) -> None:
    """Add ``actions`` and ``plan`` to the ``cockpit`` sub-command parser."""
    actions = commands.add_parser("actions", help="list the actions the cockpit can run, their parameters and risk")
    actions.add_argument("--profile", "-p", metavar="FILE", help="the system's profile (TOML); checked if given")
    actions.set_defaults(func=run_actions)
    plan = commands.add_parser(
        "plan", help="show what an action would change and the equivalent aws command; runs nothing",
        description="Values are JSON when they parse (600, true, null, {\"A\": \"1\"}), text otherwise.",
        parents=[parents.profile, parents.aws])
    plan.add_argument("action", help="an action id, e.g. lambda.set-timeout (see: cockpit actions)")
    plan.add_argument("target", help="what it acts on, e.g. a function name")
    plan.add_argument("params", nargs="*", metavar="NAME=VALUE", help="the action's parameters")
    plan.set_defaults(func=run_plan)


def parse_params(words: list[str]) -> dict[str, Any]:
    """``["timeout=600", "reason=flapping"]`` → ``{"timeout": 600, "reason": "flapping"}``."""
    from services.errors import BadInput

    params: dict[str, Any] = {}
    for word in words:
        name, equals, text = word.partition("=")
        if not equals or not _NAME.match(name):
            raise BadInput(f"{word!r}: parameters are NAME=VALUE")
        try:
            params[name] = json.loads(text)
        except ValueError:
            params[name] = text
    return params


def run_actions(args: argparse.Namespace) -> int:
    from services.actions.catalog import CATALOG, describe_action

    if args.profile:
        load_profile_or_exit(args.profile)  # a wrong profile is reported and exits 2, as everywhere
    for action in CATALOG.values():
        print(describe_action(action))
    return 0


def run_plan(args: argparse.Namespace) -> int:
    from services.errors import BadInput, SourceError

    profile = load_profile_or_exit(args.profile)
    try:
        from services.actions.catalog import build_action
        from services.aws.session import AwsSession

        action = build_action(AwsSession(aws_target(args, profile.aws)), args.action, args.target,
                              parse_params(args.params))
        plan = action.plan()
    except BadInput as error:
        print(f"cockpit plan: {error}", file=sys.stderr)
        return 2
    except SourceError as error:
        print(f"cockpit plan: {error}", file=sys.stderr)
        return 1
    print(format_plan(plan))
    return 0


def format_plan(plan: Any) -> str:
    """The plan as text: what, where, risk, each field before → after, notes, then the command."""
    from services.actions.common import format_value
    from services.redact import MASK, looks_secret

    def shown(name: str, value: Any) -> str:
        return MASK if looks_secret(name) and value is not None else format_value(value)

    lines = [f"action:  {plan.action_id}", f"target:  {plan.target}", f"summary: {plan.summary}",
             f"risk:    {plan.risk}" + (" · reversible" if plan.reversible else " · cannot be undone")]
    if plan.risk.needs_typed_target:
        lines.append(f"         running it asks you to type {plan.target!r}")
    lines.append("changes:")
    lines += [f"  {change.field}: {shown(change.field, change.before)} → {shown(change.field, change.after)}"
              for change in plan.changes]
    lines += [f"note:    {note}" for note in plan.notes]
    lines += ["equivalent command:", plan.command]
    return "\n".join(lines)
