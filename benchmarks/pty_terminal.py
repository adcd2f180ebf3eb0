"""A program on a pseudo-terminal of a given size, as a responder's SSH session runs it.

The benchmarks read what the program writes (bytes per second, time to the first frame).
Headless ``run_test`` writes nothing to a terminal, so this is the only way to see those
bytes. A real terminal answers queries; a program that asks and hears nothing may wait
for the answer, so ``read`` answers the ones a Textual app can send:

- cursor position (``CSI 6 n``) and primary/secondary device attributes (``CSI c``,
  ``CSI > c``), as a VT220-class terminal would;
- DEC private mode reports (``CSI ? n $ p``, Textual asks about synchronized output and
  in-band resize) with "not recognised": the app then writes what it writes to a terminal
  that ignores the query, which is how the figures in the design notes were measured;
- the foreground/background colour queries (``OSC 10/11 ; ?``), black on white.

The program's state (``XDG_STATE_HOME``: timeline, logs) goes to a fresh folder unless the
caller's ``env`` names one: an incident left open in the user's own timeline would change
what the cockpit draws, and a benchmark reads nothing outside the repository.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import tempfile
import termios
import time
from collections.abc import Mapping
from typing import Self

# Only the queries; everything else the program writes is output to count, not to answer.
QUERY = re.compile(rb"\x1b\[(?:(?P<cursor>6n)|(?P<primary>0?c)|>(?P<secondary>0?c)|\?(?P<mode>\d+)\$p)"
                   rb"|\x1b\](?P<colour>1[01]);\?(?:\x07|\x1b\\)")
# The start of a sequence a read cut off: looked at again together with the next read.
UNFINISHED = re.compile(rb"\x1b(?:\[[0-9;?>]*\$?|\][0-9;?]*)?")
ESCAPES = re.compile(rb"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


def visible(data: bytes) -> bytes:
    """``data`` without escape sequences: the text a person would see (in no particular place)."""
    return ESCAPES.sub(b"", data)


class PtyProgram:
    """``command`` started on a ``cols``×``rows`` pseudo-terminal with ``TERM=term``.

    Use as a context manager, or call ``stop``; ``read`` returns what it wrote.
    """

    def __init__(self, command: list[str], *, cols: int = 120, rows: int = 40, term: str = "xterm-256color",
                 env: Mapping[str, str] | None = None) -> None:
        self.command = command
        self.rows = rows
        self.exited = False  # the program closed the terminal (it ended, or crashed)
        self.queries_answered = 0
        self._unfinished = b""
        child_env = dict(os.environ if env is None else env)
        self._state_home: str | None = None
        if "XDG_STATE_HOME" not in child_env:
            self._state_home = tempfile.mkdtemp(prefix="cockpit-bench-state-")
            child_env["XDG_STATE_HOME"] = self._state_home
        child_env.update(TERM=term, COLUMNS=str(cols), LINES=str(rows))
        size = struct.pack("HHHH", rows, cols, 0, 0)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: never returns into the benchmark's code
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, size)  # before exec: the program's first look sees the size
                os.execvpe(command[0], command, child_env)
            except BaseException as error:
                os.write(2, f"cannot run {command[0]}: {error}\n".encode())
            finally:
                os._exit(127)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def read(self, timeout: float) -> bytes:
        """What the program wrote within ``timeout`` seconds (``b""`` if nothing); its queries are answered."""
        if self.exited:
            return b""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: every process holding the terminal has closed it
            chunk = b""
        if not chunk:
            self.exited = True
            return b""
        self._answer(chunk)
        return chunk

    def _answer(self, chunk: bytes) -> None:
        data = self._unfinished + chunk
        replies = [self._reply(match) for match in QUERY.finditer(data)]
        start = data.rfind(b"\x1b")
        tail = data[start:] if start >= 0 and len(data) - start <= 32 else b""
        self._unfinished = tail if UNFINISHED.fullmatch(tail) else b""
        if replies:
            self.queries_answered += len(replies)
            with contextlib.suppress(OSError):  # the program is going away; nobody waits for the answer
                os.write(self.fd, b"".join(replies))

    def _reply(self, match: re.Match[bytes]) -> bytes:
        if match["cursor"]:
            return f"\x1b[{self.rows};1R".encode()
        if match["primary"]:
            return b"\x1b[?62;22c"  # VT220 with ANSI colour
        if match["secondary"]:
            return b"\x1b[>1;10;0c"
        if match["mode"]:
            return f"\x1b[?{int(match['mode'])};0$y".encode()  # 0: mode not recognised
        colour = "0000/0000/0000" if match["colour"] == b"10" else "ffff/ffff/ffff"
        return f"\x1b]{int(match['colour'])};rgb:{colour}\x1b\\".encode()

    def stop(self) -> None:
        """``q`` first (the cockpit then stops its emulator itself), then SIGTERM, then SIGKILL.

        The signals go to the program's whole session (``pty.fork`` made it the leader), so
        children it started are not left running; the terminal is drained meanwhile, since a
        program blocked on writing to a full terminal cannot exit.
        """
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            os.write(self.fd, b"q")
        for signum in (None, signal.SIGTERM, signal.SIGKILL):
            if signum is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signum)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if self.exited:
                    time.sleep(0.05)  # poll: the terminal is closed, the process not yet reaped
                else:
                    self.read(0.05)
                try:
                    done, _ = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:
                    done = self.pid
                if done:
                    self._close()
                    return
        self._close()

    def _close(self) -> None:
        os.close(self.fd)
        self.fd = -1
        if self._state_home:
            shutil.rmtree(self._state_home, ignore_errors=True)
