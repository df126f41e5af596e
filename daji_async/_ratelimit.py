"""The limiter a float `rate_limit` becomes: at most R requests in any one-second window.

aiolimiter's `AsyncLimiter(R, 1)` is a leaky bucket that starts empty with room for R, so
it lets 2R requests through in the first second. `AsyncLimiter(1, 1/R)` (a bucket of one)
does hold the window, but every late wake-up of a waiter is lost for good: measured here,
it achieved 96 requests/s at R=100 and 836 at R=1000.

`StrictRateLimiter` keeps the `AsyncLimiter` interface (`async with`,
`acquire()`, `max_rate`, `time_period`) and schedules requests on an even grid of
`1/R` seconds measured from when each *should* have gone, so a late wake-up does not
slow the ones after it, while a log of the last `floor(R)` send times guarantees that
no one-second window ever holds more than R requests, the first second included.

The window is about when requests reach the service, not when they were allowed: a request
that must first open a connection leaves later than the moment it was let through, and
would bunch with the ones after it (measured: 515 in one server-side second at R=500 with a
cold pool). So the client's pipeline takes a place with `StrictRateLimiter.hold` and
keeps it until the transport says the request is on its way (the default transport tells
the moment a connection is ready for it); the log records that moment. A place held by a
request not sent yet counts as a send in every window to come.

`DajiClient(rate_limit=...)` takes more than a float: any `RateLimiter` (an object
with an async `acquire()`), such as an `AsyncLimiter` or a
`RedisRateLimiter` shared by many processes. `resolve_rate_limit` is
the one place that turns the argument into the limiter every request passes.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from typing import Protocol, Union, cast, runtime_checkable

from aiolimiter import AsyncLimiter

from . import _constants as C
from ._errors import ConfigError

#: See `_constants`: lateness the even grid absorbs, and the window's extra room.
_GRID_TOLERANCE = C.RATE_GRID_TOLERANCE
_WINDOW_MARGIN = C.RATE_WINDOW_MARGIN


class StrictRateLimiter(AsyncLimiter):
    """At most `rate` requests in any one-second window, spaced about `1/rate` apart.

    ```python
    limiter = StrictRateLimiter(100)
    async with limiter:
        ...  # at most 100 of these start in any second
    ```

    `acquire()` counts the request as sent the moment it returns. `hold` (what
    `DajiClient` uses when its transport reports sends) counts it when it is sent.
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

        Call `RatePermit.sent` the moment the request leaves, and
        `RatePermit.release` once the attempt is over (it frees the place if the request
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
    """A place in a `StrictRateLimiter`'s window, held until its request is sent."""

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


@runtime_checkable
class RateLimiter(Protocol):
    """What `DajiClient(rate_limit=...)` accepts besides a number: an async `acquire()`.

    The client awaits `acquire()` once before every request it sends (retries included,
    answers from a cache excluded), and sends when it returns. `aiolimiter.AsyncLimiter`,
    `StrictRateLimiter` and `RedisRateLimiter` all qualify:

    ```python
    class EveryTenthSecond:
        async def acquire(self) -> None:
            await asyncio.sleep(0.1)

    DajiClient(rate_limit=EveryTenthSecond())
    ```

    A limiter whose budget belongs to an app key may also define `bind_app_key(app_key)`:
    the client calls it once, at construction, with its own app key.
    """

    async def acquire(self) -> None:
        """Wait until one more request may be sent."""


#: What `rate_limit=` takes: requests per second, a limiter, or None for no limit.
RateLimitArg = Union[float, RateLimiter, None]


def resolve_rate_limit(rate_limit: RateLimitArg, *, app_key: str) -> RateLimiter | None:
    """The limiter a client's `rate_limit=` argument stands for (None: no limit).

    A number R becomes a `StrictRateLimiter` (at most R requests in any second; a
    plain `AsyncLimiter(R, 1)` would let 2R through in the first second). An object with an
    async `acquire()` is used as given, after `bind_app_key(app_key)` if it has one.
    Anything else raises `ConfigError`.
    """
    if rate_limit is None:
        return None
    if isinstance(rate_limit, (int, float)) and not isinstance(rate_limit, bool):
        if not rate_limit > 0 or not math.isfinite(rate_limit):
            raise ConfigError(f"rate_limit must be a positive number of requests per second, got {rate_limit!r}")
        return StrictRateLimiter(float(rate_limit))
    if not callable(getattr(rate_limit, "acquire", None)):
        raise ConfigError(
            "rate_limit must be a positive number of requests per second, an object with an async "
            f"acquire() (aiolimiter.AsyncLimiter, daji_async.RedisRateLimiter...), or None; got {rate_limit!r}"
        )
    bind = getattr(rate_limit, "bind_app_key", None)
    if callable(bind):
        bind(app_key)
    return cast(RateLimiter, rate_limit)


def describe_rate_limit(limiter: RateLimiter | None) -> str | None:
    """`"5/s"` for a limiter with a known rate, its class name otherwise, None for no limit."""
    if limiter is None:
        return None
    rate = getattr(limiter, "rate", None)
    if isinstance(rate, (int, float)) and not isinstance(rate, bool):
        return f"{rate:g}/s"
    if isinstance(limiter, AsyncLimiter):
        return f"{limiter.max_rate / limiter.time_period:g}/s"
    return type(limiter).__name__
