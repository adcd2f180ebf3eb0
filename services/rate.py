"""A token bucket shared by every caller of one rate-limited API (thread-safe)."""
from __future__ import annotations

import threading
import time


class RateBudget:
    """At most ``rate`` acquisitions per second on average, bursts up to ``burst``.

    FilterLogEvents allows a few requests a second per account and region, shared by
    every tool: all tails of a cockpit draw from one budget.
    """

    def __init__(self, rate: float, burst: int | None = None) -> None:
        self.rate = rate
        self.burst = burst or max(1, int(rate))
        self._tokens = float(self.burst)
        self._updated = time.monotonic()
        self._lock = threading.Lock()
        self._slowdown_until = 0.0

    def acquire(self, cancelled: threading.Event | None = None) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                wait = max(0.0, self._slowdown_until - now)
                if wait == 0 and self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = max(wait, (1 - self._tokens) / self.rate)
            if cancelled is not None:
                if cancelled.wait(wait):
                    return
            else:
                time.sleep(wait)  # the budget's own pacing; callers run in worker threads

    def slow_down(self, seconds: float) -> None:
        """After a throttling answer: nobody calls again for ``seconds``."""
        with self._lock:
            self._slowdown_until = max(self._slowdown_until, time.monotonic() + seconds)
