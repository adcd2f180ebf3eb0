"""PostgreSQL dump and restore: runbook 003's ``backup-db.sh`` and "Restore from Backup", confirmed.

``postgres.dump`` runs the server package's ``pg_dump`` (custom format, compressed) into the
cockpit's backup directory as ``<db>-YYYYmmdd-HHMMSS.dump`` (UTC), with each table's row count
saved next to it, counted in the dump's own snapshot; dumps older than the profile's
``[postgres] backup_retention_days`` are removed once the new one reads back (the plan lists them).

``postgres.restore`` first dumps what it is about to replace (its undo restores that), then
``pg_restore --clean --if-exists --single-transaction`` from a dump (default: the newest); verify
compares each table's rows with the dump's counts and runs runbook 003's integrity query.

Targets name the DSN's database (``sentrascan``). The plan's command is what runs, word for
word, except the password: the tools get it in ``PGPASSWORD``, never on their command line.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from services.actions import postgres_dumps as dumps
from services.actions.base import Action, FieldChange, Plan, Risk, Verification
from services.actions.common import ParamsModel
from services.actions.engines import postgres_source
from services.engines.postgres import PostgresSource
from services.errors import BadInput, SourceError
from services.formatting import age, human_bytes
from services.sources import Sources

DEFAULT_RETENTION_DAYS = 7
PASSWORD_NOTE = ("The password is passed in PGPASSWORD, never on the command line: to paste the command, "
                 "export PGPASSWORD first (or use ~/.pgpass).")
ESTIMATES = """
SELECT schemaname || '.' || relname AS name, n_live_tup AS rows FROM pg_stat_user_tables ORDER BY n_live_tup DESC, 1
"""
OTHER_SESSIONS = """
SELECT count(*) AS n FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


def _stamp(name: str, database: str) -> datetime:
    match = dumps._pattern(database).match(name)
    assert match is not None  # names are checked (checked_name / new_dump_name) before they get here
    return datetime.strptime(match.group("stamp"), dumps.STAMP).replace(tzinfo=UTC)


def _rows_text(counts: dict[str, int | None], limit: int = 8) -> str:
    shown = [f"{name} {'absent' if rows is None else rows}" for name, rows in list(counts.items())[:limit]]
    more = len(counts) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


class DumpParams(ParamsModel):
    file: str | None = Field(default=None, description="default: DB-YYYYmmdd-HHMMSS.dump (UTC)")
    retention_days: int | None = Field(default=None, ge=1, le=3650,
                                       description="older dumps are removed after a good dump; "
                                                   "default: [postgres] backup_retention_days (7)")


class RestoreParams(ParamsModel):
    dump: str | None = Field(default=None, description="a dump in the backup directory (file name) or a path; "
                                                       "default: the newest")
    safety_dump: str | None = Field(default=None, description="the current state is dumped there first (undo "
                                                              "restores it); default: DB-pre-restore-YYYYmmdd-HHMMSS.dump")


class _DumpAction(Action):
    target_kind = "database (the DSN's, e.g. sentrascan)"

    @property
    def source(self) -> PostgresSource:
        return postgres_source(self.session)

    def tools(self) -> tuple[str, str]:
        """``pg_dump`` and ``pg_restore`` of the server's major version."""
        major = dumps.server_major(self.source)
        return dumps.client_tool("pg_dump", major), dumps.client_tool("pg_restore", major)

    def own_file(self, name: str | None, database: str, *, safety: bool = False) -> Path:
        """A new dump's path: the given name (which must not exist) or a fresh dated one."""
        folder = dumps.backup_dir()
        if name is None:
            return folder / dumps.new_dump_name(database, datetime.now(UTC), safety=safety)
        path = folder / dumps.checked_name(name, database, self.id)
        if path.exists():
            raise BadInput(f"{self.id}: {path} exists already; leave the name empty for a new one")
        return path


