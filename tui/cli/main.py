"""``cockpit``: the command line. Run the cockpit on a profile, the demo, or check a profile.

Each command module adds its sub-parser (``add_parser(commands, parents)``) and sets
``func``, the function that runs it; this module only builds the parser and dispatches.
Exit codes: 0 fine, 1 a source failed (check), 2 bad input (profile, arguments).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Collection

from tui.cli import actions, check, demo, incident, inspect, loading, query, run, tail

# In the order ``cockpit --help`` lists them; run is the default command.
COMMAND_MODULES = (run, demo, check, tail, inspect, query, actions, incident)


def build_parser() -> argparse.ArgumentParser:
    return _parser_and_commands()[0]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, commands = _parser_and_commands()
    if not argv:
        parser.print_help()
        return 2
    if argv[0] not in commands and argv[0] not in ("-h", "--help"):
        argv = ["run", *argv]  # `cockpit --profile F` opens the cockpit
    args = parser.parse_args(argv)
    return args.func(args)


def _parser_and_commands() -> tuple[argparse.ArgumentParser, Collection[str]]:
    parser = argparse.ArgumentParser(prog="cockpit", description="A terminal cockpit for incident response.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    parents = loading.shared_flags()
    for module in COMMAND_MODULES:
        module.add_parser(commands, parents)
    return parser, commands.choices


if __name__ == "__main__":
    raise SystemExit(main())
