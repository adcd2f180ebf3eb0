"""What ``postgres.dump`` and ``postgres.restore`` share: the client tools, the DSN, the dump files.

- the server package's own ``pg_dump``/``pg_restore`` (``/usr/lib/postgresql/N/bin``, the
  server's major version first; ``$COCKPIT_PG_DUMP``/``$COCKPIT_PG_RESTORE`` override);
- the DSN as a command line may show it: every part but the password, which the tools get
  in ``PGPASSWORD`` (never in ``argv``, which any local user can read in ``ps``);
- the dumps under ``<state dir>/backups/postgres/``: ``<db>-YYYYmmdd-HHMMSS.dump`` (UTC) with a
  sidecar ``….dump.json`` holding each table's row count, counted in the dump's own snapshot.
"""
from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.engines.postgres import PostgresSource
from services.errors import BadInput, SourceError

TOOL_SECONDS = 3600.0
"""The longest a pg_dump or pg_restore may take before the action fails (a big database, a slow disk)."""
STAMP = "%Y%m%d-%H%M%S"
SAFETY = "pre-restore-"
"""The dump ``postgres.restore`` takes of the database it is about to overwrite (its undo)."""

TABLES = """
SELECT n.nspname || '.' || c.relname AS name, format('%I.%I', n.nspname, c.relname) AS quoted
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY 1
"""


# ------------------------------------------------------------------ client tools
def _major(bindir: str) -> int | None:
    match = re.search(r"/postgresql/(\d+)/bin$", bindir)
    return int(match.group(1)) if match else None


def client_tool(name: str, server_major: int | None = None) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: the server's version when installed, else the newest.

    pg_dump refuses a server newer than itself, so an older one is never chosen over a newer one.
    """
    override = os.environ.get(f"COCKPIT_{name.upper()}")
    if override:
        if os.access(override, os.X_OK):
            return override
        raise BadInput(f"COCKPIT_{name.upper()}={override} is not an executable")
    installed = sorted((path for path in glob.glob(f"/usr/lib/postgresql/*/bin/{name}") if os.access(path, os.X_OK)),
                       key=lambda path: _major(os.path.dirname(path)) or 0)
    exact = [path for path in installed if _major(os.path.dirname(path)) == server_major]
    newer = [path for path in installed if server_major is None or (_major(os.path.dirname(path)) or 0) > server_major]
    found = (exact or newer[:1] or [shutil.which(name) or ""])[0]
    if not found:
        raise BadInput(f"{name} is not installed (the PostgreSQL client tools: apt-get install postgresql-client)")
    return found


def server_major(source: PostgresSource) -> int:
    rows = source.query_sync("server version", "SELECT current_setting('server_version_num')::int / 10000 AS major")
    return int(rows[0]["major"])


# ------------------------------------------------------------------ the DSN
@dataclass(frozen=True)
class Connection:
    """The DSN split for a command line: ``conninfo`` without the password, the password apart."""

    conninfo: str
    password: str | None
    database: str

    def env(self) -> dict[str, str]:
        """The environment of a client tool: the password in PGPASSWORD (or libpq's own lookup: .pgpass)."""
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


def connection(source: PostgresSource) -> Connection:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    dsn = os.environ.get(source.dsn_env)
    if not dsn:
        raise BadInput(f"environment variable {source.dsn_env} is not set (it holds the database's DSN)")
    try:
        parts = conninfo_to_dict(dsn)
    except Exception as error:
        raise BadInput(f"${source.dsn_env} is not a valid DSN: {source.scrub(str(error))}") from None
    if "sslpassword" in parts:
        raise BadInput(f"${source.dsn_env} has an sslpassword: the client tools could only take it on their command line")
    password = parts.pop("password", None)
    return Connection(make_conninfo(**{k: str(v) for k, v in parts.items()}),
                      None if password is None else str(password), str(parts.get("dbname") or parts.get("user") or ""))


def database_name(source: PostgresSource, target: str, action_id: str) -> str:
    """The DSN's database, which must be the one the target names."""
    name = str(source.query_sync("current_database", "SELECT current_database() AS name")[0]["name"])
    if target.strip() != name:
        raise BadInput(f"{action_id}: the profile's database is {name!r}, not {target.strip()!r}")
    return name


def command_line(argv: list[str]) -> str:
    return " ".join(shlex.quote(word) for word in argv)


def run_tool(source: PostgresSource, argv: list[str], env: dict[str, str], what: str) -> str:
    """Run a client tool; its failure is a ``SourceError`` with the end of its stderr, DSN scrubbed."""
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=TOOL_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SourceError(f"{what}: still running after {TOOL_SECONDS:.0f} s; stopped", operation=what) from None
    except OSError as error:
        raise SourceError(f"{what}: cannot run {argv[0]}: {error.strerror}", operation=what) from None
    if done.returncode != 0:
        raise SourceError(f"{what} exited with {done.returncode}: {source.scrub(done.stderr.strip()[-400:])}",
                          operation=what)
    return done.stdout


# ------------------------------------------------------------------ dump files
def backup_dir() -> Path:
    from services.paths import state_dir

    folder = state_dir() / "backups" / "postgres"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pattern(database: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(database)}-(?P<safety>{SAFETY})?(?P<stamp>\d{{8}}-\d{{6}})(-(?P<sequence>\d+))?\.dump$")


@dataclass(frozen=True)
class DumpFile:
    path: Path
    taken: datetime
    """When the dump was taken: the sidecar's time, else the file name's stamp, else the file's mtime."""
    safety: bool
    """Taken by a restore, of what it overwrote."""
    counts: dict[str, int] | None
    """Rows per table (``schema.table``) from the sidecar; None without one (a dump made elsewhere)."""
    database: str | None
    sequence: int = 1
    """``-2``, ``-3``… of dumps taken within the same second."""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def sidecar_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".json")


