"""Issue "Recovery", item 3: ``postgres.dump`` and ``postgres.restore`` on the real PostgreSQL of tests/engines.py.

Each test gets a database of its own (the session's server is shared), seeded like runbook 003's
SentraScan (``scans`` with ``scan_id``, ``findings``). Everything runs through the executor, the
plan's command is run by bash with the real client tools to show it does what the cockpit does,
and the password is looked for (and must not be found) in the plans and on the timeline.
"""
from __future__ import annotations

import itertools
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from services.actions import postgres_dumps as dumps
from services.actions.base import Risk
from services.actions.catalog import build_action
from services.actions.executor import ActionExecutor, Confirmation
from services.engines.postgres import PostgresSource
from services.errors import BadInput, NotConfirmed
from services.incident.timeline import Timeline, read_timeline
from services.profile import parse_profile
from services.sources import Sources
from tests.support.engines import PG_PASSWORD

ENV = "RECOVERY_PG_DSN"
SEED = """
CREATE TABLE scans (id bigserial PRIMARY KEY, scan_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
                    passed boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE findings (id bigserial PRIMARY KEY, scan_id bigint NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
                       title text NOT NULL);
INSERT INTO scans (passed) SELECT g % 7 <> 0 FROM generate_series(1, 400) AS g;
INSERT INTO findings (scan_id, title) SELECT 1 + g % 400, 'finding ' || g FROM generate_series(1, 900) AS g;
"""
_numbers = itertools.count()


@pytest.fixture
def database(pg_server, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, seeded database; its DSN (with the password) in $RECOVERY_PG_DSN."""
    name = f"recovery_{os.getpid()}_{next(_numbers)}"
    admin = pg_server.dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dsn = pg_server.dsn.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SEED)
    monkeypatch.setenv(ENV, dsn)
    yield dsn
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _name(dsn: str) -> str:
    return dsn.rsplit("/", 1)[1]


def _executor(tmp_path: Path, retention: int = 7) -> ActionExecutor:
    sources = Sources(postgres=PostgresSource(ENV), postgres_backup_retention_days=retention)
    return ActionExecutor(sources, Timeline(tmp_path / "timeline.jsonl", profile="SentraScan"), read_only=False,
                          profile_name="SentraScan")


def _counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        return {table: int(conn.execute(f"SELECT count(*) AS n FROM {table}").fetchall()[0][0])
                for table in ("scans", "findings")}


def _content(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return (conn.execute("SELECT id, scan_id::text, passed FROM scans ORDER BY id").fetchall()
                + conn.execute("SELECT id, scan_id, title FROM findings ORDER BY id").fetchall())


def _corrupt(dsn: str) -> None:
    """Runbook 003's "Data Corruption": rows lost and rows changed."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM scans WHERE id > 300")
        conn.execute("UPDATE findings SET title = 'garbage' WHERE id % 3 = 0")


def _sql_of(dump: Path) -> list[str]:
    """The archive as SQL, without the lines that differ between any two dumps (comments, the \\restrict key)."""
    tool = dumps.client_tool("pg_restore")
    text = subprocess.run([tool, "--file=-", str(dump)], capture_output=True, text=True, check=True, timeout=120).stdout
    return [line for line in text.splitlines() if not line.startswith(("--", "\\restrict", "\\unrestrict"))]


def _copy_rows(dump: Path) -> dict[str, int]:
    """Rows of each table's COPY block in the archive: what the dump really holds."""
    counts: dict[str, int] = {}
    table = None
    for line in _sql_of(dump):
        match = re.match(r"^COPY (\S+) ", line)
        if match:
            table, counts[match.group(1)] = match.group(1), 0
        elif line == "\\.":
            table = None
        elif table is not None:
            counts[table] += 1
    return counts


def _bash(command: str, dsn: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "PGPASSWORD": PG_PASSWORD}
    return subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=300)


def _no_password(*texts: str) -> None:
    for text in texts:
        assert PG_PASSWORD not in text


# ------------------------------------------------------------------ postgres.dump
def test_a_dump_is_dated_read_back_and_counted(database, tmp_path) -> None:
    executor = _executor(tmp_path)
    db = _name(database)
    action, plan = executor.prepare("postgres.dump", db, {})
    assert plan.risk is Risk.LOW and not plan.reversible
    assert re.fullmatch(rf"{db}-\d{{8}}-\d{{6}}\.dump", plan.params["file"])
    assert plan.command.startswith("/usr/lib/postgresql/") and " --format=custom " in plan.command
    assert f"dbname={db}" in plan.command and "host=127.0.0.1" in plan.command and "user=postgres" in plan.command
    _no_password(plan.command, *plan.notes)
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert outcome.ok, outcome.error or outcome.verification
    path = dumps.backup_dir() / plan.params["file"]
    assert path.is_file() and path.parent == Path(os.environ["XDG_STATE_HOME"]) / "incident-cockpit/backups/postgres"
    sidecar = dumps.read_dump(path, db)
    assert sidecar.counts == {"public.scans": 400, "public.findings": 900}
    assert _copy_rows(path) == {"public.scans": 400, "public.findings": 900}
    assert outcome.verification is not None and "pg_restore --list reads it" in outcome.verification.detail
    steps = [event["step"] for event in read_timeline(tmp_path / "timeline.jsonl")]
    assert steps == ["planned", "confirmed", "started", "succeeded", "verified"]
    _no_password((tmp_path / "timeline.jsonl").read_text())


