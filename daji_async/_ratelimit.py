"""The limiter a float ``rate_limit`` becomes: at most R requests in any one-second window.

aiolimiter's ``AsyncLimiter(R, 1)`` is a leaky bucket that starts empty with room for R, so
it lets 2R requests through in the first second. ``AsyncLimiter(1, 1/R)`` (a bucket of one)
does hold the window, but every late wake-up of a waiter is lost for good: measured here,
it achieved 96 requests/s at R=100 and 836 at R=1000.

:class:`StrictRateLimiter` keeps the ``AsyncLimiter`` interface (``async with``,
``acquire()``, ``max_rate``, ``time_period``) and schedules requests on an even grid of
``1/R`` seconds measured from when each *should* have gone, so a late wake-up does not
slow the ones after it, while a log of the last ``floor(R)`` send times guarantees that
no one-second window ever holds more than R requests, the first second included.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

from aiolimiter import AsyncLimiter

from . import _constants as C

#: See ``_constants``: lateness the even grid absorbs, and the window's extra room.
_GRID_TOLERANCE = C.RATE_GRID_TOLERANCE
_WINDOW_MARGIN = C.RATE_WINDOW_MARGIN


class StrictRateLimiter(AsyncLimiter):
    """At most ``rate`` acquisitions in any one-second window, spaced about ``1/rate`` apart.

    ::

        limiter = StrictRateLimiter(100)
        async with limiter:
            ...  # at most 100 of these start in any second
    """

    def __init__(self, rate: float) -> None:
        if not rate > 0 or not math.isfinite(rate):
            raise ValueError(f"rate must be a positive number, got {rate!r}")
        super().__init__(1, 1.0 / rate)
        self.rate = float(rate)
        self._interval = 1.0 / rate
        self._sent: deque[float] = deque(maxlen=max(1, math.floor(rate)))
        self._next = -math.inf
        self._gate: asyncio.Lock | None = None

    def has_capacity(self, amount: float = 1) -> bool:
        """True when an acquisition now would not wait."""
        loop = asyncio.get_running_loop()
        return loop.time() >= self._earliest()

    def _earliest(self) -> float:
        sent = self._sent
        window_opens = sent[0] + 1.0 + _WINDOW_MARGIN if len(sent) == sent.maxlen else -math.inf
        return max(self._next, window_opens)

    async def acquire(self, amount: float = 1) -> None:
        """Wait until one more request fits, then take its place (FIFO among waiters)."""
        if amount != 1:
            raise ValueError("StrictRateLimiter hands out one request at a time")
        loop = asyncio.get_running_loop()
        gate = self._gate
        if gate is None:
            gate = self._gate = asyncio.Lock()
        async with gate:
            while True:
                now = loop.time()
                at = self._earliest()
                if now >= at:
                    break
                await asyncio.sleep(at - now)
            # the slot this request fills on the grid: its due time, unless it came later
            # than the tolerance (idle time is not banked as a burst)
            slot = max(self._next, now - _GRID_TOLERANCE)
            self._next = slot + self._interval
            self._sent.append(now)

    def __repr__(self) -> str:
        return f"StrictRateLimiter(rate={self.rate:g})"
