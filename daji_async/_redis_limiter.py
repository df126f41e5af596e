"""RedisRateLimiter: one app key's request rate, shared by every process that uses it.

Each `acquire()` runs one atomic Lua script that hands out the next free *turn* on an even
grid of `(1 + margin) / rate` seconds, measured by Redis's own clock (`TIME`), and returns
how long the caller has to wait for it. The caller sleeps that long on its own monotonic clock
and sends: only durations cross machines, so clock skew between them does not matter. Turns
are handed out first come, first served across all processes, so N processes with work keep
the grid full (`rate / (1 + margin)`: 97% of the rate with the default margin) and no
one-second window ever holds more than `rate` turns.

Why a margin: a turn is a moment, and a request reaches the service a little after it
(event-loop lag, the network). Turns spaced exactly `1/rate` apart would let one late request
and the on-time ones after it put `rate + 1` requests in one of the service's seconds;
spacing them `margin` seconds wider per second absorbs jitter up to `margin`. A process
that wakes up more than `SHARED_LIMIT_LATE` after its turn does not
send late: it gives the turn up and asks for another.

When Redis cannot be reached, `acquire()` raises `RedisUnavailableError`,
unless `fallback=share` was given: then each process limits itself locally to `share * rate`
(pick `share = 1 / number of processes`) and tries Redis again every few seconds. Each Redis
call ends within `timeout` seconds, however many callers wait on it.

A wait handed out is never longer than `max_wait`: a caller whose turn would be further away
is given no turn and asks again later. So a stored turn further ahead than `max_wait` plus one
interval cannot have been handed out: it is corrupt state (Redis's clock jumped back, or
something else wrote the key); the script resets it, the caller goes now, and a warning is
logged. A value that is not a turn at all (a hash, a list, a word) belongs to someone else: it
is left alone and `acquire()` raises `RedisDataError`.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from types import TracebackType
from typing import Any

from . import _constants as C
from ._errors import ConfigError, RedisUnavailableError
from ._logs import logger
from ._ratelimit import StrictRateLimiter
from ._redis import RedisArg, RedisConnection, check_timeout

# KEYS[1]: the limiter's key, holding the start of the next free turn (microseconds, Redis clock).
# ARGV[1]: microseconds between turns. ARGV[2]: the longest wait handed out (microseconds).
# Returns {status, microseconds, ahead}:
#   {0, wait, 0}: a turn, `wait` microseconds from now (0: now), never more than ARGV[2];
#   {1, wait, 0}: no turn: the next free one is more than ARGV[2] away; ask again in `wait`;
#   {2, 0, ahead}: the stored turn was `ahead` microseconds in the future, further than any turn
#       handed out can be (a clock jump, a foreign write): reset, and this caller's turn is now;
#   {3, 0, 0}: the key holds something that is not a turn (another type, or not a number): untouched.
_TURN_SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and kind ~= 'string' then return {3, 0, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local longest = tonumber(ARGV[2])
local raw = redis.call('GET', KEYS[1])
local turn = now
local status = 0
local ahead = 0
if raw then
  local free = tonumber(raw)
  if free == nil then return {3, 0, 0} end
  if free > now + longest + interval + 1000000 then
    status = 2
    ahead = free - now
    if ahead > 9007199254740991 then ahead = 9007199254740991 end
  elseif free > now then
    turn = free
  end
end
if turn - now > longest then return {1, turn - now - longest, 0} end
local after = turn + interval
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return {status, turn - now, ahead}
"""

#: How many late wake-ups in a row make a process send anyway (rather than give up turns forever).
_MAX_LATE_TURNS = 3


