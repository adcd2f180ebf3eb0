"""Throwaway real engines on loopback: a PostgreSQL cluster and podman's Docker-API service.

Used by the demo (a scenario starts them in the emulator child and stops them by PID
when it closes) and by the tests (``tests/engines.py`` wraps them in fixtures).

PostgreSQL refuses to run as root, so as root both ``initdb`` and ``postgres`` run as
the ``postgres`` user in a temporary directory it owns. Podman runs with its own
storage under a temporary directory (``--root``/``--runroot``) so nothing touches the
machine's containers, with runc (crun refuses this sandbox's cgroup setup) and a local
busybox image, since no registry is reachable.

A missing binary is ``EngineMissing`` with a sentence a pane can show ("podman is not
installed"). Each binary's lookup can be pointed elsewhere with an environment variable
(``COCKPIT_PODMAN=/nowhere``): that is how an engine is made unavailable on purpose.
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUSYBOX_IMAGE = "localhost/busybox:local"
BUSYBOX_APPLETS = ("sh", "sleep", "echo", "cat", "ls", "true", "yes", "head", "date", "printf", "expr", "seq")
ULIMITS = (("nofile", 1024, 1024), ("nproc", 1000, 1000))  # at or below the sandbox's own: raising is refused


class EngineMissing(RuntimeError):
    """A binary the engine needs is not on this machine; ``str()`` says which."""


class EngineFailed(RuntimeError):
    """The engine was found but did not start; ``str()`` says where its log is."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise EngineFailed(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)  # poll the condition, bounded by the deadline


def find_binary(name: str, *extra_dirs: str) -> str:
    """``name`` on PATH or in ``extra_dirs`` (globs); ``$COCKPIT_<NAME>`` overrides the lookup."""
    override = os.environ.get(f"COCKPIT_{name.upper()}")
    if override is not None:
        if os.access(override, os.X_OK):
            return override
        raise EngineMissing(f"{name} is not installed (COCKPIT_{name.upper()}={override} is not an executable)")
    found = shutil.which(name)
    if found:
        return found
    for pattern in extra_dirs:
        for candidate in sorted(glob.glob(os.path.join(pattern, name)), reverse=True):
            if os.access(candidate, os.X_OK):
                return candidate
    raise EngineMissing(f"{name} is not installed (apt-get install postgresql podman runc busybox-static)")


