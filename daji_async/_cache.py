"""A response cache for safe calls: product details, categories and search pages.

``DajiClient(cache=MemoryCache())`` keeps answers in this process (least recently used
dropped first); ``DajiClient(cache=RedisCache(url))`` shares them between every process on one
Redis. Either way:

- only the endpoints in :data:`~daji_async._constants.CACHE_TTLS` are cached (details,
  categories, keyword/image/shop search pages), each for its own time to live; orders,
  payments and uploads never are, and neither is any call made with ``safe=False``;
- the key is the endpoint, the method, the URL and every parameter sent *except* ``sign`` and
  ``appSecret``, hashed (so keys carry no secret, and the page size, the page, the language
  and the app key all tell answers apart);
- only successful answers with data are stored, as the body the service sent; errors never are;
- a hit is decoded like a fresh answer and spends no quota and no rate-limit token: it never
  reaches the limiter or the network.

The client asks :meth:`ResponseCache.key_for` for a key, :meth:`ResponseCache.load` before
sending and :meth:`ResponseCache.store` after a success; a backend implements ``_get``, ``_set``
and ``_clear``.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import msgspec

from . import _constants as C
from ._errors import ConfigError
from ._logs import logger
from ._redis import RedisArg, RedisConnection

#: Parameters that authenticate a call rather than describe it: never part of a key.
_UNKEYED = frozenset({"sign", "appSecret"})


@dataclass(frozen=True)
class CacheStats:
    """How a cache has done since it was made (or since :meth:`ResponseCache.reset_stats`).

    Attributes:
        hits: answers served from the cache (no request sent).
        misses: lookups that found nothing (a request was sent).
        stores: answers written to the cache.
        errors: backend failures ignored with ``ignore_errors=True`` (each counts as a miss too).
    """

    hits: int = 0
    misses: int = 0
    stores: int = 0
    errors: int = 0

    @property
    def lookups(self) -> int:
        """Hits plus misses."""
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        """Hits per lookup (0.0 before any lookup)."""
        return self.hits / self.lookups if self.lookups else 0.0


class _Counts:
    __slots__ = ("errors", "hits", "misses", "stores")

    def __init__(self) -> None:
        self.hits = self.misses = self.stores = self.errors = 0

    def freeze(self) -> CacheStats:
        return CacheStats(self.hits, self.misses, self.stores, self.errors)


def cache_key(endpoint: str, method: str, url: str, body: bytes | None = None) -> str:
    """The cache key of a signed request: everything that describes it, nothing that signs it.

    Query parameters are sorted by name (repeated names keep their order) so that the order a
    caller gave them in does not matter; a JSON body's top-level keys likewise.

    >>> a = cache_key("products.detail", "GET", "http://h/p?appKey=k&offerId=1&sign=AB12")
    >>> a == cache_key("products.detail", "GET", "http://h/p?offerId=1&appKey=k&sign=FF00")
    True
    >>> "AB12" in a
    False
    """
    base, _, query = url.partition("?")
    pairs = [pair for pair in query.split("&") if pair and pair.partition("=")[0] not in _UNKEYED]
    pairs.sort(key=lambda pair: pair.partition("=")[0])
    text = method + " " + base + "?" + "&".join(pairs)
    if body is not None:
        fields = msgspec.json.decode(body)
        if isinstance(fields, dict):
            fields = {k: fields[k] for k in sorted(fields) if k not in _UNKEYED}
        text += "\n" + msgspec.json.encode(fields).decode()
    return endpoint + ":" + hashlib.sha256(text.encode()).hexdigest()


class ResponseCache(ABC):
    """What :class:`MemoryCache` and :class:`RedisCache` share: TTLs, keys and statistics.

    Args:
        ttl: seconds an answer stays fresh, by endpoint name, overriding the defaults in
            :data:`~daji_async._constants.CACHE_TTLS` (``{"products.detail": 600}``); 0 or None
            turns caching of that endpoint off. Only those endpoints can be named.
    """

    def __init__(self, ttl: Mapping[str, float | None] | None = None) -> None:
        ttls: dict[str, float] = dict(C.CACHE_TTLS)
        for name, seconds in (ttl or {}).items():
            if name not in C.CACHE_TTLS:
                raise ConfigError(
                    f"cache ttl names {name!r}, which cannot be cached; cacheable endpoints: {sorted(C.CACHE_TTLS)}"
                )
            if seconds is None or seconds == 0:
                ttls.pop(name, None)
                continue
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
                raise ConfigError(
                    f"cache ttl for {name!r} must be a positive number of seconds or None, got {seconds!r}"
                )
            ttls[name] = float(seconds)
        self._ttls = ttls
        self._counts: dict[str, _Counts] = {}

    # ------------------------------------------------------------------ used by the client

    def ttl_for(self, endpoint: str) -> float | None:
        """Seconds an answer of ``endpoint`` stays fresh; None when it is not cached."""
        return self._ttls.get(endpoint)

    def key_for(self, endpoint: str, method: str, url: str, body: bytes | None = None) -> str | None:
        """The key of a signed request of ``endpoint``, or None when that endpoint is not cached."""
        if endpoint not in self._ttls:
            return None
        return cache_key(endpoint, method, url, body)

    async def load(self, key: str) -> bytes | None:
        """The cached body for ``key`` (a hit), or None (a miss)."""
        counts = self._counts_for(key)
        try:
            body = await self._get(key)
        except Exception as exc:
            self._failed(counts, exc, "read")
            body = None
        if body is None:
            counts.misses += 1
        else:
            counts.hits += 1
        return body

    async def store(self, key: str, body: bytes) -> None:
        """Keep a successful answer's body under ``key`` for its endpoint's TTL."""
        ttl = self._ttls.get(key.partition(":")[0])
        if ttl is None:
            return
        counts = self._counts_for(key)
        try:
            await self._set(key, body, ttl)
        except Exception as exc:
            self._failed(counts, exc, "write")
            return
        counts.stores += 1

    def _counts_for(self, key: str) -> _Counts:
        name = key.partition(":")[0]
        counts = self._counts.get(name)
        if counts is None:
            counts = self._counts[name] = _Counts()
        return counts

    def _failed(self, counts: _Counts, exc: Exception, action: str) -> None:
        """A backend failure: raise it (the default), or count it when errors are ignored."""
        raise exc

    # ------------------------------------------------------------------ for users

    @property
    def stats(self) -> CacheStats:
        """Hits, misses, stores and errors of this cache object, all endpoints together.

        Counted in this process (a Redis cache's other users keep their own counts).
        """
        total = _Counts()
        for counts in self._counts.values():
            total.hits += counts.hits
            total.misses += counts.misses
            total.stores += counts.stores
            total.errors += counts.errors
        return total.freeze()

    def stats_by_endpoint(self) -> dict[str, CacheStats]:
        """The same statistics, by endpoint name (``"products.detail"``...)."""
        return {name: counts.freeze() for name, counts in sorted(self._counts.items())}

    def reset_stats(self) -> None:
        """Start counting from zero."""
        self._counts.clear()

    async def clear(self) -> None:
        """Drop every cached answer (of this cache's namespace, for a Redis cache)."""
        await self._clear()

    @abstractmethod
    async def aclose(self) -> None:
        """Release what the backend holds (connections); the cache stays usable."""

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ backends

    @abstractmethod
    async def _get(self, key: str) -> bytes | None:
        """The stored body, or None when absent or expired."""

    @abstractmethod
    async def _set(self, key: str, body: bytes, ttl: float) -> None:
        """Store ``body`` for ``ttl`` seconds."""

    @abstractmethod
    async def _clear(self) -> None:
        """Drop every stored body."""


class MemoryCache(ResponseCache):
    """Answers kept in this process, the least recently used dropped beyond ``max_entries``.

    ::

        async with DajiClient(cache=MemoryCache()) as client:
            await client.products.detail(offer_id=727920485853)   # sent
            await client.products.detail(offer_id=727920485853)   # from the cache
            print(client.cache.stats)                             # CacheStats(hits=1, misses=1, ...)

    Args:
        max_entries: answers held at most.
        ttl: per-endpoint seconds, see :class:`ResponseCache`.
    """

    def __init__(
        self, max_entries: int = C.CACHE_MAX_ENTRIES, *, ttl: Mapping[str, float | None] | None = None
    ) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ConfigError(f"MemoryCache max_entries must be an int >= 1, got {max_entries!r}")
        super().__init__(ttl)
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"MemoryCache(max_entries={self.max_entries}, entries={len(self._entries)})"

    async def _get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, body = entry
        if time.monotonic() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return body

    async def _set(self, key: str, body: bytes, ttl: float) -> None:
        entries = self._entries
        entries[key] = (time.monotonic() + ttl, body)
        entries.move_to_end(key)
        while len(entries) > self.max_entries:
            entries.popitem(last=False)

    async def _clear(self) -> None:
        self._entries.clear()

    async def aclose(self) -> None:
        """Nothing to release: the entries stay until dropped or expired."""


class RedisCache(ResponseCache):
    """Answers shared by every process on one Redis, each expiring after its endpoint's TTL.

    ::

        cache = RedisCache("redis://localhost:6379/0")
        async with cache, DajiClient(cache=cache) as client:
            detail = await client.products.detail(offer_id=727920485853)  # one process fetches,
                                                                           # the others read it
    Needs the ``redis`` extra (``pip install 'daji-async[redis]'``).

    Args:
        url: a Redis URL, or a ``redis.asyncio.Redis`` you made (and close yourself).
        ttl: per-endpoint seconds, see :class:`ResponseCache`.
        prefix: namespace of the keys in Redis.
        ignore_errors: False (default) raises :class:`~daji_async.RedisUnavailableError` when
            Redis cannot be reached for a lookup, before anything is sent; True counts the
            failure in :attr:`stats` (``errors``), logs a warning and carries on as if the
            answer were not cached. A failed *write* (Redis lost after the lookup) is always
            only counted and logged: the answer it came with is returned, not thrown away.
    """

    def __init__(
        self,
        url: RedisArg,
        *,
        ttl: Mapping[str, float | None] | None = None,
        prefix: str = C.REDIS_KEY_PREFIX + "cache:",
        ignore_errors: bool = False,
    ) -> None:
        if not isinstance(prefix, str):
            raise ConfigError(f"RedisCache prefix must be a str, got {prefix!r}")
        super().__init__(ttl)
        self._redis = RedisConnection(url, "RedisCache")
        self.prefix = prefix
        self.ignore_errors = ignore_errors
        self._warned_at = -float("inf")

    def __repr__(self) -> str:
        return f"RedisCache({self._redis.where!r}, prefix={self.prefix!r}, ignore_errors={self.ignore_errors})"

    def _failed(self, counts: _Counts, exc: Exception, action: str) -> None:
        if not isinstance(exc, self._redis.connection_errors()):
            raise exc
        error = self._redis.unavailable(exc)
        if not self.ignore_errors and action == "read":
            # a failed write is only logged: the answer is paid for already, and is returned
            raise error from None
        counts.errors += 1
        now = time.monotonic()
        if now - self._warned_at >= C.SHARED_LIMIT_RECONNECT:
            self._warned_at = now
            logger.warning("%s; cache %s skipped (ignore_errors=True)", error, action)

    async def _get(self, key: str) -> bytes | None:
        body = await self._redis.client().get(self.prefix + key)
        if isinstance(body, str):  # a client given with decode_responses=True
            return body.encode()
        return None if body is None else bytes(body)

    async def _set(self, key: str, body: bytes, ttl: float) -> None:
        await self._redis.client().set(self.prefix + key, body, px=max(1, round(ttl * 1000)))

    async def _clear(self) -> None:
        client = self._redis.client()
        batch: list[Any] = []
        async for key in client.scan_iter(match=_glob_escape(self.prefix) + "*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                await client.delete(*batch)
                batch.clear()
        if batch:
            await client.delete(*batch)

    async def aclose(self) -> None:
        """Close the Redis connections this cache opened (a given client stays open)."""
        await self._redis.aclose()


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


__all__ = ["CacheStats", "MemoryCache", "RedisCache", "ResponseCache", "cache_key"]