def read_dump(path: Path, database: str | None = None) -> DumpFile:
    match = _pattern(database).match(path.name) if database else None
    taken = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    if match:
        taken = datetime.strptime(match.group("stamp"), STAMP).replace(tzinfo=UTC)
    counts = recorded_database = None
    try:
        sidecar = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
        counts = {str(name): int(count) for name, count in sidecar["tables"].items()}
        taken = datetime.fromisoformat(sidecar["taken"])
        recorded_database = str(sidecar.get("database") or "") or None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no sidecar, or not ours: the dump is still restorable, without counts to compare
    sequence = int(match.group("sequence") or 1) if match else 1
    return DumpFile(path, taken, bool(match and match.group("safety")), counts, recorded_database, sequence)


def dumps_of(database: str) -> list[DumpFile]:
    """This database's dumps in the backup directory, oldest first."""
    pattern = _pattern(database)
    found = [read_dump(path, database) for path in backup_dir().iterdir() if pattern.match(path.name)]
    return sorted(found, key=lambda dump: (dump.taken.replace(microsecond=0), dump.sequence, dump.name))


def new_dump_name(database: str, now: datetime, *, safety: bool = False) -> str:
    """``<db>-YYYYmmdd-HHMMSS.dump``, with ``-2``… when that second's name is taken already."""
    base = f"{database}-{SAFETY if safety else ''}{now.astimezone(UTC).strftime(STAMP)}"
    folder = backup_dir()
    for attempt in range(1, 1000):
        name = f"{base}{f'-{attempt}' if attempt > 1 else ''}.dump"
        if not (folder / name).exists():
            return name
    raise BadInput(f"too many dumps named {base}*")


def checked_name(name: str, database: str, what: str) -> str:
    """A dump file name given as a parameter: one of ours for this database, inside the backup directory."""
    if not _pattern(database).match(name):
        raise BadInput(f"{what}: {name!r} is not a dump name for {database} ({database}-YYYYmmdd-HHMMSS.dump)")
    return name


def expired(dumps: list[DumpFile], stamp: datetime, days: int) -> list[DumpFile]:
    """The dumps older than ``days`` at ``stamp`` (the new dump's time, so planning twice agrees)."""
    limit = stamp - timedelta(days=days)
    return [dump for dump in dumps if dump.taken < limit]


