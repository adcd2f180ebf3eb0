"""A corpus of broken profiles: every one is a clear error naming file, line and field; exit 2, never a traceback.

The corpus is generated: every field of the contract example is replaced by values of the
wrong type, out-of-range numbers, unicode and control characters, and emptied lists; then
a hand-made table adds what a per-field mutation cannot make (unknown keys, duplicate ids,
expressions naming unknown ids, unreadable and non-UTF-8 files, invalid TOML).
"""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from services.profile import ProfileError, load_profile

EXAMPLE = Path(__file__).parent / "data" / "profile.example.toml"
TEXT = EXAMPLE.read_text()
DATA = tomllib.loads(TEXT)
BAD_VALUES = ['"not a number"', "-1", "1e309", "99999999999999999999999999999", "[]", "{}", "true",
              '"\u202e\u0000\u0007 ☃"', '""']


def _scalar_lines() -> list[tuple[int, str, str]]:
    """(line number, key, value text) of every ``key = value`` line of the example that holds a scalar."""
    found = []
    for number, line in enumerate(TEXT.splitlines()):
        match = re.match(r"^(\w+)\s*=\s*(.+?)\s*(#.*)?$", line)
        if match and not match.group(2).startswith(("[", "{", '"""')):
            found.append((number, match.group(1), match.group(2)))
    return found


def _mutants() -> list[tuple[str, str]]:
    lines = TEXT.splitlines()
    corpus = []
    for number, key, value in _scalar_lines():
        for bad in BAD_VALUES:
            if bad == value:
                continue
            copy = list(lines)
            copy[number] = f"{key} = {bad}"
            corpus.append((f"{number + 1}:{key}={bad[:12]}", "\n".join(copy)))
    return corpus


HAND_MADE = {
    "unknown top-level key": TEXT + "\n[pager]\nphone = 1\n",
    "unknown key in a metric": TEXT.replace('stat = "Maximum"', 'stat = "Maximum"\nthreshold = 3', 1),
    "duplicate metric id": TEXT + '\n[[metrics]]\nid = "duration"\nlabel = "again"\nexpression = "1"\n',
    "expression names an unknown id": TEXT + '\n[[metrics]]\nid = "ghost"\nexpression = "nobody / 2"\n',
    "empty metrics list": re.sub(r"(?m)^\[\[metrics\]\]", "[[metrics_]]", TEXT, count=0) + "\nmetrics = []\n",
    "system is a string": 'system = "x"\n',
    "system name missing": "[system]\ndescription = 'no name'\n",
    "empty file": "",
    "invalid TOML": "[system\nname = 'x'\n",
    "duplicate key (TOML)": "[system]\nname = 'a'\nname = 'b'\n",
    "huge list of metrics": "[system]\nname = 'x'\n" + "".join(
        f"[[metrics]]\nid = 'm{i}'\nnamespace = 'N'\nmetric = 'M'\nstat = 'Sum'\nperiod = -{i}\n" for i in range(300)),
    "unicode id": TEXT.replace('id = "duration"', 'id = "dur\u00e9e\u200b"', 1),
}


def _corpus() -> list[tuple[str, str]]:
    return _mutants() + list(HAND_MADE.items())


def test_the_corpus_is_large_and_mostly_broken() -> None:
    assert len(_corpus()) > 300


@pytest.mark.timeout(300)
def test_every_broken_profile_is_a_clear_error(tmp_path: Path) -> None:
    """``load_profile`` on the whole corpus: a ProfileError with file, line and field; nothing else escapes."""
    rejected = 0
    for index, (name, text) in enumerate(_corpus()):
        path = tmp_path / f"p{index}.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_profile(path)
        except ProfileError as error:
            rejected += 1
            assert error.lines, name
            for line in error.lines:
                assert line.startswith(f"{path}"), (name, line)
                assert "\n" not in line and "Traceback" not in line, (name, line)
                assert len(line) < 2000, (name, len(line))
            if text.strip() and "invalid TOML" not in error.lines[0]:
                assert re.match(rf"{re.escape(str(path))}:\d+: \S", error.lines[0]), (name, error.lines[0])
        # Anything else raised here (TypeError, RecursionError, OverflowError…) fails the test.
    assert rejected >= len(_corpus()) * 0.8  # most mutants are wrong; a few ("" for an optional text) are fine


def test_unreadable_and_non_utf8_profiles(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"[system]\nname = '\xff\xfe'\n")
    directory = tmp_path / "dir.toml"
    directory.mkdir()
    for path in (binary, directory, tmp_path / "missing.toml"):
        with pytest.raises(ProfileError) as caught:
            load_profile(path)
        assert caught.value.lines[0].startswith(f"{path}: cannot read profile"), caught.value.lines


def _sample() -> list[tuple[str, str]]:
    corpus = _corpus()
    return [corpus[i] for i in range(0, len(corpus), max(1, len(corpus) // 6))] + [
        (name, HAND_MADE[name]) for name in ("duplicate metric id", "expression names an unknown id", "invalid TOML")]


@pytest.mark.parametrize("command", ["check", "run"])
def test_the_cli_exits_2_with_one_line_per_problem(command: str, tmp_path: Path) -> None:
    cockpit = Path(sys.executable).with_name("cockpit")
    for index, (name, text) in enumerate(_sample()):
        path = tmp_path / f"s{index}.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_profile(path)
            continue  # an acceptable mutant: nothing to reject
        except ProfileError:
            pass
        result = subprocess.run([str(cockpit), command, "--profile", str(path), "--log", str(tmp_path / "log")],
                                capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert result.returncode == 2, (name, result.returncode, result.stderr[-500:])
        # ``run`` draws its first frame before validating (on the terminal: stderr here), then says why it stopped.
        last = result.stderr[result.stderr.rfind(str(path)):]
        assert "Traceback" not in result.stderr and re.match(rf"{re.escape(str(path))}(:\d+){{0,2}}: ", last), \
            (name, result.stderr[-500:])
