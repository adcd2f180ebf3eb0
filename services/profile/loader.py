"""Read a profile file and turn every failure into ``file:line: field: what was expected``."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from services.profile.model import LocatedError, LocatedErrors, Profile

Loc = tuple[str | int, ...]


class ProfileError(Exception):
    """A profile that cannot be used; ``lines`` are ready to print, one problem each."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def load_profile(path: str | Path) -> Profile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ProfileError([f"{path}: cannot read profile: {reason}"]) from None
    return parse_profile(text, str(path))


def parse_profile(text: str, filename: str = "<profile>") -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        where = f"{filename}:{match.group(1)}:{match.group(2)}" if match else filename
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) if match else message
        raise ProfileError([f"{where}: invalid TOML: {message}"]) from None
    try:
        return Profile.model_validate(data)
    except ValidationError as error:
        lines = TomlLines(text)
        details = [one for item in error.errors() for one in _each(dict(item))]
        raise ProfileError([_describe(filename, lines, data, one) for one in details]) from None


def _each(item: dict[str, Any]) -> list[dict[str, Any]]:
    """An error item per problem: a cross-field check reports all it found in one item."""
    cause = (item.get("ctx") or {}).get("error")
    if isinstance(cause, LocatedErrors):
        return [{**item, "ctx": {"error": located}} for located in cause.errors]
    return [item]


def _describe(filename: str, lines: TomlLines, data: dict[str, Any], item: dict[str, Any]) -> str:
    loc: Loc = tuple(part for part in item["loc"] if not (isinstance(part, str) and part.startswith("function-")))
    message = item["msg"]
    cause = (item.get("ctx") or {}).get("error")
    if isinstance(cause, LocatedError):
        loc = loc + cause.loc
        message = str(cause)
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    kind = item["type"]
    if kind == "extra_forbidden":
        message = f"unknown field {loc[-1]!r}"
        allowed = _allowed_fields(loc[:-1])
        if allowed:
            message += f" (expected one of: {', '.join(allowed)})"
    elif kind == "missing":
        message = "required field is missing"
    elif ("input" in item and kind not in ("model_type",) and not isinstance(item["input"], (dict, list))
          and repr(item["input"]) not in message):  # a message that names the value already
        message += f", got {item['input']!r}"
    line = lines.line_of(loc, missing=kind == "missing", value=_value_at(loc, data))
    where = f"{filename}:{line}" if line else filename
    return f"{where}: {_field_name(loc, data) or 'profile'}: {message}"


def _value_at(loc: Loc, data: dict[str, Any]) -> Any:
    node: Any = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _field_name(loc: Loc, data: dict[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            label = f"[{part}]"
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                label = f"[{part}] (id {entry['id']!r})"
            parts.append(label)
            node = entry
        else:
            parts.append(("." if parts else "") + part)
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts)


def _allowed_fields(loc: Loc) -> list[str]:
    cls: Any = Profile
    for part in loc:
        if isinstance(part, int):
            continue
        field = cls.model_fields.get(part) if hasattr(cls, "model_fields") else None
        if field is None:
            return []
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        for candidate in list(candidates):
            candidates.extend(getattr(candidate, "__args__", ()))
        cls = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)
                    and c.model_config.get("extra") == "forbid"), None)
        if cls is None:
            return []
    return sorted(cls.model_fields)


class TomlLines:
    """Where each table and key of a TOML document starts, by its concrete path.

    ``[[metrics]]`` entries are numbered as tomllib numbers them, so a pydantic
    location such as ``("metrics", 3, "alert")`` maps back to a line.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r'^\s*([A-Za-z0-9_\-."\' ]+?)\s*=')

    def __init__(self, text: str) -> None:
        self.where: dict[Loc, int] = {}
        self.text = text.splitlines()
        counts: dict[Loc, int] = {}
        current: Loc = ()
        in_multiline: str | None = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw
            if in_multiline:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = self._HEADER.match(line)
            if header:
                names = [name.strip().strip('"\'') for name in header.group(2).split(".")]
                parent = self._resolve(tuple(names[:-1]), counts)
                if header.group(1) == "[[":
                    key = (*parent, names[-1])
                    counts[key] = counts.get(key, -1) + 1
                    current = (*key, counts[key])
                else:
                    current = (*parent, names[-1])
                self.where.setdefault(current, number)
                continue
            assignment = self._KEY.match(line)
            if assignment:
                names = [name.strip().strip('"\'') for name in assignment.group(1).split(".")]
                path = current
                for name in names:
                    path = (*path, name)
                    self.where.setdefault(path, number)
                value = line[assignment.end():]
                for quote in ('"""', "'''"):
                    if value.count(quote) % 2 == 1:
                        in_multiline = quote

    def _item_line(self, start: int, value: str) -> int | None:
        """The line, from an array's key on, that holds the string ``value`` (arrays may span lines)."""
        quoted = (json.dumps(value, ensure_ascii=False), f"'{value}'")
        for number in range(start, min(start + 200, len(self.text) + 1)):
            line = self.text[number - 1]
            if any(text in line for text in quoted):
                return number
            if number > start and self._HEADER.match(line):
                return None
        return None

    @staticmethod
    def _resolve(names: Loc, counts: dict[Loc, int]) -> Loc:
        path: Loc = ()
        for name in names:
            path = (*path, name)
            if path in counts:
                path = (*path, counts[path])
        return path

    def line_of(self, loc: Loc, *, missing: bool = False, value: Any = None) -> int | None:
        probe = loc[:-1] if missing else loc
        if probe and isinstance(probe[-1], int) and isinstance(value, str) and probe[:-1] in self.where:
            found = self._item_line(self.where[probe[:-1]], value)
            if found:
                return found
        while probe:
            if probe in self.where:
                return self.where[probe]
            probe = probe[:-1]
        return None
