"""What the shared (Redis-backed) pieces have in common: the lazy import, URLs, connections.

redis-py is an optional dependency (`pip install 'daji-async[redis]'`): nothing here imports
it until a Redis-backed object is constructed, so users who never share a limiter or a cache
never need it.

A Redis-backed object takes either a URL (`redis://[:password@]host[:port][/db]`,
`rediss://...` for TLS, `unix:///path/to/socket`), from which it makes and owns its own
connection pool, or a `redis.asyncio.Redis` that the caller made and keeps owning (share one
between the limiter and the cache that way).

Every Redis operation goes through `RedisConnection.call`, which bounds it in time (each
caller its own deadline, so callers queued behind redis-py's connection lock cannot wait for one
another's timeouts) and turns every fault into a `DajiError`: `RedisUnavailableError` when Redis
cannot be reached, is too slow, refuses the command or does not speak the Redis protocol;
`RedisDataError` when a key holds a value of another type than expected.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, Union
from urllib.parse import unquote, urlsplit

from . import _constants as C
from ._errors import ConfigError, RedisDataError, RedisUnavailableError

if TYPE_CHECKING:
    from redis.asyncio import Redis

    RedisArg = Union[str, Redis]
else:
    RedisArg = Any

#: What to install when redis-py is missing.
INSTALL_HINT = "pip install 'daji-async[redis]'"

_SCHEMES = ("redis", "rediss", "unix")

T = TypeVar("T")


def check_timeout(timeout: object, what: str) -> float:
    """A positive, finite number of seconds, or a ConfigError naming the problem."""
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not timeout > 0
        or not math.isfinite(timeout)
    ):
        raise ConfigError(f"{what} timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def import_redis_asyncio(what: str) -> Any:
    """`redis.asyncio`, or a ConfigError naming the extra to install."""
    try:
        import redis.asyncio
    except ImportError as exc:
        raise ConfigError(f"{what} needs redis-py, which is not installed: {INSTALL_HINT}") from exc
    return redis.asyncio


def check_url(url: object, what: str) -> str:
    """Validate a Redis URL at construction, with a ConfigError naming the problem.

    The message shows the URL without its password.
    """
    if not isinstance(url, str):
        raise ConfigError(f"{what} takes a Redis URL (str) or a redis.asyncio.Redis, got {type(url).__name__}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{what}: malformed Redis URL {redact_url(url)!r}: {exc}") from None
    if parts.scheme not in _SCHEMES:
        raise ConfigError(
            f"{what}: malformed Redis URL {redact_url(url)!r}: it must start with redis://, rediss:// or unix://"
        )
    if parts.scheme == "unix":
        if not parts.path:
            raise ConfigError(f"{what}: malformed Redis URL {redact_url(url)!r}: unix:// needs a socket path")
        return url
    if not parts.hostname:
        raise ConfigError(f"{what}: malformed Redis URL {redact_url(url)!r}: it names no host")
    if port is not None and port == 0:
        raise ConfigError(f"{what}: malformed Redis URL {redact_url(url)!r}: port 0")
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise ConfigError(f"{what}: malformed Redis URL {redact_url(url)!r}: the database {db!r} is not a number")
    return url


def redact_url(url: str) -> str:
    """A Redis URL fit for messages: the password (if any) replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    netloc = f"{user}:***@" + parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc).geturl()


def describe(redis: Any) -> str:
    """Where a `redis.asyncio.Redis` points, for messages (never with the password)."""
    kwargs = getattr(getattr(redis, "connection_pool", None), "connection_kwargs", {}) or {}
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