class Dump(_DumpAction):
    id = "postgres.dump"
    title = "Dump the database (pg_dump, compressed) into the backup directory; remove expired dumps"
    risk = Risk.LOW

    Params = DumpParams

    @property
    def args(self) -> DumpParams:
        assert isinstance(self.params, DumpParams)  # build() validated them with Params
        return self.params

    def retention(self) -> int:
        if self.args.retention_days is not None:
            return int(self.args.retention_days)
        if isinstance(self.session, Sources):
            return self.session.postgres_backup_retention_days
        return DEFAULT_RETENTION_DAYS

    def plan(self) -> Plan:
        source = self.source
        database = dumps.database_name(source, self.target, self.id)
        pg_dump, _ = self.tools()
        conn = dumps.connection(source)
        path = self.own_file(self.args.file, database)
        days = self.retention()
        existing = dumps.dumps_of(database)
        old = dumps.expired(existing, _stamp(path.name, database), days)
        changes = [FieldChange("dump", None, path.name),
                   FieldChange(f"dumps of {database}", len(existing), len(existing) + 1 - len(old))]
        if old:
            changes.append(FieldChange(f"older than {days} d", ", ".join(dump.name for dump in old), "(removed)"))
        size = source.query_sync("pg_database_size", "SELECT pg_database_size(current_database()) AS bytes")[0]["bytes"]
        estimates = {row["name"]: int(row["rows"]) for row in source.query_sync("pg_stat_user_tables", ESTIMATES)}
        notes = (f"Into {path.parent}; custom format, compressed (pg_restore reads it: postgres.restore).",
                 f"Database {database}: {human_bytes(size)}, {len(estimates)} table(s), about: {_rows_text(dict(estimates))}.",
                 "The cockpit adds --snapshot=<the snapshot of the transaction that counts each table's rows>: "
                 f"the counts saved in {path.name}.json are exactly the dump's.",
                 f"Older than {days} days, removed once the new dump reads back: "
                 + (", ".join(dump.name for dump in old) if old else "none") + ". Removed dumps cannot be recovered.",
                 "Reads only: the application keeps running (DDL waits until the dump ends).",
                 PASSWORD_NOTE)
        return Plan(self.id, self.target, {"file": path.name, "retention_days": days}, tuple(changes), self.risk,
                    dumps.command_line(dumps.dump_argv(pg_dump, conn, path)),
                    f"Dump {database} ({human_bytes(size)}) to {path.name}"
                    + (f"; remove {len(old)} dump(s) older than {days} days" if old else ""),
                    reversible=False, notes=notes)

    def run(self, plan: Plan) -> dict[str, Any]:
        source = self.source
        database = dumps.database_name(source, self.target, self.id)
        pg_dump, pg_restore = self.tools()
        conn = dumps.connection(source)
        path = self.own_file(plan.params["file"], database)
        counts = dumps.take_dump(source, dumps.dump_argv(pg_dump, conn, path), conn, path)
        listed = dumps.listed_tables(source, pg_restore, path)
        unlisted = sorted(set(counts) - set(listed))
        if unlisted:  # keep the older dumps: this one is not a backup of everything
            raise SourceError(f"pg_restore --list does not show the data of {', '.join(unlisted)} in {path.name}")
        removed = []
        for dump in dumps.expired(dumps.dumps_of(database), _stamp(path.name, database), int(plan.params["retention_days"])):
            if dump.name in self._planned_removals(plan):  # only what the plan showed
                dumps.remove_dump(dump.path)
                removed.append(dump.name)
        return {"dump": path.name, "size": path.stat().st_size, "tables": len(counts), "rows": sum(counts.values()),
                "removed": removed}

    @staticmethod
    def _planned_removals(plan: Plan) -> set[str]:
        return {name for change in plan.changes if change.field.startswith("older than ")
                for name in str(change.before).split(", ")}

    def verify(self, plan: Plan) -> Verification:
        database = dumps.database_name(self.source, self.target, self.id)
        path = dumps.backup_dir() / plan.params["file"]
        if not path.is_file():
            return Verification(False, f"{path.name} is not there", {"dump": None})
        dump = dumps.read_dump(path, database)
        listed = dumps.listed_tables(self.source, self.tools()[1], path)
        left = sorted(name for name in self._planned_removals(plan) if (path.parent / name).exists())
        observed: dict[str, Any] = {"dump": path.name, "size": dump.size, "tables": dump.counts,
                                    f"dumps of {database}": len(dumps.dumps_of(database))}
        if dump.counts is None:
            return Verification(False, f"{path.name} has no row counts next to it", observed)
        missing = sorted(set(dump.counts) - set(listed))
        if missing or left:
            problems = ([f"pg_restore --list shows no data of {', '.join(missing)}"] if missing else []) + (
                [f"still there: {', '.join(left)}"] if left else [])
            return Verification(False, "; ".join(problems), observed)
        return Verification(True, f"{path.name}: {human_bytes(dump.size)}; pg_restore --list reads it "
                                  f"({len(listed)} tables' data); rows: {_rows_text(dict(dump.counts))}", observed)


