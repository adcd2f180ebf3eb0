"""Real engines for the tests: a PostgreSQL server and podman's Docker-API service on loopback.

Both are session-scoped, started from the system's binaries and stopped by PID at the
end. A missing binary FAILS the test that needs it (``pytest.fail``), never skips it:
``.ci/system-deps`` installs them, and a green run must mean they were exercised.

PostgreSQL refuses to run as root, so as root both ``initdb`` and ``postgres`` run as
the ``postgres`` user in a directory it owns. Podman runs with its own storage under a
temporary directory (``--root``/``--runroot``) so the tests never touch the machine's
containers, with runc (crun refuses this sandbox's cgroup setup) and a local busybox
image, since no registry is reachable.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.waiting import wait_for

BUSYBOX_IMAGE = "localhost/busybox:local"
PG_PASSWORD = "pg-Secret-7f3a"  # tests assert this never reaches the screen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(name: str, *extra_dirs: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for pattern in extra_dirs:
        for candidate in sorted(glob.glob(os.path.join(pattern, name)), reverse=True):
            if os.access(candidate, os.X_OK):
                return candidate
    pytest.fail(f"{name} is not installed: run `bash .ci/system-deps` (apt-get install postgresql podman runc busybox-static)")


# ---------------------------------------------------------------------------------- PostgreSQL
@dataclass
class PostgresServer:
    """One cluster: ``dsn`` for the superuser, ``stop``/``start`` for the restart test."""

    bindir: str
    datadir: Path
    port: int
    user_kwargs: dict[str, Any] = field(default_factory=dict)
    pid: int | None = None
    database: str = "sentrascan"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres:{PG_PASSWORD}@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        log = open(self.datadir.parent / "postgres.log", "ab")
        process = subprocess.Popen(
            [os.path.join(self.bindir, "postgres"), "-D", str(self.datadir), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.datadir}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=300", "-c", "shared_buffers=32MB"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True, **self.user_kwargs)
        log.close()
        self.pid = process.pid
        self._process = process
        wait_for(self._accepts, timeout=60, what="PostgreSQL to accept connections")

    def _accepts(self) -> bool:
        if self._process.poll() is not None:
            raise AssertionError(f"postgres exited with {self._process.returncode}; see {self.datadir.parent / 'postgres.log'}")
        import psycopg

        try:
            psycopg.connect(self.dsn.rsplit("/", 1)[0] + "/postgres", connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        shutil.rmtree(self.datadir.parent, ignore_errors=True)

    def stop(self) -> None:
        """Fast shutdown (SIGINT) by PID, waited for."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
        self._process.wait(60)
        self.pid = None


