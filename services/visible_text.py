"""Text from the outside world made safe for one screen line: control characters (ANSI escapes
included) become visible ``\\xNN``, lone surrogates U+FFFD, newlines ``⏎``. Rich markup is not
touched here: widgets draw ``Text`` objects, which never interpret it."""
from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def visible(text: str) -> str:
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\t", "  ").replace("\r\n", "\n").replace("\n", " ⏎ ").replace("\r", " ⏎ ")
    return _CONTROL.sub(lambda m: "\ufffd" if 0xD800 <= ord(m.group(0)) <= 0xDFFF else f"\\x{ord(m.group(0)):02x}", text)
