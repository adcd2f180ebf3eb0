"""Real engines for the tests: a PostgreSQL server and podman's Docker-API service on loopback.

A pytest plugin (``pytest_plugins`` in ``tests/conftest.py``): a test using ``pg_server``
or ``podman_service`` (directly or through ``pg_dsn``, ``lock_conflict``, ``docker_client``)
is marked ``engines`` (``tests/support/markers.py``).

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

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from services.demo import engines as _engines
from services.demo.engines import BUSYBOX_IMAGE, PodmanService, PostgresServer, free_port, run_container  # noqa: F401 - re-exported
from tests.support.waiting import wait_for

PG_PASSWORD = "pg-Secret-7f3a"  # tests assert this never reaches the screen


def _required(start, *args: Any):
    try:
        return start(*args)
    except _engines.EngineMissing as error:
        pytest.fail(f"{error}: run `bash .ci/system-deps`")


def start_postgres() -> PostgresServer:
    """initdb into a fresh directory (owned by ``postgres`` when root), start, create ``sentrascan``."""
    return _required(_engines.start_postgres, PG_PASSWORD)


def start_podman() -> PodmanService:
    """Import the busybox image into private storage, then serve the Docker API on a private socket."""
    return _required(_engines.start_podman)


# ---------------------------------------------------------------------------------- PostgreSQL
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
@pytest.fixture(scope="session")
def podman_service() -> Iterator[PodmanService]:
    service = start_podman()
    try:
        yield service
    finally:
        service.close()


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
        except BaseException as error:
            self.waiter_error = error
        finally:
            self.waiter_done.set()

    def close(self) -> None:
        for conn in (self.holder, self.waiter):
            with contextlib.suppress(Exception):  # best effort: the connection may be gone already
                conn.cancel()
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
