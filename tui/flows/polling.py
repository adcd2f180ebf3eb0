"""One polling loop per source, run as a Textual worker.

The blocking call runs in a thread (``asyncio.to_thread``), a coroutine function on the loop; the loop only posts
messages. A failure is posted as ``SourceFailed`` and retried with capped exponential
backoff and jitter; the other sources keep going. ``wake()`` cuts the current wait
short (the refresh key).
"""
from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump

from services.errors import SourceError
from tui.messages import SourceFailed

log = logging.getLogger("cockpit.polling")

MAX_BACKOFF = 60.0


def backoff_delay(failures: int, base: float = 2.0, cap: float = MAX_BACKOFF) -> float:
    """2, 4, 8 … seconds, capped, with ±20 % jitter so sources do not retry in step."""
    delay = min(cap, base * (2 ** max(0, failures - 1)))
    return round(delay * random.uniform(0.8, 1.2), 1)


class Poller:
    """Calls ``fetch`` every ``interval`` seconds and posts ``to_message(result)`` to ``target``."""

    def __init__(self, source: str, target: MessagePump, fetch: Callable[[], Any],
                 to_message: Callable[[Any], Message | list[Message] | None], interval: float) -> None:
        self.source = source
        self.target = target
        self.fetch = fetch
        self.to_message = to_message
        self.interval = interval
        self.failures = 0
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def _wait(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def run(self) -> None:
        while True:
            try:
                if inspect.iscoroutinefunction(self.fetch):  # e.g. psycopg's async connection: on this loop
                    result = await self.fetch()
                else:
                    result = await asyncio.to_thread(self.fetch)
            except SourceError as error:
                self.failures += 1
                delay = backoff_delay(self.failures) if error.retry else MAX_BACKOFF
                self.target.post_message(SourceFailed(self.source, error, delay))
                await self._wait(delay)
                continue
            except Exception as error:  # an unexpected bug: report it, log it, keep the cockpit alive
                log.exception("%s: unexpected error", self.source)
                self.failures += 1
                delay = backoff_delay(self.failures)
                wrapped = SourceError(f"unexpected {type(error).__name__}: {error}")
                self.target.post_message(SourceFailed(self.source, wrapped, delay))
                await self._wait(delay)
                continue
            self.failures = 0
            message = self.to_message(result)
            for each in message if isinstance(message, list) else [message]:
                if each is not None:
                    self.target.post_message(each)
            await self._wait(self.interval)