def test_the_counts_are_taken_in_the_dumps_own_snapshot(database, tmp_path) -> None:
    """A writer inserts all through the dump: the sidecar's counts still equal the rows the archive holds."""
    stop = threading.Event()
    written = threading.Event()

    def write() -> None:
        with psycopg.connect(database, autocommit=True) as conn:
            while not stop.is_set():
                conn.execute("INSERT INTO scans DEFAULT VALUES")
                written.set()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        assert written.wait(30)
        executor = _executor(tmp_path)
        action, plan = executor.prepare("postgres.dump", _name(database), {})
        outcome = executor.execute(action, plan, Confirmation(plan))
    finally:
        stop.set()
        writer.join(30)
    assert outcome.ok, outcome.error
    path = dumps.backup_dir() / plan.params["file"]
    counted = dumps.read_dump(path, _name(database)).counts
    assert counted is not None and counted["public.scans"] > 400  # the writer's rows are in it
    assert _copy_rows(path) == counted
    assert _counts(database)["scans"] > counted["public.scans"]  # and it went on writing after the snapshot


def test_older_dumps_are_listed_in_the_plan_and_removed_after_a_good_dump(database, tmp_path) -> None:
    db = _name(database)
    folder = dumps.backup_dir()
    now = datetime.now(UTC)
    old = [f"{db}-{(now - timedelta(days=days)):%Y%m%d-%H%M%S}.dump" for days in (10, 4)]
    other = f"other-{(now - timedelta(days=10)):%Y%m%d-%H%M%S}.dump"  # another database's: never touched
    for name in (*old, other):
        (folder / name).write_bytes(b"not really a dump")
        (folder / (name + ".json")).write_text("{}")
    executor = _executor(tmp_path, retention=3)
    action, plan = executor.prepare("postgres.dump", db, {})
    changes = {change.field: (change.before, change.after) for change in plan.changes}
    assert changes["older than 3 d"] == (", ".join(old), "(removed)")
    assert changes[f"dumps of {db}"] == (2, 1)
    assert plan.params["retention_days"] == 3
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert outcome.ok, outcome.error or outcome.verification
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [plan.params["file"], plan.params["file"] + ".json", other, other + ".json"])
    assert outcome.result["removed"] == old


def test_retention_comes_from_the_profile_and_defaults_to_seven_days() -> None:
    with_it = parse_profile('[system]\nname = "S"\n\n[postgres]\ndsn_env = "X"\nbackup_retention_days = 30\n')
    assert Sources.for_profile(with_it).postgres_backup_retention_days == 30
    without = parse_profile('[system]\nname = "S"\n\n[postgres]\ndsn_env = "X"\n')
    assert Sources.for_profile(without).postgres_backup_retention_days == 7
    assert build_action(Sources(postgres=PostgresSource("X")), "postgres.dump", "db", {}).retention() == 7  # type: ignore[attr-defined]


def test_the_dump_command_makes_the_same_archive(database, tmp_path) -> None:
    db = _name(database)
    executor = _executor(tmp_path)
    action, plan = executor.prepare("postgres.dump", db, {"file": f"{db}-20261201-010101.dump"})
    assert executor.execute(action, plan, Confirmation(plan)).ok
    _, by_hand = executor.prepare("postgres.dump", db, {"file": f"{db}-20261201-020202.dump"})
    done = _bash(by_hand.command, database)
    assert done.returncode == 0, done.stderr
    cockpit, shell = (dumps.backup_dir() / name for name in (plan.params["file"], by_hand.params["file"]))
    assert _sql_of(shell) == _sql_of(cockpit)
    assert any(line.startswith("COPY public.scans ") for line in _sql_of(shell))


# ------------------------------------------------------------------ postgres.restore
def _dumped(database: str, tmp_path: Path) -> str:
    executor = _executor(tmp_path)
    action, plan = executor.prepare("postgres.dump", _name(database), {})
    assert executor.execute(action, plan, Confirmation(plan)).ok
    return plan.params["file"]