class RedisRateLimiter:
    """At most `rate` requests in any one-second window, across every process sharing a key.

    ```python
    limiter = RedisRateLimiter("redis://localhost:6379/0", rate=50)
    async with limiter, DajiClient(rate_limit=limiter) as client:   # in each process
        ...
    ```

    Needs the `redis` extra (`pip install 'daji-async[redis]'`).

    Args:
        url: a Redis URL (`redis://[:password@]host[:port][/db]`, `rediss://`, `unix://`),
            or a `redis.asyncio.Redis` you made (and close yourself).
        rate: requests per second allowed for the key, by all processes together (> 0).
        key: the Redis key of the shared budget. By default it is derived from the app key of
            the `DajiClient` it is given to (a hash, not the key itself), so
            every process of one app shares it; pass a key to share another way.
        fallback: None (default) to raise `RedisUnavailableError` when Redis
            cannot be reached; or a share in (0, 1]: each process then limits itself locally to
            `share * rate` until Redis answers again.
        margin: seconds of each one-second window left unused to absorb jitter (see the module).
        timeout: seconds each Redis call may take in all (connecting included) before
            `acquire()` fails with `RedisUnavailableError` (or falls back).
        max_wait: longest wait handed out, in seconds; a caller whose turn would be further
            away waits up to this long and asks again. A stored turn further ahead than this
            (plus one interval) is reset with a warning, never slept on.

    Every process sharing a key should use the same `rate` and `margin`. Use the limiter
    from one event loop and close it (`async with` or `aclose`) when done.
    """

    def __init__(
        self,
        url: RedisArg,
        rate: float,
        *,
        key: str | None = None,
        fallback: float | None = None,
        margin: float = C.SHARED_LIMIT_MARGIN,
        timeout: float = C.REDIS_TIMEOUT,
        max_wait: float = C.SHARED_LIMIT_MAX_WAIT,
    ) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0 or not math.isfinite(rate):
            raise ConfigError(f"RedisRateLimiter rate must be a positive number of requests per second, got {rate!r}")
        if key is not None and (not isinstance(key, str) or not key):
            raise ConfigError(f"RedisRateLimiter key must be a non-empty str or None, got {key!r}")
        if fallback is not None and (
            isinstance(fallback, bool) or not isinstance(fallback, (int, float)) or not 0 < fallback <= 1
        ):
            raise ConfigError(
                f"RedisRateLimiter fallback must be None or a share of the rate in (0, 1], got {fallback!r}"
            )
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin < 1:
            raise ConfigError(f"RedisRateLimiter margin must be seconds in [0, 1), got {margin!r}")
        self.max_wait = check_timeout(max_wait, "RedisRateLimiter max_wait")
        """Longest wait the shared budget hands out, in seconds."""
        self._redis = RedisConnection(url, "RedisRateLimiter", timeout)
        self.timeout = self._redis.timeout
        """Seconds each Redis call may take in all before it fails."""
        self.rate = float(rate)
        """Requests per second allowed for the key, by all processes together."""
        self.fallback = None if fallback is None else float(fallback)
        """Share of the rate each process keeps to while Redis is unreachable (None: raise)."""
        self.margin = float(margin)
        self._key = key
        self._bound: str | None = None  # the key derived from a client's app key
        self._interval_us = math.ceil((1.0 + self.margin) * 1_000_000 / self.rate)
        self._max_wait_us = math.ceil(self.max_wait * 1_000_000)
        self._script: Any = None
        self._local: StrictRateLimiter | None = None
        self._retry_redis_at: float | None = None  # loop time; None while Redis is in use
        self._probing = False
        self.turns_given_up = 0
        """Turns this process gave up because it woke up too late for them (a busy machine)."""

    # ------------------------------------------------------------------ configuration

    @property
    def key(self) -> str | None:
        """The Redis key of the shared budget (None until a client binds its app key)."""
        return self._key

    def bind_app_key(self, app_key: str) -> None:
        """Key the budget on `app_key` unless a key was given (a client calls this).

        Raises ConfigError when the limiter is already keyed on another app key: one app
        key's quota is not another's.
        """
        key = C.REDIS_KEY_PREFIX + "ratelimit:" + hashlib.sha256(app_key.encode()).hexdigest()[:24]
        if self._key is None:
            self._key = self._bound = key
        elif self._bound is not None and self._bound != key:
            raise ConfigError(
                "this RedisRateLimiter already limits another app key's quota; make one limiter per app key"
            )

    @property
    def fallback_active(self) -> bool:
        """True while Redis is unreachable and this process limits itself locally."""
        return self._retry_redis_at is not None

    def __repr__(self) -> str:
        return (
            f"RedisRateLimiter({self._redis.where!r}, rate={self.rate:g}, key={self._key!r}, "
            f"fallback={self.fallback!r})"
        )

    # ------------------------------------------------------------------ acquiring

    async def acquire(self) -> None:
        """Wait for this process's next turn in the shared budget.

        Raises:
            RedisUnavailableError: Redis cannot be reached or did not answer within
                `timeout` (unless `fallback` was given).
            RedisDataError: the key holds a value that is not a turn (see the module).
        """
        loop = asyncio.get_running_loop()
        late = 0
        while late < _MAX_LATE_TURNS:
            if self._retry_redis_at is not None and (self._probing or loop.time() < self._retry_redis_at):
                await self._local_limiter().acquire()
                return
            turn = await self._turn(loop)
            if turn is None:  # Redis failed and the fallback took over
                await self._local_limiter().acquire()
                return
            given, wait = turn
            if not given:  # the budget is booked further ahead than max_wait: ask again later
                await asyncio.sleep(wait)
                continue
            deadline = loop.time() + wait
            if wait > 0:
                await asyncio.sleep(wait)
            if loop.time() - deadline <= C.SHARED_LIMIT_LATE:
                return
            # woke up too late: sending now would crowd the turns after ours; take a new turn
            self.turns_given_up += 1
            late += 1
        logger.debug("RedisRateLimiter: %d late wake-ups in a row; sending on the last turn", _MAX_LATE_TURNS)

    async def _turn(self, loop: asyncio.AbstractEventLoop) -> tuple[bool, float] | None:
        """(True, seconds until this caller's turn) or (False, seconds before asking again).

        None when Redis failed and the fallback applies.
        """
        key = self._key
        if key is None:
            raise ConfigError(
                "RedisRateLimiter has no key: pass key=..., or give it to a DajiClient (rate_limit=), "
                "which keys it on its app key"
            )
        script = self._script
        if script is None:
            script = self._script = self._redis.client().register_script(_TURN_SCRIPT)
        recovering = self._retry_redis_at is not None
        if recovering:
            self._probing = True
        try:
            answer = await self._redis.call(
                lambda client: script(keys=[key], args=[self._interval_us, self._max_wait_us], client=client), key
            )
        except RedisUnavailableError as error:
            if self.fallback is None:
                raise
            if not recovering:
                logger.warning(
                    "%s; limiting this process to %g requests/s (fallback=%g) until it is back",
                    error,
                    self.rate * self.fallback,
                    self.fallback,
                )
            self._retry_redis_at = loop.time() + C.SHARED_LIMIT_RECONNECT
            return None
        finally:
            self._probing = False
        if recovering:
            logger.warning("RedisRateLimiter: Redis at %s is back; sharing the rate again", self._redis.where)
            self._retry_redis_at = None
        if (
            not isinstance(answer, list)
            or len(answer) != 3
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in answer)
            or answer[0] not in (0, 1, 2, 3)
        ):
            raise self._redis.data_error(key, f"the limiter's script was answered with {str(answer)[:80]!r}")
        status, micros, ahead = answer
        if status == 3:
            raise self._redis.data_error(key, "it holds a value that is not a turn (another program's key?)")
        wait = min(max(0, micros) / 1_000_000, self.max_wait)  # whatever the server says
        if status == 1:
            return False, max(wait, 0.001)
        if status == 2:
            logger.warning(
                "RedisRateLimiter: the next turn under %r on Redis at %s was %.0f s ahead of Redis's clock, "
                "further than any turn handed out (max_wait=%g s): a clock jump or a foreign write; reset",
                key,
                self._redis.where,
                ahead / 1_000_000,
                self.max_wait,
            )
        return True, wait

    def _local_limiter(self) -> StrictRateLimiter:
        local = self._local
        if local is None:
            assert self.fallback is not None
            local = self._local = StrictRateLimiter(self.rate * self.fallback)
        return local

    # ------------------------------------------------------------------ lifecycle

    async def aclose(self) -> None:
        """Close the Redis connections this limiter opened (a given client stays open)."""
        await self._redis.aclose()
        self._script = None

    async def __aenter__(self) -> RedisRateLimiter:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


__all__ = ["RedisRateLimiter"]
