"""SentraScan Platform (runbook 003): a compose stack, an API and its PostgreSQL, health at :8200.

No AWS (``aws = False``): ``seed`` starts real engines on loopback instead (see
``services.demo.engines``): a throwaway PostgreSQL cluster holding the platform's tables
(``scans``, ``findings``, ``baselines``, ``api_keys``), podman's Docker-API service
running the compose project ``sentrascan`` and the API's health endpoint. Its ``db``
service IS that PostgreSQL: the container runs the host's ``postgres`` binary (``/usr``
mounted read-only, host network, the cluster's directory mounted) on the cluster's port,
so ``docker.restart sentrascan-db-1`` restarts the database the PostgreSQL pane watches
and the container's log is the server's own. Its ``api`` is a busybox loop writing the
API's log lines. Without podman the cluster runs on the host and the containers pane says
why. What could not start is in ``unavailable`` (engine → why); where the cockpit finds
the others is in ``env``.

The incident, from runbook 003's *Database Issues* ("query timeouts, database lock
errors"): the nightly retention job opens a transaction, marks the running scans
``archiving`` and hangs, idle in transaction. The API's workers, which record scan
progress on those rows, wait on its row locks: the blocking tree grows, the API's log
shows 504s, health goes ``degraded`` then ``down`` (503). Terminating the job's backend
(``postgres.terminate``) rolls it back: the workers proceed and health is ``ok`` again.
``findings`` has autovacuum off and thousands of dead rows (``postgres.vacuum``). An API
key is being used from an unknown address until it is revoked (``postgres.revoke-api-key``).
The incident comes back ``recur_seconds`` after it was resolved.

The recovery episode, runbook 003's *Data Corruption*: at seed the nightly backup is taken
(``postgres.dump``, into the cockpit's backup directory, as ``backup-db.sh`` does); at
``corrupt_after`` seconds an import runs twice without the unique constraint and 40 scans
appear twice (the runbook's integrity check: scans ≠ unique scan_id). Its playbook stops
the api (its writers stop with the container), restores the dump (``postgres.restore``,
verified by the integrity check and the dump's row counts), and starts the api again.
"""
from __future__ import annotations

import contextlib
import logging
import os
import random
import secrets
import shutil
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from services.demo.engines import EngineFailed, EngineMissing, run_container, start_podman, start_postgres, wait_until
from services.demo.health_server import HealthServer
from services.demo.scenarios.sentrascan_data import API_SCRIPT, BLOAT, SCHEMA

log = logging.getLogger("cockpit.demo")

PROJECT = "sentrascan"
API_CONTAINER = f"{PROJECT}-api-1"
DB_CONTAINER = f"{PROJECT}-db-1"
DSN_ENV = "SENTRASCAN_PG_DSN"
API_KEY_ENV = "SENTRASCAN_API_KEY"  # the runbook's $SENTRASCAN_API_KEY: its status checks send it as X-API-Key
HEALTH_PORT = 8200  # the runbook's `curl http://localhost:8200/api/v1/health`; the profile names it
JOB_APPLICATION = "sentrascan-retention-job"
API_APPLICATION = "sentrascan-api"
LEAKED_KEY = "ak_7d41e09c"  # legacy-jenkins: used from an unknown address until revoked
HOT_SCANS = 5  # the running scans whose progress the API workers record