def remove_dump(dump: Path) -> None:
    dump.unlink(missing_ok=True)
    sidecar_path(dump).unlink(missing_ok=True)


# ------------------------------------------------------------------ taking a dump
def dump_argv(tool: str, conn: Connection, path: Path) -> list[str]:
    return [tool, "--format=custom", "--compress=6", f"--file={path}", f"--dbname={conn.conninfo}"]


def take_dump(source: PostgresSource, argv: list[str], conn: Connection, path: Path) -> dict[str, int]:
    """Run ``argv`` (a ``dump_argv``) in the snapshot of a transaction that counts every table's rows.

    The transaction exports its snapshot and pg_dump reads that very snapshot (``--snapshot``),
    so the counts in the sidecar are the dump's, whatever the application writes meanwhile.
    """
    db = source.connect_sync()
    try:
        db.execute("SET statement_timeout = 0")  # counting a big table takes what it takes
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot, taken = db.execute("SELECT pg_export_snapshot(), now()").fetchone()
        counts = {name: int(db.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])  # quoted by format('%I')
                  for name, quoted in db.execute(TABLES).fetchall()}
        try:
            run_tool(source, [*argv, f"--snapshot={snapshot}"], conn.env(), "pg_dump")
        except SourceError:
            path.unlink(missing_ok=True)  # a partial dump must not pass for a backup
            raise
        db.execute("COMMIT")
    except SourceError:
        raise
    except Exception as error:
        raise source.translate(error, "pg_dump") from None
    finally:
        db.close()
    write_sidecar(path, conn.database, taken, counts)
    return counts


def write_sidecar(path: Path, database: str, taken: datetime, counts: dict[str, int]) -> None:
    sidecar = sidecar_path(path)
    partial = sidecar.with_name(sidecar.name + ".partial")
    partial.write_text(json.dumps({"database": database, "taken": taken.astimezone(UTC).isoformat(),
                                   "dump": path.name, "tables": counts}, indent=2), encoding="utf-8")
    partial.replace(sidecar)


def listed_tables(source: PostgresSource, tool: str, path: Path) -> list[str]:
    """The tables whose data the archive holds (``schema.table``), read by ``pg_restore --list``."""
    listing = run_tool(source, [tool, "--list", str(path)], dict(os.environ), "pg_restore --list")
    tables = []
    for line in listing.splitlines():
        match = re.match(r"^\d+; \d+ \d+ TABLE DATA (\S+) (.+) (\S+)$", line)
        if match:
            tables.append(f"{match.group(1)}.{match.group(2)}")
    return tables


def current_counts(source: PostgresSource, tables: list[str] | None = None) -> dict[str, int | None]:
    """Rows per table now (``None``: no such table); every table of the database when ``tables`` is None."""
    db = source.connect_sync()
    try:
        db.execute("SET statement_timeout = 0")
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one snapshot for every count
        present: dict[str, str] = dict(db.execute(TABLES).fetchall())
        wanted = list(present) if tables is None else tables
        counts: dict[str, int | None] = {}
        for name in wanted:
            quoted = present.get(name)
            counts[name] = None if quoted is None else int(db.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])
        db.execute("COMMIT")
        return counts
    except Exception as error:
        raise source.translate(error, "count rows") from None
    finally:
        db.close()


def integrity(source: PostgresSource) -> dict[str, int] | None:
    """Runbook 003's integrity query (``scans`` vs distinct ``scan_id``); None where there is no such table."""
    rows = source.query_sync("information_schema.columns", "SELECT 1 FROM information_schema.columns "
                             "WHERE table_schema = 'public' AND table_name = 'scans' AND column_name = 'scan_id'")
    if not rows:
        return None
    found = source.query_sync("integrity", INTEGRITY)[0]
    return {"scans": int(found["scans"]), "unique_scans": int(found["unique_scans"])}


INTEGRITY = "SELECT COUNT(*) AS scans, COUNT(DISTINCT scan_id) AS unique_scans FROM scans"
"""Runbook 003, "Data Corruption", step 3 ("Verify data integrity"), verbatim."""
