"""What the commands share: their common flags, the profile as the CLI loads it, the AWS target.

A wrong profile is reported the same way by every command: one ``FILE:LINE: field: …``
line per error on stderr, exit 2. Every command that talks to AWS takes the AWS flags
from one parent parser and builds its :class:`AwsTarget` here.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydantic and the AWS layer load when a command needs them, not to parse its flags
    from services.aws.session import AwsTarget
    from services.profile import AwsSpec, Profile


@dataclass(frozen=True)
class SharedFlags:
    """Parent parsers (``add_parser(..., parents=[flags.aws])``): each shared flag is defined once."""

    profile: argparse.ArgumentParser  # --profile FILE, required
    aws: argparse.ArgumentParser  # --region, --endpoint-url, --aws-profile
    cockpit: argparse.ArgumentParser  # the cockpit's own: --read-only, --log, --timeline, --theme


def shared_flags() -> SharedFlags:
    profile = argparse.ArgumentParser(add_help=False)
    profile.add_argument("--profile", "-p", required=True, metavar="FILE", help="the system's profile (TOML)")
    aws = argparse.ArgumentParser(add_help=False)
    aws.add_argument("--region", help="AWS region (overrides the profile)")
    aws.add_argument("--endpoint-url", help="AWS endpoint, e.g. an emulator (overrides the profile)")
    aws.add_argument("--aws-profile", help="AWS named profile (overrides the profile)")
    cockpit = argparse.ArgumentParser(add_help=False)
    cockpit.add_argument("--read-only", action="store_true", help="no action can run; plans are still shown")
    cockpit.add_argument("--log", metavar="FILE", help="the cockpit's own log (default: under ~/.local/state)")
    cockpit.add_argument("--timeline", metavar="FILE",
                         help="the incident timeline (JSON lines; default under ~/.local/state)")
    cockpit.add_argument("--theme", metavar="NAME", help="Textual theme (default ansi-dark: the terminal's colours)")
    return SharedFlags(profile=profile, aws=aws, cockpit=cockpit)


def load_profile_or_exit(path: str) -> Profile:
    """The validated profile; a wrong one is printed (file, line, field) and exits 2."""
    from services.profile import ProfileError, load_profile

    try:
        return load_profile(path)
    except ProfileError as error:
        for line in error.lines:
            print(line, file=sys.stderr)
        raise SystemExit(2) from None


def load_profile_or_raise(path: str) -> Profile:
    """The cockpit's loader: it shows a :class:`ProfileError` itself, after its first frame."""
    from services.profile import load_profile

    return load_profile(path)


def peek_profile(path: str) -> tuple[str, dict[str, Any]]:
    """The system's name and ``[aws]`` table from the TOML alone (fast: no pydantic).

    Full validation happens right after the cockpit's first frame; a file that does not
    even parse gets the full error report now.
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
    load_profile_or_exit(path)  # prints file, line and field, exits 2
    raise SystemExit(2)


def aws_target(args: argparse.Namespace, aws: AwsSpec | Mapping[str, Any] | None) -> AwsTarget:
    """The profile's ``[aws]`` (validated, or as peeked from the TOML) under the AWS flags' overrides."""
    from services.aws.session import AwsTarget

    def configured(name: str) -> Any:
        if aws is None:
            return None
        return aws.get(name) if isinstance(aws, Mapping) else getattr(aws, name)

    return AwsTarget(region=args.region or configured("region"),
                     profile=args.aws_profile or configured("profile"),
                     endpoint_url=args.endpoint_url or configured("endpoint_url"),
                     role_arn=configured("role_arn"))
