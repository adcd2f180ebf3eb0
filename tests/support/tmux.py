"""The one tmux harness: a real terminal for the cockpit as a process (``tmux`` fixture).

Each test gets a private tmux server on its own socket (``-S``, in a directory of its
own; no user config), so it never sees, nor can kill, another run's sessions; the
server and everything in its panes are ended when the test ends. Tests using the fixture are marked ``tmux``.
"""
from __future__ import annotations

import shlex
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest


class TmuxSession:
    """One detached session: what its pane shows, keys typed into it, its shell's PID."""

    def __init__(self, server: Tmux, name: str) -> None:
        self.server = server
        self.name = name

    def capture(self, *, styled: bool = False) -> str:
        """The pane's visible text (``styled``: with its escape sequences, ``capture-pane -e``)."""
        return self.server.run("capture-pane", "-p", *(["-e"] if styled else []), "-t", self.name).stdout

    def send(self, *keys: str, literal: bool = False) -> None:
        """tmux key names (``Enter``, ``C-p``, ``q``), or ``literal`` text typed as is."""
        self.server.run("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys, check=True)

    @property
    def pane_pid(self) -> int:
        return int(self.server.run("list-panes", "-t", self.name, "-F", "#{pane_pid}", check=True).stdout.split()[0])

    def kill(self) -> None:
        """Close the session: its pane's processes get SIGHUP, as when an SSH connection drops."""
        self.server.run("kill-session", "-t", self.name)


class Tmux:
    """A private tmux server; ``start`` opens a session running a shell command."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="cockpit-tmux-"))  # short: a socket path has ~100 bytes
        self.socket = self.directory / "socket"

    def run(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-S", str(self.socket), "-f", "/dev/null", *args], capture_output=True,
                              text=True, check=check, timeout=30)

    def start(self, command: str, *, size: tuple[int, int] = (120, 40), env: Mapping[str, str] | None = None,
              unset: Iterable[str] = (), keep: bool = True) -> TmuxSession:
        """Run ``command`` in a new session of ``size`` (columns, rows).

        ``env``/``unset`` are applied on the command line (``env -u NAME NAME=VALUE``): tmux sets
        TERM and COLORTERM for its panes itself. With ``keep`` the pane outlives the command and
        shows ``EXITED <code>``; without, the command replaces the pane's shell (``exec``).
        """
        prefix = ["env", *(arg for name in unset for arg in ("-u", name)),
                  *(f"{name}={value}" for name, value in (env or {}).items())]
        line = shlex.join(prefix) + " " + command if len(prefix) > 1 else command
        line = f"{line}; echo EXITED $?; sleep 60" if keep else f"exec {line}"
        session = TmuxSession(self, f"cockpit-{uuid.uuid4().hex[:8]}")
        self.run("new-session", "-d", "-s", session.name, "-x", str(size[0]), "-y", str(size[1]), line, check=True)
        return session

    def close(self) -> None:
        self.run("kill-server")  # this test's own server only (its socket), and whatever runs in its panes
        shutil.rmtree(self.directory, ignore_errors=True)  # tmux leaves its socket behind


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    """A private tmux server for this test (marks the test ``tmux``)."""
    assert shutil.which("tmux"), "tmux is required: run `bash .ci/system-deps`"
    server = Tmux()
    try:
        yield server
    finally:
        server.close()