class Restore(_DumpAction):
    id = "postgres.restore"
    title = "Restore the database from a dump (pg_restore --clean), after dumping what it replaces"
    risk = Risk.DESTRUCTIVE
    volatile: frozenset[str] = frozenset()
    """The per-table row counts now (the application may be writing): set by ``plan``."""

    Params = RestoreParams

    @property
    def args(self) -> RestoreParams:
        assert isinstance(self.params, RestoreParams)  # build() validated them with Params
        return self.params

    def resolved(self, plan: Plan) -> Restore:
        """This action with the plan's resolved parameters (the dump chosen, the safety dump named)."""
        return Restore(self.session, self.target, RestoreParams.model_validate(plan.params))

    def chosen(self, database: str) -> dumps.DumpFile:
        given = self.args.dump
        if given is None:
            candidates = [dump for dump in dumps.dumps_of(database) if not dump.safety]
            if not candidates:
                raise BadInput(f"{self.id}: no dump of {database} in {dumps.backup_dir()}: take one with postgres.dump")
            return candidates[-1]
        path = Path(given) if "/" in given else dumps.backup_dir() / given
        if not path.is_file():
            raise BadInput(f"{self.id}: there is no dump {given!r} ({path})")
        dump = dumps.read_dump(path, database)
        if dump.database not in (None, database):
            raise BadInput(f"{self.id}: {path.name} is a dump of {dump.database}, not of {database}")
        return dump

    def _commands(self, conn: dumps.Connection, dump: Path, safety: Path) -> tuple[list[str], list[str]]:
        pg_dump, pg_restore = self.tools()
        return (dumps.dump_argv(pg_dump, conn, safety),
                [pg_restore, "--clean", "--if-exists", "--single-transaction", f"--dbname={conn.conninfo}", str(dump)])

    def _tables(self, dump: dumps.DumpFile) -> list[str]:
        try:
            return dumps.listed_tables(self.source, self.tools()[1], dump.path)
        except SourceError as error:
            raise BadInput(f"{self.id}: {dump.name} is not a dump pg_restore can read ({error})") from None

    def plan(self) -> Plan:
        source = self.source
        database = dumps.database_name(source, self.target, self.id)
        dump = self.chosen(database)
        tables = self._tables(dump)
        expected: dict[str, int | None] = dict(dump.counts) if dump.counts is not None else dict.fromkeys(tables)
        now = dumps.current_counts(source, list(expected))
        safety = self.own_file(self.args.safety_dump, database, safety=True)
        conn = dumps.connection(source)
        save, restore = self._commands(conn, dump.path, safety)
        changes = [FieldChange(f"rows {name}", now[name], rows if rows is not None else "(as dumped)")
                   for name, rows in expected.items()]
        self.volatile = frozenset(change.field for change in changes)
        changes.append(FieldChange("safety dump", None, safety.name))
        others = int(source.query_sync("pg_stat_activity", OTHER_SESSIONS)[0]["n"])
        notes = [f"From {dump.path}: taken {dump.taken:%Y-%m-%d %H:%M:%S} UTC ({age(dump.taken)} ago), "
                 f"{human_bytes(dump.size)}, {len(tables)} table(s)"
                 + ("." if dump.counts is not None else "; no row counts were saved with it (made outside the cockpit): "
                    "verify checks that its tables are there."),
                 f"First the current state is dumped to {safety.name}: undo restores it.",
                 "--clean --if-exists drops and re-creates every object the dump holds, in one transaction (all or "
                 "nothing): rows written since the dump are gone from the database. Tables the dump does not hold stay.",
                 "Verify: each table's rows against the dump's counts, and runbook 003's integrity query: "
                 f"{dumps.INTEGRITY}.",
                 PASSWORD_NOTE]
        if others:
            notes.insert(2, f"{others} other session(s) are connected to {database}: runbook 003 stops the API first "
                            "(docker-compose stop api); the restore waits for their locks.")
        params = {"dump": dump.name if dump.path.parent == dumps.backup_dir() else str(dump.path),
                  "safety_dump": safety.name}
        return Plan(self.id, self.target, params, tuple(changes), self.risk,
                    f"{dumps.command_line(save)} && {dumps.command_line(restore)}",
                    f"Restore {database} from {dump.name} (taken {age(dump.taken)} ago), after dumping it to {safety.name}",
                    reversible=True, notes=tuple(notes))

    def run(self, plan: Plan) -> dict[str, Any]:
        source = self.source
        database = dumps.database_name(source, self.target, self.id)
        dump = self.resolved(plan).chosen(database)
        safety = self.own_file(plan.params["safety_dump"], database, safety=True)
        conn = dumps.connection(source)
        save, restore = self._commands(conn, dump.path, safety)
        dumps.take_dump(source, save, conn, safety)
        dumps.run_tool(source, restore, conn.env(), "pg_restore")
        return {"safety_dump": safety.name, "restored_from": dump.name}

    def verify(self, plan: Plan) -> Verification:
        source = self.source
        database = dumps.database_name(source, self.target, self.id)
        dump = self.resolved(plan).chosen(database)
        expected = dump.counts
        now = dumps.current_counts(source, list(expected) if expected is not None else self._tables(dump))
        observed: dict[str, Any] = {f"rows {name}": rows for name, rows in now.items()}
        problems = [f"{name} has {plain(now[name])} rows, the dump {rows}" for name, rows in (expected or {}).items()
                    if now[name] != rows]
        problems += [f"{name} is missing" for name, rows in now.items() if rows is None and expected is None]
        check = dumps.integrity(source)
        if check is not None:
            observed["integrity"] = f"{check['scans']} scans, {check['unique_scans']} unique scan_id"
            if check["scans"] != check["unique_scans"]:
                problems.append(f"integrity: {check['scans']} scans but {check['unique_scans']} unique scan_id")
        if problems:
            return Verification(False, "; ".join(problems), observed)
        detail = f"rows as in {dump.name}: {_rows_text(dict(now))}"
        if check is not None:
            detail += f"; runbook 003 integrity: {observed['integrity']}"
        return Verification(True, detail, observed)

    def inverse(self, plan: Plan) -> Action | None:
        return Restore.build(self.session, self.target, {"dump": plan.params["safety_dump"]})


def plain(value: Any) -> str:
    return "(none)" if value is None else str(value)


ACTIONS: tuple[type[Action], ...] = (Dump, Restore)
