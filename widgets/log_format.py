"""How a log line is shown: pure functions shared by the tail view and ``cockpit tail``.

No Textual here. Messages are text: control characters (ANSI escapes included) become
visible ``\\xNN`` escapes, lone surrogates (undecodable bytes) become U+FFFD, so nothing in
a log line can move the cursor, recolour the terminal or crash the renderer.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

_DURATION = re.compile(r"\bDuration: ([\d.]+) ms")
_MEMORY_SIZE = re.compile(r"Memory Size: (\d+) MB")
_MEMORY_USED = re.compile(r"Max Memory Used: (\d+) MB")
_LAMBDA_STREAM = re.compile(r"^\d{4}/\d{2}/\d{2}/\[[^\]]*\]([0-9a-f]{6,})$")


def short_stream(stream: str, width: int = 8) -> str:
    """Lambda's ``2024/01/01/[$LATEST]3f2a…`` -> ``3f2a9c01``; others: their tail, ``…`` cut."""
    match = _LAMBDA_STREAM.match(stream)
    if match:
        return match.group(1)[:width]
    if len(stream) <= width:
        return stream
    return "…" + stream[-(width - 1):]


_RUNTIME_LINE = (  # the Python and the Node.js Lambda runtimes' prefixes: level, ISO time, request id
    re.compile(r"\[(?P<level>[A-Z]+)\]\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+(?P<request>[0-9a-f-]{36})\s+(?P<text>.*)", re.DOTALL),
    re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+Z\s+(?P<request>[0-9a-f-]{36})\s+(?P<level>[A-Z]+)\s+(?P<text>.*)", re.DOTALL),
)
_START_END = re.compile(r"(?P<what>START|END) RequestId: (?P<request>[0-9a-f-]{36})(?: Version: (?P<version>\S+))?\s*")


def compact_runtime_line(message: str) -> str | None:
    """A Lambda runtime line in fewer cells for a narrow view: ``[INFO] 82f0779d Scanning …``.

    The row's own time replaces the ISO timestamp; the request id keeps its first 8
    characters (enough to match START, END and REPORT). None for any other line.
    """
    for pattern in _RUNTIME_LINE:
        match = pattern.fullmatch(message)
        if match:
            return f"[{match['level']}] {match['request'][:8]} {match['text']}"
    match = _START_END.fullmatch(message)
    if match:
        return " ".join(part for part in (match["what"], match["request"][:8], match["version"]) if part)
    return None


def fold_report(message: str) -> str | None:
    """A Lambda ``REPORT`` line as ``⏱ 287,412 ms · 412/512 MB``; None for any other line."""
    if not message.startswith("REPORT RequestId:"):
        return None
    match = _DURATION.search(message)
    if not match:
        return None
    text = f"⏱ {float(match.group(1)):,.0f} ms"
    used, size = _MEMORY_USED.search(message), _MEMORY_SIZE.search(message)
    if used and size:
        text += f" · {used.group(1)}/{size.group(1)} MB"
    elif size:
        text += f" · {size.group(1)} MB"
    if "Init Duration" in message:
        text += " · cold start"
    return text


def pretty_json(message: str) -> str | None:
    """The message re-indented when it is (or ends with) a JSON object; None otherwise."""
    start = message.find("{")
    if start < 0 or not message.rstrip().endswith("}"):
        return None
    try:
        value = json.loads(message[start:])
    except ValueError:
        return None
    prefix = message[:start].rstrip()
    body = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
    return f"{prefix}\n{body}" if prefix else body


def severity(message: str) -> str:
    """``error``, ``warning``, ``info``, ``timeout``, ``meta`` (START/END/REPORT) or ``""``."""
    head = message[:400]
    if "Task timed out" in head:
        return "timeout"
    if _SEVERE.search(head):
        return "error"
    if _WARN.search(head):
        return "warning"
    if head.startswith(("START RequestId", "END RequestId", "REPORT RequestId")):
        return "meta"
    if _INFO.search(head):
        return "info"
    return ""


_SEVERE = re.compile(r"\b(ERROR|FATAL|CRITICAL|Error|Exception|Traceback|AccessDenied|NoSuchKey|Failed)\b"
                     r"|\"level\"\s*:\s*\"(error|ERROR|fatal|FATAL)\"")
_WARN = re.compile(r"\bWARN(ING)?\b|\"level\"\s*:\s*\"(warn|WARN|warning|WARNING)\"")
_INFO = re.compile(r"\bINFO\b|\"level\"\s*:\s*\"(info|INFO)\"")


@dataclass(frozen=True, slots=True)
class TailLine:
    """One event as the tail shows it: ``timestamp`` in epoch seconds, ``source`` a short label."""

    timestamp: float
    source: str
    message: str
    stream: str = ""
    event_id: str = ""
    group: str = ""


class LineFilter:
    """Substring (case-insensitive) or regular-expression match; ``error`` for a bad regex."""

    def __init__(self, text: str, regex: bool) -> None:
        self.text = text
        self.regex = regex
        self.error = ""
        try:
            self.pattern = re.compile(text if regex else re.escape(text), re.IGNORECASE)
        except re.error as error:
            self.error = f"bad regex: {error}"
            self.pattern = re.compile(re.escape(text), re.IGNORECASE)

    def matches(self, line: TailLine) -> bool:
        return self.pattern.search(line.message) is not None
