"""CPU and memory of running containers, streamed: one reader thread per container.

Each stream is one long HTTP response from the engine (a sample a second from Docker,
every five from podman), so the readers are daemon threads of their own rather than
the event loop's default executor: fifty of them would starve every ``to_thread``
call of the app (that pool has ``cpu + 4`` threads). A reader only calls ``on_sample``;
the caller decides how the sample reaches the UI (the cockpit posts a message).
A stream that ends (container stopped, engine gone) is restarted by the next ``track``.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from services.engines.docker import ContainerStats, DockerEngine, stats_from_sample
from services.errors import SourceError

log = logging.getLogger("cockpit.docker.stats")


class _Reader:
    def __init__(self, container_id: str) -> None:
        self.container_id = container_id
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class StatsStreams:
    """Keeps exactly one live stats stream per container id given to ``track``."""

    def __init__(self, engine: DockerEngine, on_sample: Callable[[ContainerStats], None],
                 on_error: Callable[[str, SourceError], None] | None = None) -> None:
        self.engine = engine
        self.on_sample = on_sample
        self.on_error = on_error
        self._readers: dict[str, _Reader] = {}
        self._lock = threading.Lock()

    @property
    def streaming(self) -> set[str]:
        with self._lock:
            return {cid for cid, reader in self._readers.items() if reader.alive and not reader.stopped.is_set()}

    def track(self, container_ids: Iterable[str]) -> None:
        """Stream these containers (start what is missing or ended), stop streaming the others."""
        wanted = set(container_ids)
        with self._lock:
            for cid, reader in list(self._readers.items()):
                if cid not in wanted:
                    reader.stopped.set()
                    del self._readers[cid]
            for cid in wanted:
                current = self._readers.get(cid)
                if current is not None and current.alive and not current.stopped.is_set():
                    continue
                reader = _Reader(cid)
                reader.thread = threading.Thread(target=self._read, args=(reader,), name=f"stats-{cid}", daemon=True)
                self._readers[cid] = reader
                reader.thread.start()

    def stop(self) -> None:
        """Stop every reader; each ends at its next sample (daemon threads never hold up exit)."""
        with self._lock:
            for reader in self._readers.values():
                reader.stopped.set()
            self._readers.clear()

    def _read(self, reader: _Reader) -> None:
        previous = None
        try:
            stream = self.engine.stats_stream(reader.container_id)
            for sample in stream:
                if reader.stopped.is_set():
                    break
                stats, previous = stats_from_sample(reader.container_id, sample, previous)
                self.on_sample(stats)
        except SourceError as error:
            if not reader.stopped.is_set() and self.on_error is not None:
                self.on_error(reader.container_id, error)
        except Exception as error:
            log.info("stats stream of %s ended: %r", reader.container_id, error)
        finally:
            reader.stopped.set()
