"""A response cache for safe calls: product details, categories and search pages.

`DajiClient(cache=MemoryCache())` keeps answers in this process (least recently used
dropped first); `DajiClient(cache=RedisCache(url))` shares them between every process on one
Redis. Either way:

- only the endpoints in the endpoint rows' `cache_ttl` are cached (details,
  categories, keyword/image/shop search pages), each for its own time to live; orders,
  payments and uploads never are, and neither is any call made with `safe=False`;
- the key is the endpoint, the method, the URL and every parameter sent *except* `sign` and
  `appSecret`, hashed (so keys carry no secret, and the page size, the page, the language
  and the app key all tell answers apart);
- only successful answers with data are stored, as the body the service sent; errors never are;
- a hit is decoded like a fresh answer and spends no quota and no rate-limit token: it never
  reaches the limiter or the network;
- entries are scoped by a key derived from the app secret (HMAC-SHA256, never the secret
  itself): clients with other secrets, even for the same app key, never read each other's
  entries. A Redis cache also authenticates each entry (HMAC-SHA256 over its key and body,
  under that derived key), so an entry anyone else wrote (a forged answer, a corrupted one, a
  value of another type) is a miss, never an answer. An in-memory cache cannot be written from
  outside the process and skips that check.

The client asks `ResponseCache.key_for` for a key (giving its app secret), then
`ResponseCache.load` before sending and `ResponseCache.store` after a success; a
backend implements `_get`, `_set` and `_clear`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import msgspec

from . import _constants as C
from ._endpoint_spec import cache_ttls
from ._errors import ConfigError, RedisDataError, RedisUnavailableError
from ._logs import logger
from ._redis import RedisArg, RedisConnection

#: How a Redis cache entry starts: a version tag, then the hex HMAC-SHA256 of the key and body.
_ENTRY_TAG = b"daji1:"
_MAC_HEX = 64

#: Parameters that authenticate a call rather than describe it: never part of a key.
_UNKEYED = frozenset({"sign", "appSecret"})


@dataclass(frozen=True)
class CacheStats:
    """How a cache has done since it was made (or since `ResponseCache.reset_stats`).

    Attributes:
        hits: answers served from the cache (no request sent).
        misses: lookups that found nothing (a request was sent).
        stores: answers written to the cache.
        errors: backend failures ignored with `ignore_errors=True` (each counts as a miss too).
        rejected: entries found but not served: a value of another type under the key, or one
            that fails its integrity check (forged or corrupted). Each counts as a miss too.
    """

    hits: int = 0
    misses: int = 0
    stores: int = 0
    errors: int = 0
    rejected: int = 0

    @property
    def lookups(self) -> int:
        """Hits plus misses."""
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        """Hits per lookup (0.0 before any lookup)."""
        return self.hits / self.lookups if self.lookups else 0.0


class _Counts:
    __slots__ = ("errors", "hits", "misses", "rejected", "stores")

    def __init__(self) -> None:
        self.hits = self.misses = self.stores = self.errors = self.rejected = 0

    def freeze(self) -> CacheStats:
        return CacheStats(self.hits, self.misses, self.stores, self.errors, self.rejected)


class _Rejected(Exception):
    """A backend found a value under the key that it will not serve (a miss, with a warning)."""


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
    """What `MemoryCache` and `RedisCache` share: TTLs, keys and statistics.

    Args:
        ttl: seconds an answer stays fresh, by endpoint name, overriding the defaults in
            the endpoint rows' `cache_ttl` (`{"products.detail": 600}`); 0 or None
            turns caching of that endpoint off. Only those endpoints can be named.
    """

    def __init__(self, ttl: Mapping[str, float | None] | None = None) -> None:
        defaults = {**cache_ttls(), **C.CACHE_NAMESPACES}
        ttls: dict[str, float] = dict(defaults)
        for name, seconds in (ttl or {}).items():
            if name not in defaults:
                raise ConfigError(
                    f"cache ttl names {name!r}, which cannot be cached; cacheable endpoints: {sorted(defaults)}"
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
        self._macs: dict[str, bytes] = {}  # scope -> the key derived from that scope's app secret
        self._rejected_warned_at = -float("inf")

    # ------------------------------------------------------------------ used by the client

    def ttl_for(self, endpoint: str) -> float | None:
        """Seconds an answer of `endpoint` stays fresh; None when it is not cached."""
        return self._ttls.get(endpoint)

    def key_for(
        self, endpoint: str, method: str, url: str, body: bytes | None = None, *, secret: str | None = None
    ) -> str | None:
        """The key of a signed request of `endpoint`, or None when that endpoint is not cached.

        `secret` (the app secret the request was signed with; the client passes it) scopes
        the key: a key derived from it through HMAC-SHA256 tells the entries of different
        secrets apart and, for a Redis cache, authenticates them. Without it a Redis cache
        caches nothing (it could not authenticate the entries).
        """
        if endpoint not in self._ttls:
            return None
        if secret is None:
            if self._authenticates:
                return None
            scope = "none"
        else:
            mac_key = hmac.digest(secret.encode(), C.CACHE_MAC_LABEL, "sha256")
            scope = hmac.digest(mac_key, b"scope", "sha256")[:8].hex()
            if scope not in self._macs:
                self._macs[scope] = mac_key
        plain = cache_key(endpoint, method, url, body)
        return endpoint + ":" + scope + plain[len(endpoint) :]

    #: Whether entries are authenticated (a backend others can write to).
    _authenticates = False

    def _mac_key(self, key: str) -> bytes | None:
        """The key that authenticates entries under `key` (None: not one this cache made)."""
        return self._macs.get(key.split(":", 2)[1] if key.count(":") >= 2 else "")

    async def load(self, key: str) -> bytes | None:
        """The cached body for `key` (a hit), or None (a miss)."""
        counts = self._counts_for(key)
        try:
            body = await self._get(key)
        except _Rejected as rejected:
            counts.rejected += 1
            now = time.monotonic()
            if now - self._rejected_warned_at >= C.SHARED_LIMIT_RECONNECT:
                self._rejected_warned_at = now
                logger.warning("%s: %s; not served, the call goes to the service", type(self).__name__, rejected)
            body = None
        except Exception as exc:
            self._failed(counts, exc, "read")
            body = None
        if body is None:
            counts.misses += 1
        else:
            counts.hits += 1
        return body

    async def store(self, key: str, body: bytes) -> None:
        """Keep a successful answer's body under `key` for its endpoint's TTL."""
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
            total.rejected += counts.rejected
        return total.freeze()

    def stats_by_endpoint(self) -> dict[str, CacheStats]:
        """The same statistics, by endpoint name (`"products.detail"`...)."""
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
        """Store `body` for `ttl` seconds."""

    @abstractmethod
    async def _clear(self) -> None:
        """Drop every stored body."""


class MemoryCache(ResponseCache):
    """Answers kept in this process, the least recently used dropped beyond `max_entries`.

    ```python
    async with DajiClient(cache=MemoryCache()) as client:
        await client.products.detail(offer_id=727920485853)   # sent
        await client.products.detail(offer_id=727920485853)   # from the cache
        print(client.cache.stats)                             # CacheStats(hits=1, misses=1, ...)
    ```

    Args:
        max_entries: answers held at most.
        ttl: per-endpoint seconds, see `ResponseCache`.
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

    ```python
    cache = RedisCache("redis://localhost:6379/0")
    async with cache, DajiClient(cache=cache) as client:
        detail = await client.products.detail(offer_id=727920485853)  # one process fetches,
                                                                       # the others read it
    ```

    Needs the `redis` extra (`pip install 'daji-async[redis]'`).

    The cache owns the namespace `prefix:`: every key it writes is
    `<prefix>:<endpoint>:<scope>:<sha256>`, and `clear` deletes only keys of exactly
    that shape (an unrelated `<prefix>_sessions` or `<prefix>:sessions` survives). Each
    entry carries an HMAC-SHA256 of its key and body under a key derived from the app secret
    (the secret itself is never stored), so an entry written by anyone without the secret, or
    corrupted, or of another type, is a miss (counted in `stats.rejected`, logged as a
    warning), never an answer.

    Args:
        url: a Redis URL, or a `redis.asyncio.Redis` you made (and close yourself).
        ttl: per-endpoint seconds, see `ResponseCache`.
        prefix: namespace of the keys in Redis (a `:` is added if it does not end with one);
            not empty: an empty prefix raises `ConfigError`.
        ignore_errors: False (default) raises `RedisUnavailableError` when
            Redis cannot be reached for a lookup, before anything is sent; True counts the
            failure in `stats` (`errors`), logs a warning and carries on as if the
            answer were not cached, and leaves Redis alone for a few seconds before trying it
            again (lookups are misses meanwhile). A failed *write* (Redis lost after the lookup)
            is always only counted and logged: the answer it came with is returned.
        timeout: seconds each Redis call may take in all (connecting included): a lookup ends
            within it, whatever the number of concurrent callers, even against a frozen Redis.
    """

    _authenticates = True

    def __init__(
        self,
        url: RedisArg,
        *,
        ttl: Mapping[str, float | None] | None = None,
        prefix: str = C.REDIS_KEY_PREFIX + "cache:",
        ignore_errors: bool = False,
        timeout: float = C.REDIS_TIMEOUT,
    ) -> None:
        if not isinstance(prefix, str):
            raise ConfigError(f"RedisCache prefix must be a str, got {prefix!r}")
        if not prefix.rstrip(":"):
            raise ConfigError(
                f"RedisCache prefix must name a namespace of its own, got {prefix!r}: clear() deletes "
                f"the cache's keys under it (the default is {C.REDIS_KEY_PREFIX + 'cache:'!r})"
            )
        super().__init__(ttl)
        self._redis = RedisConnection(url, "RedisCache", timeout)
        self.prefix = prefix.rstrip(":") + ":"
        """Namespace of the keys in Redis, ending with `:`."""
        self.ignore_errors = ignore_errors
        self.timeout = self._redis.timeout
        """Seconds each Redis call may take in all before it fails."""
        self._warned_at = -float("inf")
        self._skip_until = -float("inf")  # monotonic; with ignore_errors, Redis is left alone until then
        self._entry_key = re.compile(
            re.escape(self.prefix)
            + "(?:"
            + "|".join(re.escape(name) for name in {**cache_ttls(), **C.CACHE_NAMESPACES})
            + r")"
            r":(?:[0-9a-f]{16}:)?[0-9a-f]{64}"
        )

    def __repr__(self) -> str:
        return f"RedisCache({self._redis.where!r}, prefix={self.prefix!r}, ignore_errors={self.ignore_errors})"

    def _failed(self, counts: _Counts, exc: Exception, action: str) -> None:
        if not isinstance(exc, RedisUnavailableError):
            raise exc
        if not self.ignore_errors and action == "read":
            # a failed write is only logged: the answer is paid for already, and is returned
            raise exc
        counts.errors += 1
        now = time.monotonic()
        if self.ignore_errors and now >= self._skip_until:
            self._skip_until = now + C.SHARED_LIMIT_RECONNECT
        if now - self._warned_at >= C.SHARED_LIMIT_RECONNECT:
            self._warned_at = now
            logger.warning("%s; cache %s skipped (ignore_errors=%s)", exc, action, self.ignore_errors)

    def _check_skipping(self) -> None:
        """With ignore_errors, Redis is not asked again for a few seconds after a failure."""
        if self.ignore_errors and time.monotonic() < self._skip_until:
            raise self._redis.unavailable("it failed less than a few seconds ago; not asked again yet")

    async def _get(self, key: str) -> bytes | None:
        mac_key = self._mac_key(key)
        if mac_key is None:
            return None
        self._check_skipping()
        name = self.prefix + key
        try:
            value = await self._redis.call(lambda client: client.get(name), name)
        except RedisDataError:
            raise _Rejected(f"the key {name!r} holds a value of another type") from None
        if value is None:
            return None
        if isinstance(value, str):  # a client given with decode_responses=True
            value = value.encode()
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise _Rejected(f"the key {name!r} holds a {type(value).__name__}")
        return _open_entry(bytes(value), key, mac_key, name)

    async def _set(self, key: str, body: bytes, ttl: float) -> None:
        mac_key = self._mac_key(key)
        if mac_key is None:
            return
        self._check_skipping()
        name = self.prefix + key
        value = _ENTRY_TAG + _mac(mac_key, key, body).encode() + b":" + body
        await self._redis.call(lambda client: client.set(name, value, px=max(1, round(ttl * 1000))), name)

    async def _clear(self) -> None:
        """Delete every entry of this namespace (any app's), and nothing else."""
        pattern = _glob_escape(self.prefix) + "*"
        cursor: Any = 0
        while True:
            cursor, keys = await self._redis.call(functools.partial(_scan, cursor, pattern), self.prefix)
            ours = [k for k in keys if self._entry_key.fullmatch(k.decode() if isinstance(k, bytes) else k)]
            if ours:
                await self._redis.call(functools.partial(_delete, ours), self.prefix)
            if not cursor or cursor in (b"0", "0"):
                return

    async def aclose(self) -> None:
        """Close the Redis connections this cache opened (a given client stays open)."""
        await self._redis.aclose()


async def _scan(cursor: Any, pattern: str, client: Any) -> Any:
    return await client.scan(cursor, match=pattern, count=500)


async def _delete(keys: list[Any], client: Any) -> Any:
    return await client.delete(*keys)


def _mac(mac_key: bytes, key: str, body: bytes) -> str:
    return hmac.new(mac_key, key.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def _open_entry(value: bytes, key: str, mac_key: bytes, name: str) -> bytes:
    """The body of an entry whose MAC verifies, or _Rejected."""
    head = len(_ENTRY_TAG)
    if not value.startswith(_ENTRY_TAG) or len(value) < head + _MAC_HEX + 1 or value[head + _MAC_HEX] != ord(":"):
        raise _Rejected(f"the entry under {name!r} is not one this SDK wrote (forged or corrupted)")
    body = value[head + _MAC_HEX + 1 :]
    if not hmac.compare_digest(value[head : head + _MAC_HEX], _mac(mac_key, key, body).encode()):
        raise _Rejected(f"the entry under {name!r} failed its integrity check (forged or corrupted)")
    return body


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


__all__ = ["CacheStats", "MemoryCache", "RedisCache", "ResponseCache", "cache_key"]
