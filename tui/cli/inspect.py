"""``cockpit inspect RESOURCE_ID``: one of the profile's ``[[resources]]`` read now, headless.

The same reader as the resources screen. Text: a header, the fields aligned (detail lines
under their value), then the findings (ok / WARN / FAIL). ``--json``: one object with
``id``, ``type``, ``name``, ``status``, ``fields`` and ``findings``.
Exit codes: 0 read, no failing finding; 1 a failing finding (a resource not found
included) or the read failed; 2 bad input (profile, unknown resource id).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tui.cli.loading import SharedFlags, aws_target, load_profile_or_exit

if TYPE_CHECKING:  # the AWS layer loads when the command runs, not to parse its flags
    from services.aws.resources import ResourceReading

_LEVEL_WORDS = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


def add_parser(commands: Any, parents: SharedFlags) -> None:
    inspect = commands.add_parser("inspect", help="read one resource of the profile: configuration and findings",
                                  parents=[parents.profile, parents.aws])
    inspect.add_argument("resource", metavar="RESOURCE_ID", help="the id of one of the profile's [[resources]]")
    inspect.add_argument("--json", action="store_true", help="one JSON object: id, type, name, fields, findings")
    inspect.set_defaults(func=run_inspect)


def run_inspect(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    profile = load_profile_or_exit(args.profile)
    spec = next((resource for resource in profile.resources if resource.id == args.resource), None)
    if spec is None:
        known = ", ".join(resource.id for resource in profile.resources) or "none"
        print(f"cockpit inspect: no resource {args.resource!r} in {args.profile} (its resources: {known})",
              file=sys.stderr)
        return 2
    from services.aws.resources import read_resource
    from services.aws.session import AwsSession
    from services.errors import SourceError

    try:
        reading = read_resource(AwsSession(aws_target(args, profile.aws)), spec)
    except SourceError as error:
        print(f"cockpit inspect: {spec.id} ({spec.type} {spec.title}): {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(reading.as_json(), ensure_ascii=False), file=out)
    else:
        out.write(render_text(reading))
    return 1 if reading.level == "fail" else 0


def render_text(reading: ResourceReading) -> str:
    lines = [f"{reading.id}  {reading.type} {reading.name}  {reading.status}"]
    width = max((len(item.label) for item in reading.fields), default=0)
    for item in reading.fields:
        lines.append(f"  {item.label:<{width}}  {item.value}")
        lines.extend(f"  {'':<{width}}    {line}" for line in item.detail)
    for finding in reading.findings:
        lines.append(f"  {_LEVEL_WORDS[finding.level]}  {finding.text}")
        if finding.offer is not None:
            lines.append(f"        fix: cockpit plan {finding.offer.action} {finding.offer.target} "
                         + " ".join(f"{key}={value}" for key, value in finding.offer.params))
    return "\n".join(lines) + "\n"
