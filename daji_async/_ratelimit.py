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

The window is about when requests reach the service, not when they were allowed: a request
that must first open a connection leaves later than the moment it was let through, and
would bunch with the ones after it (measured: 515 in one server-side second at R=500 with a
cold pool). So the client's pipeline takes a place with :meth:`StrictRateLimiter.hold` and
keeps it until the transport says the request is on its way (the default transport tells
the moment a connection is ready for it); the log records that moment. A place held by a
request not sent yet counts as a send in every window to come.
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
    """At most ``rate`` requests in any one-second window, spaced about ``1/rate`` apart.

    ::

        limiter = StrictRateLimiter(100)
        async with limiter:
            ...  # at most 100 of these start in any second

    ``acquire()`` counts the request as sent the moment it returns. :meth:`hold` (what
    ``DajiClient`` uses when its transport reports sends) counts it when it is sent.
    """

    def __init__(self, rate: float) -> None:
        if not rate > 0 or not math.isfinite(rate):
            raise ValueError(f"rate must be a positive number, got {rate!r}")
        super().__init__(1, 1.0 / rate)
        self.rate = float(rate)
        self._interval = 1.0 / rate
        self._room = max(1, math.floor(rate))  # sends that fit in any one-second window
        self._sent: deque[float] = deque(maxlen=self._room)  # the last send times, oldest first
        self._held = 0  # places taken by requests not sent yet
        self._next = -math.inf
        self._gate: asyncio.Lock | None = None
        self._changed: asyncio.Future[None] | None = None  # wakes a waiter when a held place resolves

    def has_capacity(self, amount: float = 1) -> bool:
        """True when an acquisition now would not wait."""
        at = self._earliest()
        return at is not None and asyncio.get_running_loop().time() >= at

    def _earliest(self) -> float | None:
        """When one more request fits; None while places held by unsent requests fill the window."""
        free = self._room - 1 - self._held  # earlier sends allowed in the window besides this one
        if free < 0:
            return None
        sent = self._sent
        opens = sent[len(sent) - 1 - free] + 1.0 + _WINDOW_MARGIN if len(sent) > free else -math.inf
        return max(self._next, opens)

    async def acquire(self, amount: float = 1) -> None:
        """Wait until one more request fits, then count it as sent now (FIFO among waiters)."""
        if amount != 1:
            raise ValueError("StrictRateLimiter hands out one request at a time")
        await self._take()
        self._record()

    async def hold(self) -> RatePermit:
        """Wait until one more request fits and hold its place until the permit says it was sent.

        Call :meth:`RatePermit.sent` the moment the request leaves, and
        :meth:`RatePermit.release` once the attempt is over (it frees the place if the request
        was never sent, and does nothing otherwise).
        """
        await self._take()
        self._held += 1
        return RatePermit(self)

    async def _take(self) -> None:
        loop = asyncio.get_running_loop()
        gate = self._gate
        if gate is None:
            gate = self._gate = asyncio.Lock()
        async with gate:
            while True:
                now = loop.time()
                at = self._earliest()
                if at is None:  # wait for a held place to be sent or released
                    changed = self._changed
                    if changed is None or changed.done():
                        changed = self._changed = loop.create_future()
                    await changed
                    continue
                if now >= at:
                    break
                await asyncio.sleep(at - now)
            # the slot this request fills on the grid: its due time, unless it came later
            # than the tolerance (idle time is not banked as a burst)
            slot = max(self._next, now - _GRID_TOLERANCE)
            self._next = slot + self._interval

    def _record(self) -> None:
        self._sent.append(asyncio.get_running_loop().time())
        self._wake()

    def _resolve(self, sent: bool) -> None:
        self._held -= 1
        if sent:
            self._record()
        else:
            self._wake()

    def _wake(self) -> None:
        changed = self._changed
        if changed is not None and not changed.done():
            changed.set_result(None)

    def __repr__(self) -> str:
        return f"StrictRateLimiter(rate={self.rate:g})"


class RatePermit:
    """A place in a :class:`StrictRateLimiter`'s window, held until its request is sent."""

    __slots__ = ("_limiter",)

    def __init__(self, limiter: StrictRateLimiter) -> None:
        self._limiter: StrictRateLimiter | None = limiter

    def sent(self) -> None:
        """The request is leaving now: log this moment as its send time (only the first call counts)."""
        limiter = self._limiter
        if limiter is not None:
            self._limiter = None
            limiter._resolve(True)

    def release(self) -> None:
        """The attempt is over: a request never sent gives its place back."""
        limiter = self._limiter
        if limiter is not None:
            self._limiter = None
            limiter._resolve(False)