class SentraScanPlatform:
    name = "sentrascan-platform"
    profile = "sentrascan-platform.toml"
    aws = False

    def __init__(self, clients: dict[str, Any] | None = None, *, rng: random.Random | None = None,
                 health_port: int = HEALTH_PORT, calm_seconds: float = 20.0, recur_seconds: float = 120.0,
                 workers: int = 3, nightly_backup: bool = True, corrupt_after: float | None = 150.0) -> None:
        """``nightly_backup=False``: no dump at seed (a test takes it where it wants, ``take_nightly_backup``);
        ``corrupt_after=None``: no corruption episode."""
        self.rng = rng or random.Random(7)
        self.health_port = health_port
        self.calm_seconds = calm_seconds
        self.recur_seconds = recur_seconds
        self.worker_count = workers
        self.env: dict[str, str] = {}
        self.unavailable: dict[str, str] = {}
        self.pg: Any = None
        self.podman: Any = None
        self.health: HealthServer | None = None
        self.state_dir = Path(tempfile.mkdtemp(prefix="cockpit-sentrascan-"))
        self.state_dir.chmod(0o755)
        self.stop_event = threading.Event()
        self.workers: list[threading.Thread] = []
        self.worker_conns: list[Any] = []
        self.busy_since: dict[int, float | None] = {}
        self.monitor: Any = None
        self.database_in_container = False
        self.want_nightly_backup = nightly_backup
        self.nightly_dump: str | None = None
        self.corrupt_at = None if corrupt_after is None else time.monotonic() + corrupt_after
        self.corrupted = False
        self.api_running = True
        """The api container runs: its writers write (docker-compose stop api stops them)."""
        """The cluster runs in the ``db`` container (podman there), not beside it."""
        self.blocker: Any = None
        self.blocker_pid: int | None = None
        self.incidents = 0
        self.next_incident = 0.0
        self.writes = 0
        self.tick_count = 0
        self._write_state(mode="ok", key="active")

    # ------------------------------------------------------------------ seed
    def seed(self, now: datetime) -> None:
        self.next_incident = time.monotonic() + self.calm_seconds
        api_key = "ak_52c8e7d1." + secrets.token_urlsafe(16)  # ops-admin's key, for the status checks
        try:
            self.health = HealthServer(self.health_port, scans=self.recent_scans, api_key=api_key).start()
            self.env[API_KEY_ENV] = api_key
        except OSError as error:
            self.unavailable["health"] = (f"127.0.0.1:{self.health_port} is taken ({error.strerror}): "
                                          "the demo API's health endpoint could not listen there")
        self._seed_postgres()
        self._seed_containers()
        if self.want_nightly_backup and self.pg is not None:
            try:
                self.take_nightly_backup()
            except Exception:
                log.exception("the nightly backup (postgres.dump) failed: the corruption episode has no dump")
        self._start_clients()

    def _seed_postgres(self) -> None:
        try:
            self.pg = start_postgres(secrets.token_urlsafe(12))
        except (EngineMissing, EngineFailed) as error:
            self.unavailable["postgres"] = str(error)
            return
        import psycopg

        with psycopg.connect(self.pg.dsn, autocommit=True) as conn:
            conn.execute(SCHEMA)
            conn.execute(BLOAT)
            conn.execute(BLOAT)
            conn.execute("ANALYZE scans, baselines, api_keys")
        self.env[DSN_ENV] = self.pg.dsn

    def _start_clients(self) -> None:
        """The API's writers and the simulator's own monitoring connection, once the database is where it stays."""
        if self.pg is None:
            return
        self._connect_monitor()
        for index in range(self.worker_count):
            thread = threading.Thread(target=self._api_worker, args=(index,), daemon=True, name=f"api-worker-{index}")
            self.workers.append(thread)
            thread.start()

    def _seed_containers(self) -> None:
        try:
            self.podman = start_podman()
        except (EngineMissing, EngineFailed) as error:
            self.unavailable["docker"] = str(error)
            return
        self.env["DOCKER_HOST"] = self.podman.url
        client = self.podman.client()
        try:
            volumes = {str(self.state_dir): {"bind": "/state", "mode": "ro"}}
            environment = {"SENTRASCAN_DB_URL": "postgresql://sentrascan@db:5432/sentrascan", "LOG_LEVEL": "INFO",
                           "SENTRASCAN_SECRET": "redacted-in-the-cockpit"}
            if self.pg is not None:
                self._database_in_container(client)
            run_container(client, API_CONTAINER, ["sh", "-c", API_SCRIPT], project=PROJECT, service="api",
                          volumes=volumes, environment=environment)
        except Exception as error:
            log.exception("could not start the sentrascan containers")
            self.unavailable["docker"] = f"the compose project could not start: {error}"
        finally:
            client.close()

    def _database_in_container(self, client: Any) -> None:
        """Move the seeded cluster into the compose project's ``db`` container (same directory and port)."""
        pg = self.pg
        self.pg.stop()
        uid = pg.user_kwargs.get("user", os.getuid())
        gid = pg.user_kwargs.get("group", os.getgid())
        volumes = {"/usr": {"bind": "/usr", "mode": "ro"}, "/usr/lib": {"bind": "/lib", "mode": "ro"},
                   "/etc/passwd": {"bind": "/etc/passwd", "mode": "ro"}, "/etc/group": {"bind": "/etc/group", "mode": "ro"},
                   str(pg.datadir.parent): {"bind": str(pg.datadir.parent), "mode": "rw"}}
        if os.path.isdir("/usr/lib64"):  # the dynamic loader's path (merged /usr: /lib64 -> usr/lib64)
            volumes["/usr/lib64"] = {"bind": "/lib64", "mode": "ro"}
        command = [os.path.join(pg.bindir, "postgres"), "-D", str(pg.datadir), "-p", str(pg.port),
                   "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={pg.datadir}",
                   "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                   "-c", "max_connections=300", "-c", "shared_buffers=32MB",
                   "-c", "log_lock_waits=on", "-c", "deadlock_timeout=1s"]  # the runbook's lock waits, in its log
        try:
            run_container(client, DB_CONTAINER, command, project=PROJECT, service="db", volumes=volumes,
                          network_mode="host", user=f"{uid}:{gid}", stop_signal="SIGINT",  # a fast shutdown
                          environment={"POSTGRES_DB": "sentrascan", "POSTGRES_USER": "sentrascan", "PGDATA": str(pg.datadir)})
            wait_until(pg.accepts, timeout=60, what="PostgreSQL in the db container")
            self.database_in_container = True
        except Exception:
            log.exception("PostgreSQL did not start in the db container: it runs on the host")
            with contextlib.suppress(Exception):
                client.containers.get(DB_CONTAINER).remove(force=True)
            pg.start()

    # ------------------------------------------------------------------ the API's writers
    def _api_worker(self, index: int) -> None:
        import psycopg

        conn = None
        while not self.stop_event.is_set():
            if not self.api_running:  # the api container stopped: its workers are gone, and their sessions
                if conn is not None:
                    conn.close()
                    conn = None
                self.stop_event.wait(0.5)
                continue
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self.pg.dsn, autocommit=True, application_name=API_APPLICATION)
                    self.worker_conns.append(conn)
                scan = 2000 - (index + self.rng.randrange(HOT_SCANS)) % HOT_SCANS
                self.busy_since[index] = time.monotonic()
                conn.execute("UPDATE scans SET progress = LEAST(progress + 1, 99), updated_at = now() WHERE id = %s",
                             (scan,))
                self.writes += 1
            except Exception:
                if conn is not None:
                    conn.close()
                conn = None
            finally:
                self.busy_since[index] = None
            self.stop_event.wait(0.5)  # the API records progress about twice a second per worker
        if conn is not None:
            conn.close()

    def recent_scans(self, limit: int) -> list[dict]:
        """The API's ``GET /api/v1/scans?limit=N``: the newest scans, as the runbook's jq reads them."""
        if self.pg is None:
            raise ConnectionError("no database")
        import psycopg

        with psycopg.connect(self.pg.dsn, autocommit=True, application_name=API_APPLICATION, connect_timeout=3) as conn:
            rows = conn.execute("SELECT scan_id::text, target, scan_type, scan_status, passed, progress, created_at "
                                "FROM scans ORDER BY created_at DESC, id DESC LIMIT %s", (limit,)).fetchall()
        return [{"scan_id": scan_id, "target": target, "scan_type": kind, "scan_status": status, "passed": passed,
                 "progress": progress, "created_at": created.isoformat()}
                for scan_id, target, kind, status, passed, progress, created in rows]

    def take_nightly_backup(self) -> str:
        """backup-db.sh's dump, taken by the cockpit's own ``postgres.dump`` into its backup directory."""
        from services.actions.catalog import build_action
        from services.engines.postgres import PostgresSource
        from services.sources import Sources

        had = os.environ.get(DSN_ENV)
        os.environ[DSN_ENV] = self.pg.dsn  # PostgresSource reads the DSN by its variable's name
        try:
            action = build_action(Sources(postgres=PostgresSource(DSN_ENV)), "postgres.dump", "sentrascan", {})
            plan = action.plan()
            action.run(plan)
        finally:
            if had is None:
                os.environ.pop(DSN_ENV, None)
            else:
                os.environ[DSN_ENV] = had
        self.nightly_dump = str(plan.params["file"])
        return self.nightly_dump

    def corrupt(self) -> None:
        """The import run twice with the unique constraint gone: 40 scans twice (the integrity check fails)."""
        self.corrupted = True
        self._connect_monitor().execute(
            "ALTER TABLE scans DROP CONSTRAINT IF EXISTS scans_scan_id_key;"
            "INSERT INTO scans (scan_id, target, scan_type, scan_status, passed, progress, created_at, updated_at) "
            "SELECT scan_id, target, scan_type, scan_status, passed, progress, created_at, updated_at "
            "FROM scans WHERE id BETWEEN 1900 AND 1939")

    def _api_state(self) -> None:
        if self.podman is None:
            return
        client = self.podman.client()
        try:
            self.api_running = client.containers.get(API_CONTAINER).status == "running"
        except Exception:
            self.api_running = False
        finally:
            client.close()

    def _connect_monitor(self) -> Any:
        """The simulator's connection, opened again after the database restarted (docker.restart db)."""
        import psycopg

        if self.monitor is None or self.monitor.closed or self.monitor.broken:
            if self.monitor is not None:
                with contextlib.suppress(Exception):
                    self.monitor.close()
            self.monitor = psycopg.connect(self.pg.dsn, autocommit=True, application_name="sentrascan-monitor",
                                           connect_timeout=5)
        return self.monitor

    def blocked_seconds(self) -> float:
        """How long the longest-waiting API write has been running (0 when none is)."""
        now = time.monotonic()
        return max((now - since for since in list(self.busy_since.values()) if since is not None), default=0.0)

    # ------------------------------------------------------------------ the incident
    def tick(self, now: datetime) -> None:
        self.tick_count += 1
        if self.pg is None:
            return
        import psycopg

        try:
            self._tick_database()
        except psycopg.OperationalError:  # the database restarting (docker.restart db): reconnect next tick
            if self.health is not None:
                self.health.state = "down"
            with contextlib.suppress(Exception):
                self.monitor.close()

    def _tick_database(self) -> None:
        self._api_state()
        if (self.corrupt_at is not None and not self.corrupted and self.blocker is None
                and time.monotonic() >= self.corrupt_at):
            self.corrupt()
        if self.blocker is None and time.monotonic() >= self.next_incident:
            self.start_incident()
        elif self.blocker is not None and not self._blocker_alive():
            self._end_incident()
        blocked = self.blocked_seconds()
        if self.health is not None:
            self.health.state = "down" if blocked >= 45 else "degraded" if blocked >= 3 else "ok"
        key = self._connect_monitor().execute("SELECT is_revoked FROM api_keys WHERE id = %s", (LEAKED_KEY,)).fetchone()
        self._write_state(mode="locked" if blocked >= 3 else "ok", key="revoked" if key and key[0] else "active")

    def start_incident(self) -> None:
        """The retention job marks the running scans ``archiving`` and hangs in its transaction."""
        import psycopg

        self.blocker = psycopg.connect(self.pg.dsn, application_name=JOB_APPLICATION)
        self.blocker_pid = self.blocker.info.backend_pid
        self.blocker.execute("UPDATE scans SET scan_status = 'archiving', updated_at = now() "
                             "WHERE scan_status = 'running' OR created_at < now() - interval '90 days'")
        self.incidents += 1

    def _blocker_alive(self) -> bool:
        row = self._connect_monitor().execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                                              (self.blocker_pid,)).fetchone()
        return bool(row and row[0])

    def _end_incident(self) -> None:
        try:
            self.blocker.close()
        finally:
            self.blocker = None
            self.blocker_pid = None
            self.next_incident = time.monotonic() + self.recur_seconds  # its update was rolled back: scans run again

    def _write_state(self, **values: str) -> None:
        for name, value in values.items():
            temporary = self.state_dir / f".{name}"
            temporary.write_text(value + "\n")
            temporary.chmod(0o644)
            temporary.replace(self.state_dir / name)

    # ------------------------------------------------------------------ stop everything, by PID
    def close(self) -> None:
        self.stop_event.set()
        for conn in [*list(self.worker_conns), self.blocker]:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.cancel()  # a worker waiting on the job's locks returns at once
        for thread in self.workers:
            thread.join(10)
        for step in (self._close_connections, self._close_health, self._close_podman, self._close_pg):
            try:
                step()
            except Exception:
                log.exception("stopping the sentrascan demo: %s failed", step.__name__)
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def _close_connections(self) -> None:
        for conn in (self.blocker, self.monitor):
            if conn is not None:
                conn.close()
        self.blocker = self.monitor = None

    def _close_health(self) -> None:
        if self.health is not None:
            self.health.stop()
            self.health = None

    def _close_podman(self) -> None:
        if self.podman is not None:
            self.podman.close()
            self.podman = None

    def _close_pg(self) -> None:
        if self.pg is not None:
            self.pg.close()
            self.pg = None