def _stop_process(process: subprocess.Popen, signum: int, timeout: float) -> None:
    """Signal by PID, wait; SIGKILL when it does not go in time."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signum)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout)


# ---------------------------------------------------------------------------------- PostgreSQL
@dataclass
class PostgresServer:
    """One cluster: ``dsn`` for the superuser, ``stop``/``start`` (by PID) for restart tests."""

    bindir: str
    datadir: Path
    port: int
    password: str
    user_kwargs: dict[str, Any] = field(default_factory=dict)
    pid: int | None = None
    database: str = "sentrascan"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{self.database}"

    @property
    def log_path(self) -> Path:
        return self.datadir.parent / "postgres.log"

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server's stdout/stderr for its whole life
        process = subprocess.Popen(
            [os.path.join(self.bindir, "postgres"), "-D", str(self.datadir), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.datadir}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=300", "-c", "shared_buffers=32MB"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True, **self.user_kwargs)
        log.close()
        self.pid = process.pid
        self._process = process
        wait_until(self._accepts, timeout=60, what="PostgreSQL to accept connections")

    def _accepts(self) -> bool:
        if self._process.poll() is not None:
            raise EngineFailed(f"postgres exited with {self._process.returncode}; see {self.log_path}")
        return self.accepts()

    def accepts(self) -> bool:
        """Whether the cluster answers on its port now, whoever runs it (this process or a container)."""
        import psycopg

        try:
            psycopg.connect(self.dsn.rsplit("/", 1)[0] + "/postgres", connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def stop(self) -> None:
        """Fast shutdown (SIGINT) by PID, waited for."""
        if self.pid is None:
            return
        _stop_process(self._process, signal.SIGINT, 60)
        self.pid = None

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_postgres(password: str, database: str = "sentrascan") -> PostgresServer:
    """initdb into a fresh directory (owned by ``postgres`` when root), start, create ``database``."""
    bindir = os.path.dirname(find_binary("initdb", "/usr/lib/postgresql/*/bin"))
    if not os.access(os.path.join(bindir, "postgres"), os.X_OK):
        bindir = os.path.dirname(find_binary("postgres", "/usr/lib/postgresql/*/bin"))
    base = Path(tempfile.mkdtemp(prefix="cockpit-pg-"))
    user_kwargs: dict[str, Any] = {}
    if os.geteuid() == 0:  # initdb and postgres refuse root: run them as the postgres user
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            raise EngineMissing("there is no postgres user to run PostgreSQL as (it refuses root)") from None
        os.chown(base, account.pw_uid, account.pw_gid)
        user_kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    pwfile = base / "pw"
    pwfile.write_text(password + "\n")
    if user_kwargs:
        os.chown(pwfile, user_kwargs["user"], user_kwargs["group"])
    datadir = base / "data"
    try:
        subprocess.run([os.path.join(bindir, "initdb"), "-D", str(datadir), "-U", "postgres", "--auth=scram-sha-256",
                        f"--pwfile={pwfile}", "--no-sync", "-E", "UTF8", "--locale=C"],
                       check=True, capture_output=True, cwd=base, **user_kwargs)
    except subprocess.CalledProcessError as error:
        shutil.rmtree(base, ignore_errors=True)
        raise EngineFailed(f"initdb failed: {error.stderr.decode(errors='replace').strip()[-300:]}") from None
    pwfile.unlink()
    server = PostgresServer(bindir, datadir, free_port(), password, user_kwargs, database=database)
    try:
        server.start()
        import psycopg

        with psycopg.connect(server.dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
    except BaseException:
        server.close()
        raise
    return server


# ---------------------------------------------------------------------------------- podman
@dataclass
class PodmanService:
    """``podman system service`` on a private socket; ``stop``/``start`` (by PID) for engine-away tests."""

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
        # A private --tmpdir too: the default (/run/libpod, exit files included) is shared by every
        # podman on the machine, and `system reset` at close empties it under the others' feet.
        return [self.podman, "--root", str(self.base / "root"), "--runroot", str(self.base / "run"),
                "--tmpdir", str(self.base / "tmp"), "--runtime", "runc", "--log-level", "error", *args]

    def start(self) -> None:
        self.socket_path.unlink(missing_ok=True)
        log = open(self.base / "service.log", "ab")  # noqa: SIM115 - the service's output for its whole life
        self._process = subprocess.Popen(self.command("system", "service", "--time=0", self.url),
                                         stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.pid = self._process.pid
        wait_until(self._answers, timeout=60, what="podman's Docker API")

    def _answers(self) -> bool:
        if self._process.poll() is not None:
            raise EngineFailed(f"podman service exited with {self._process.returncode}; see {self.base / 'service.log'}")
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
        _stop_process(self._process, signal.SIGTERM, 30)
        self.pid = None

    def close(self) -> None:
        """Remove every container, stop the service by PID, reset and remove the private storage."""
        try:
            if self.pid is None:
                self.start()  # the API removes the containers (and their conmon) cleanly
            client = self.client()
            for container in client.containers.list(all=True):
                container.remove(force=True)
            client.close()
        finally:
            self.stop()
            subprocess.run(self.command("system", "reset", "--force"), capture_output=True, timeout=120)
            shutil.rmtree(self.base, ignore_errors=True)

    def client(self) -> Any:
        import docker

        return docker.DockerClient(base_url=self.url, timeout=30, max_pool_size=64)


def busybox_rootfs(base: Path) -> Path:
    """A tarball of a root filesystem holding a static busybox and its common applets."""
    busybox = "/bin/busybox" if os.path.exists("/bin/busybox") else find_binary("busybox")
    root = base / "rootfs"
    (root / "bin").mkdir(parents=True)
    shutil.copy(busybox, root / "bin" / "busybox")
    for applet in BUSYBOX_APPLETS:
        os.symlink("busybox", root / "bin" / applet)
    tarball = base / "rootfs.tar"
    subprocess.run(["tar", "-C", str(root), "-cf", str(tarball), "."], check=True)
    return tarball


def start_podman() -> PodmanService:
    """Import the busybox image into private storage, then serve the Docker API on a private socket."""
    podman = find_binary("podman")
    find_binary("runc", "/usr/sbin", "/sbin")
    if not (os.path.exists("/bin/busybox") or shutil.which("busybox")):
        raise EngineMissing("busybox is not installed (apt-get install busybox-static): no local image to run")
    base = Path(tempfile.mkdtemp(prefix="cockpit-podman-"))
    service = PodmanService(podman, base)
    try:
        imported = subprocess.run(service.command("import", str(busybox_rootfs(base)), BUSYBOX_IMAGE),
                                  capture_output=True, timeout=120)
        if imported.returncode != 0:
            raise EngineFailed(f"podman import failed: {imported.stderr.decode(errors='replace').strip()[-300:]}")
        service.start()
    except BaseException:
        service.close()
        raise
    return service


def run_container(client: Any, name: str, command: list[str] | str, *, project: str | None = None,
                  service: str | None = None, **kwargs: Any) -> Any:
    """A busybox container with compose labels and rlimits this sandbox allows."""
    import docker

    labels = dict(kwargs.pop("labels", {}))
    if project:
        labels["com.docker.compose.project"] = project
    if service:
        labels["com.docker.compose.service"] = service
    ulimits = [docker.types.Ulimit(name=limit, soft=soft, hard=hard) for limit, soft, hard in ULIMITS]
    kwargs.setdefault("network_mode", "none")
    return client.containers.run(BUSYBOX_IMAGE, command, name=name, detach=True, labels=labels,
                                 ulimits=ulimits, **kwargs)