def start_postgres() -> PostgresServer:
    """initdb into a fresh directory (owned by ``postgres`` when root), start, create ``sentrascan``."""
    bindir = os.path.dirname(_binary("initdb", "/usr/lib/postgresql/*/bin"))
    _binary("postgres", bindir)
    base = Path(tempfile.mkdtemp(prefix="cockpit-pg-"))
    user_kwargs: dict[str, Any] = {}
    if os.geteuid() == 0:  # initdb and postgres refuse root: run them as the postgres user
        account = pwd.getpwnam("postgres")
        os.chown(base, account.pw_uid, account.pw_gid)
        user_kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    pwfile = base / "pw"
    pwfile.write_text(PG_PASSWORD + "\n")
    if user_kwargs:
        os.chown(pwfile, user_kwargs["user"], user_kwargs["group"])
    datadir = base / "data"
    subprocess.run([os.path.join(bindir, "initdb"), "-D", str(datadir), "-U", "postgres", "--auth=scram-sha-256",
                    f"--pwfile={pwfile}", "--no-sync", "-E", "UTF8", "--locale=C"],
                   check=True, capture_output=True, cwd=base, **user_kwargs)
    server = PostgresServer(bindir, datadir, free_port(), user_kwargs)
    server.start()
    import psycopg

    with psycopg.connect(server.dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE sentrascan")
    return server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_dsn(pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The DSN in the environment variable the test profiles name (``SENTRASCAN_PG_DSN``)."""
    monkeypatch.setenv("SENTRASCAN_PG_DSN", pg_server.dsn)
    return pg_server.dsn


# ---------------------------------------------------------------------------------- podman
@dataclass
class PodmanService:
    """``podman system service`` on a private socket; ``stop``/``start`` for the engine-away test."""

    podman: str
    base: Path
    pid: int | None = None

    @property
    def socket_path(self) -> Path:
        return self.base / "podman.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def command(self, *args: str) -> list[str]:
        return [self.podman, "--root", str(self.base / "root"), "--runroot", str(self.base / "run"),
                "--runtime", "runc", "--log-level", "error", *args]

    def start(self) -> None:
        self.socket_path.unlink(missing_ok=True)
        log = open(self.base / "service.log", "ab")
        self._process = subprocess.Popen(self.command("system", "service", "--time=0", self.url),
                                         stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.pid = self._process.pid
        wait_for(self._answers, timeout=60, what="podman's Docker API")

    def _answers(self) -> bool:
        if self._process.poll() is not None:
            raise AssertionError(f"podman service exited with {self._process.returncode}; see {self.base / 'service.log'}")
        if not self.socket_path.exists():
            return False
        with socket.socket(socket.AF_UNIX) as sock:
            try:
                sock.connect(str(self.socket_path))
                sock.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                return b"200" in sock.recv(64)
            except OSError:
                return False

    def stop(self) -> None:
        if self.pid is None:
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self._process.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self._process.wait(30)
        self.pid = None

    def close(self) -> None:
        """Remove every container, stop the service by PID, reset and remove the private storage."""
        if self.pid is None:
            self.start()
        try:
            client = self.client()
            for container in client.containers.list(all=True):
                container.remove(force=True)
        finally:
            self.stop()
            subprocess.run(self.command("system", "reset", "--force"), capture_output=True, timeout=120)
            shutil.rmtree(self.base, ignore_errors=True)

    def client(self):
        import docker

        return docker.DockerClient(base_url=self.url, timeout=30, max_pool_size=64)


def _busybox_rootfs(base: Path) -> Path:
    busybox = "/bin/busybox" if os.path.exists("/bin/busybox") else _binary("busybox")
    root = base / "rootfs"
    (root / "bin").mkdir(parents=True)
    shutil.copy(busybox, root / "bin" / "busybox")
    for applet in ("sh", "sleep", "echo", "cat", "ls", "true", "yes", "head"):
        os.symlink("busybox", root / "bin" / applet)
    tarball = base / "rootfs.tar"
    subprocess.run(["tar", "-C", str(root), "-cf", str(tarball), "."], check=True)
    return tarball


def start_podman() -> PodmanService:
    """Import the busybox image into private storage, then serve the Docker API on a private socket."""
    podman = _binary("podman")
    _binary("runc", "/usr/sbin", "/sbin")
    base = Path(tempfile.mkdtemp(prefix="cockpit-podman-"))
    service = PodmanService(podman, base)
    subprocess.run(service.command("import", str(_busybox_rootfs(base)), BUSYBOX_IMAGE),
                   check=True, capture_output=True, timeout=120)
    service.start()
    return service


@pytest.fixture(scope="session")
def podman_service() -> Iterator[PodmanService]:
    service = start_podman()
    try:
        yield service
    finally:
        service.close()


def run_container(client: Any, name: str, command: list[str] | str, *, project: str | None = None,
                  service: str | None = None, **kwargs: Any):
    """A busybox container with compose labels and rlimits this sandbox allows."""
    import docker

    labels = dict(kwargs.pop("labels", {}))
    if project:
        labels["com.docker.compose.project"] = project
    if service:
        labels["com.docker.compose.service"] = service
    ulimits = [docker.types.Ulimit(name="nofile", soft=1024, hard=1024),
               docker.types.Ulimit(name="nproc", soft=1000, hard=1000)]
    kwargs.setdefault("network_mode", "none")
    return client.containers.run(BUSYBOX_IMAGE, command, name=name, detach=True, labels=labels,
                                 ulimits=ulimits, **kwargs)


@pytest.fixture
def docker_client(podman_service: PodmanService) -> Iterator[Any]:
    """A raw SDK client for seeding and reading back; the test's containers are removed after it."""
    client = podman_service.client()
    before = {container.id for container in client.containers.list(all=True)}
    yield client
    for container in client.containers.list(all=True):
        if container.id not in before:
            container.remove(force=True)
    client.close()


class LockConflict:
    """Two real sessions: ``holder`` updates a row in an open transaction, ``waiter`` updates the same row.

    The waiter runs in a thread (its UPDATE blocks); ``waiter_done`` is set when it
    returns, ``waiter_error`` holds what it raised.
    """

    def __init__(self, dsn: str, table: str = "accounts") -> None:
        import threading

        import psycopg

        self.table = table
        with psycopg.connect(dsn, autocommit=True) as setup:
            setup.execute(f"DROP TABLE IF EXISTS {table}")
            setup.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, balance int NOT NULL)")
            setup.execute(f"INSERT INTO {table} SELECT g, 100 FROM generate_series(1, 50) AS g")
        self.holder = psycopg.connect(dsn, application_name="holder")
        self.holder.execute(f"UPDATE {table} SET balance = balance - 1 WHERE id = 1")  # transaction left open
        self.holder_pid = self.holder.info.backend_pid
        self.waiter = psycopg.connect(dsn, application_name="waiter", autocommit=True)
        self.waiter_pid = self.waiter.info.backend_pid
        self.waiter_done = threading.Event()
        self.waiter_error: BaseException | None = None
        self._thread = threading.Thread(target=self._wait, daemon=True)
        self._thread.start()
        with psycopg.connect(dsn, autocommit=True) as probe:
            wait_for(lambda: probe.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                                           (self.waiter_pid,)).fetchone() == ("Lock",), what="the waiter to block")

    def _wait(self) -> None:
        try:
            self.waiter.execute(f"UPDATE {self.table} SET balance = balance + 1 WHERE id = 1")
        except BaseException as error:  # noqa: BLE001 - the test reads it
            self.waiter_error = error
        finally:
            self.waiter_done.set()

    def close(self) -> None:
        for conn in (self.holder, self.waiter):
            try:
                conn.cancel()
            except Exception:  # noqa: BLE001 - already gone
                pass
        self._thread.join(10)
        for conn in (self.holder, self.waiter):
            conn.close()


@pytest.fixture
def lock_conflict(pg_dsn: str) -> Iterator[LockConflict]:
    conflict = LockConflict(pg_dsn)
    try:
        yield conflict
    finally:
        conflict.close()