def test_a_restore_plans_from_the_newest_dump_and_needs_the_typed_name(database, tmp_path) -> None:
    db = _name(database)
    first = _dumped(database, tmp_path)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("INSERT INTO scans DEFAULT VALUES")
    newest = _dumped(database, tmp_path)
    assert newest != first
    _corrupt(database)
    executor = _executor(tmp_path)
    action, plan = executor.prepare("postgres.restore", db, {})
    assert plan.risk is Risk.DESTRUCTIVE and plan.params["dump"] == newest
    changes = {change.field: (change.before, change.after) for change in plan.changes}
    assert changes["rows public.scans"] == (300, 401) and changes["rows public.findings"][1] == 900
    assert changes["safety dump"][1].startswith(f"{db}-pre-restore-")
    assert " --clean --if-exists --single-transaction " in plan.command and plan.command.endswith(newest)
    notes = " ".join(plan.notes)
    assert "UTC (" in notes and "KiB" in notes and "2 table(s)" in notes and "SELECT COUNT(*) AS scans" in notes
    _no_password(plan.command, notes)
    with pytest.raises(NotConfirmed):
        executor.execute(action, plan, Confirmation(plan, typed_target="yes"))
    assert _counts(database)["scans"] == 300  # refused: nothing ran


def test_restore_verifies_the_counts_and_the_integrity_query_and_undo_puts_back_what_it_replaced(database,
                                                                                                   tmp_path) -> None:
    db = _name(database)
    _dumped(database, tmp_path)
    good = _content(database)
    _corrupt(database)
    corrupted = _content(database)
    executor = _executor(tmp_path)
    action, plan = executor.prepare("postgres.restore", db, {})
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=db))
    assert outcome.ok, outcome.error or outcome.verification
    assert _content(database) == good
    assert outcome.verification is not None
    assert "runbook 003 integrity: 400 scans, 400 unique scan_id" in outcome.verification.detail
    assert (dumps.backup_dir() / plan.params["safety_dump"]).is_file()
    undo_action, undo_plan = executor.undo(outcome)
    assert undo_plan.params["dump"] == plan.params["safety_dump"] and undo_plan.undoes == "postgres.restore"
    undone = executor.execute(undo_action, undo_plan, Confirmation(undo_plan, typed_target=db))
    assert undone.ok, undone.error or undone.verification
    assert _content(database) == corrupted
    _no_password((tmp_path / "timeline.jsonl").read_text())


def test_restore_verification_fails_when_the_rows_are_not_the_dumps(database, tmp_path) -> None:
    db = _name(database)
    _dumped(database, tmp_path)
    _corrupt(database)
    action = build_action(Sources(postgres=PostgresSource(ENV)), "postgres.restore", db, {})
    plan = action.plan()
    verification = action.verify(plan)  # not run: the corruption is still there
    assert not verification.ok and "public.scans has 300 rows, the dump 400" in verification.detail


def test_the_restore_command_does_what_the_cockpit_does(database, tmp_path) -> None:
    db = _name(database)
    _dumped(database, tmp_path)
    _corrupt(database)
    corrupted = _content(database)
    executor = _executor(tmp_path)
    action, plan = executor.prepare("postgres.restore", db, {})
    assert executor.execute(action, plan, Confirmation(plan, typed_target=db)).ok
    by_cockpit = _content(database)
    _corrupt(database)
    assert _content(database) == corrupted
    _, by_hand = executor.prepare("postgres.restore", db, {})
    done = _bash(by_hand.command, database)
    assert done.returncode == 0, done.stderr
    assert _content(database) == by_cockpit != corrupted
    assert (dumps.backup_dir() / by_hand.params["safety_dump"]).is_file()  # the shell took the safety dump too


def test_a_dump_that_does_not_exist_is_one_line_and_nothing_runs(database, tmp_path) -> None:
    db = _name(database)
    executor = _executor(tmp_path)
    with pytest.raises(BadInput) as none_yet:
        executor.prepare("postgres.restore", db, {})
    assert "no dump of" in str(none_yet.value) and "postgres.dump" in str(none_yet.value)
    with pytest.raises(BadInput) as missing:
        executor.prepare("postgres.restore", db, {"dump": f"{db}-20200101-000000.dump"})
    assert "there is no dump" in str(missing.value) and "\n" not in str(missing.value)
    (dumps.backup_dir() / f"{db}-20200101-000000.dump").write_bytes(b"garbage")
    with pytest.raises(BadInput) as unreadable:
        executor.prepare("postgres.restore", db, {"dump": f"{db}-20200101-000000.dump"})
    assert "not a dump pg_restore can read" in str(unreadable.value)
    with pytest.raises(BadInput) as other:
        executor.prepare("postgres.dump", "not-this-one", {})
    assert f"the profile's database is {db!r}" in str(other.value)
    assert not (tmp_path / "timeline.jsonl").exists() or read_timeline(tmp_path / "timeline.jsonl") == []
