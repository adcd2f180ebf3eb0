"""Processes by PID from /proc: a test counts only what it started, never other runs on the machine."""
from __future__ import annotations

import socket
from pathlib import Path


def cmdline(pid: int) -> str:
    """The command line of ``pid``, or "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def processes_mentioning(*needles: str) -> list[int]:
    """Every process whose command line contains one of ``needles`` (e.g. a private temp directory)."""
    return [int(entry.name) for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and any(needle in cmdline(int(entry.name)) for needle in needles)]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0