class RedisConnection:
    """The Redis client of one shared object: made from a URL (and owned), or given.

    A client made from a URL is bound to the event loop that first uses it (redis-py's
    connections are); used from another loop, a fresh one is made for that loop.
    """

    def __init__(self, target: RedisArg, what: str, timeout: float = C.REDIS_TIMEOUT) -> None:
        self._module = import_redis_asyncio(what)
        self._what = what
        self.timeout = check_timeout(timeout, what)
        self._given: Any = None
        self._url: str | None = None
        self._passwords: tuple[str, ...] = ()
        if isinstance(target, str):
            self._url = check_url(target, what)
            self.where = redact_url(target)
            password = urlsplit(target).password
            if password and len(password) >= 4:  # whole credentials only: a short one would garble text
                self._passwords = tuple(sorted({password, unquote(password)}, key=len, reverse=True))
        elif isinstance(target, self._module.Redis):
            self._given = target
            self.where = describe(target)
        else:
            raise ConfigError(f"{what} takes a Redis URL (str) or a redis.asyncio.Redis, got {type(target).__name__}")
        self._own: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self) -> Redis:
        """The client for the running event loop."""
        if self._given is not None:
            return self._given  # type: ignore[no-any-return]
        loop = asyncio.get_running_loop()
        if self._own is None or self._loop is not loop:
            self._own = self._module.Redis.from_url(
                self._url,
                socket_connect_timeout=min(C.REDIS_CONNECT_TIMEOUT, self.timeout),
                socket_timeout=min(C.REDIS_SOCKET_TIMEOUT, self.timeout),
                health_check_interval=C.REDIS_HEALTH_CHECK_INTERVAL,
            )
            self._loop = loop
        return self._own  # type: ignore[no-any-return]

    async def call(self, operation: Callable[[Redis], Awaitable[T]], key: str) -> T:
        """Run `operation(client)` within `timeout` seconds; every fault a DajiError.

        Raises:
            RedisUnavailableError: Redis cannot be reached, did not answer in time, refused the
                command, or answered with something that is not the Redis protocol.
            RedisDataError: `key` holds a value of another type than the operation expects
                (WRONGTYPE), or a decoding client read bytes that are not text.
        """
        from redis.exceptions import InvalidResponse, RedisError, ResponseError

        try:
            return await asyncio.wait_for(operation(self.client()), self.timeout)
        except asyncio.TimeoutError:  # our deadline (also redis-py's and the OS's timeouts on 3.11+)
            raise self.unavailable(f"no answer within {self.timeout:g} s (timeout=)") from None
        except ResponseError as exc:
            if "WRONGTYPE" in str(exc):
                raise self.data_error(key, "it holds a value of another type (WRONGTYPE)") from None
            raise self.unavailable(f"it refused the command: {self._clean(exc)}") from None
        except InvalidResponse as exc:
            raise self.unavailable(
                f"it does not answer in the Redis protocol (is the URL another kind of server?): {self._clean(exc)}"
            ) from None
        except UnicodeDecodeError:
            raise self.data_error(
                key, "it holds bytes that are not UTF-8 text (a client with decode_responses=True)"
            ) from None
        except (RedisError, OSError) as exc:
            raise self.unavailable(exc) from None
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            # redis-py's reply parsers trip over answers Redis never sends (a server that is not Redis)
            raise self.unavailable(
                f"it answered what Redis would not: {type(exc).__name__}: {self._clean(exc)}"
            ) from None

    @staticmethod
    def connection_errors() -> tuple[type[BaseException], ...]:
        """The exceptions that mean Redis is not there (or too slow), as opposed to a bug.

        For callers that drive a redis-py client themselves (the crawl's arq pool) instead of
        going through `call`.
        """
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        return (RedisConnectionError, RedisTimeoutError, OSError, asyncio.TimeoutError)

    def _clean(self, exc: BaseException) -> str:
        """An exception's text with the URL's password hidden, and not too long."""
        text = str(exc)
        if self._url is not None:
            text = text.replace(self._url, self.where)
            for secret in self._passwords:  # a server that echoes the AUTH command
                text = text.replace(secret, "***")
        return text if len(text) <= 200 else text[:200] + "..."

    def unavailable(self, exc: BaseException | str) -> RedisUnavailableError:
        """A RedisUnavailableError for a failed Redis call, naming where (never a password)."""
        reason = exc if isinstance(exc, str) else f"{type(exc).__name__}: {self._clean(exc)}"
        return RedisUnavailableError(f"{self._what}: Redis at {self.where} cannot be reached: {reason}")

    def data_error(self, key: str, problem: str) -> RedisDataError:
        """A RedisDataError for a foreign value under `key`, naming where (never a password)."""
        return RedisDataError(f"{self._what}: the key {key!r} on Redis at {self.where} is not ours: {problem}")

    async def aclose(self) -> None:
        """Close the client this object made (a given client stays open)."""
        own, self._own = self._own, None
        loop, self._loop = self._loop, None
        if own is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - aclose is async
            running = None
        if loop is running:
            await own.aclose()
